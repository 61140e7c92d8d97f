/**
 * Plan validation: the planner's submit_plan arguments must match PLAN_SCHEMA (JSON
 * Schema, checked with ajv) and form a DAG over known task ids. Errors are phrased for
 * the model, which gets them back and tries again a bounded number of times.
 */
import Ajv from 'ajv';
import type { Plan } from '../../protocol/protocol';

/** Roles a task may carry. */
export const WORKER_ROLES = ['coder', 'tester', 'reviewer', 'docs'] as const;

/** JSON Schema of a plan (also the submit_plan tool's parameters). */
export const PLAN_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['summary', 'tasks'],
  properties: {
    summary: { type: 'string', minLength: 1, description: 'One or two sentences on the approach.' },
    tasks: {
      type: 'array',
      minItems: 1,
      maxItems: 30,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'role', 'instructions', 'acceptance', 'dependsOn', 'writeSet'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,31}$', description: 'Short unique id, e.g. "t1".' },
          title: { type: 'string', minLength: 1 },
          role: { type: 'string', enum: [...WORKER_ROLES] },
          instructions: { type: 'string', minLength: 1 },
          acceptance: { type: 'array', items: { type: 'string' } },
          dependsOn: { type: 'array', items: { type: 'string' } },
          writeSet: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            description: 'Path globs the task may change, e.g. ["src/limit.ts", "test/**"]. [] for a task that writes nothing.',
          },
          checks: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            description: 'Commands that must exit 0 before the task is done, e.g. ["npm test -- test/limit.test.js"].',
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true });
const validateShape = ajv.compile(PLAN_SCHEMA);

/** Result of validatePlan: the typed plan, or every problem found. */
export type PlanValidation = { ok: true; plan: Plan } | { ok: false; errors: string[] };

/** Context for validating a replan against the mission's existing tasks. */
export interface PlanContext {
  /** Ids already used by the mission (new tasks must not reuse them). */
  taken?: ReadonlySet<string>;
  /** Existing tasks new tasks may depend on (done or still running). */
  dependable?: ReadonlySet<string>;
}

/**
 * Validates a candidate plan: schema, unique ids, known dependencies, no self-dependency,
 * no cycles (Kahn's topological sort: what cannot be ordered lies on a cycle). For a
 * replan, `ctx` says which ids are taken and which existing tasks may be depended on.
 */
export function validatePlan(candidate: unknown, ctx: PlanContext = {}): PlanValidation {
  if (!validateShape(candidate)) {
    const errors = (validateShape.errors ?? []).map((e) => {
      const where = e.instancePath || '(plan)';
      const extra = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: string[] }).allowedValues.join(', ')})` : '';
      const prop = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
      return `${where}: ${e.message ?? 'is invalid'}${prop}${extra}`;
    });
    return { ok: false, errors };
  }
  const plan = candidate as Plan;
  const errors: string[] = [];
  const ids = new Set<string>();
  for (const t of plan.tasks) {
    if (ids.has(t.id)) errors.push(`task id "${t.id}" is used more than once`);
    if (ctx.taken?.has(t.id)) errors.push(`task id "${t.id}" is already used in this mission; give new tasks new ids`);
    ids.add(t.id);
  }
  const external = ctx.dependable ?? new Set<string>();
  for (const t of plan.tasks) {
    for (const d of t.dependsOn) {
      if (d === t.id) errors.push(`task "${t.id}" depends on itself`);
      else if (!ids.has(d) && !external.has(d)) {
        errors.push(`task "${t.id}" depends on unknown task "${d}" (known: ${[...ids, ...external].join(', ')})`);
      }
    }
  }
  if (errors.length === 0) {
    const order = topologicalOrder({ ...plan, tasks: plan.tasks.map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => ids.has(d)) })) });
    if (order.length < plan.tasks.length) {
      const stuck = plan.tasks.filter((t) => !order.includes(t.id)).map((t) => t.id);
      errors.push(`dependencies form a cycle among tasks ${stuck.join(', ')}`);
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, plan };
}

/** Task ids in an order where every task follows its dependencies (Kahn, plan order for ties). */
export function topologicalOrder(plan: Plan): string[] {
  const indegree = new Map(plan.tasks.map((t) => [t.id, new Set(t.dependsOn).size]));
  const order: string[] = [];
  let progress = true;
  while (progress) {
    progress = false;
    for (const t of plan.tasks) {
      if (indegree.get(t.id) === 0 && !order.includes(t.id)) {
        order.push(t.id);
        indegree.set(t.id, -1);
        for (const u of plan.tasks) if (new Set(u.dependsOn).has(t.id)) indegree.set(u.id, (indegree.get(u.id) ?? 0) - 1);
        progress = true;
      }
    }
  }
  return order;
}
