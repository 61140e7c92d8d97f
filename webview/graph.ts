/**
 * DOM-free model of the plan view: tasks in dependency order, which tasks run now,
 * dependency chips (planned and engine-added), attempt and worker labels, and the
 * evidence rows of a task. Unit-tested under Node.
 */
import type { AgentInfo, Evidence, TaskInfo, TaskState } from '../protocol/protocol';
import { formatMs, oneLine, stateLabel } from './format';

/**
 * Attempts per task when the mission's own limit is not known to the panel: the
 * engine's default (`MissionConfig.maxTaskAttempts`, "Default 3"). The extension
 * starts missions without overriding it.
 */
export const DEFAULT_MAX_TASK_ATTEMPTS = 3;

/** Task states in which a worker is on the task. */
const ACTIVE_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'running',
  'awaiting_input',
  'awaiting_approval',
]);

/** True while a worker is on the task (running, or waiting for the user). */
export function isTaskActive(state: TaskState): boolean {
  return ACTIVE_TASK_STATES.has(state);
}

/**
 * Tasks in dependency order: every task comes after the tasks it depends on
 * (planned and engine-added dependencies alike); among tasks free to go next, the one
 * earlier in `tasks` (plan order) goes first. Dependencies on unknown tasks are
 * ignored; tasks caught in a cycle (the validator forbids them) follow in plan order.
 */
export function topoOrder(tasks: readonly TaskInfo[]): TaskInfo[] {
  const index = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (!index.has(t.id)) index.set(t.id, i);
  });
  const waitingOn = tasks.map(() => 0);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => {
    const deps = new Set([...t.dependsOn, ...(t.addedDependsOn ?? []).map((d) => d.dependsOn)]);
    for (const dep of deps) {
      const j = index.get(dep);
      if (j === undefined || j === i) continue;
      waitingOn[i]++;
      dependents[j].push(i);
    }
  });
  const ready: number[] = [];
  waitingOn.forEach((n, i) => {
    if (n === 0) ready.push(i);
  });
  const out: TaskInfo[] = [];
  const placed = new Set<number>();
  while (ready.length > 0) {
    // Smallest plan index first (n is small: a linear scan is fine).
    let k = 0;
    for (let r = 1; r < ready.length; r++) if (ready[r] < ready[k]) k = r;
    const i = ready.splice(k, 1)[0];
    placed.add(i);
    out.push(tasks[i]);
    for (const d of dependents[i]) {
      if (--waitingOn[d] === 0) ready.push(d);
    }
  }
  tasks.forEach((t, i) => {
    if (!placed.has(i)) out.push(t);
  });
  return out;
}

/** Tasks a worker is on now, in the order given. */
export function runningNow(tasks: readonly TaskInfo[]): TaskInfo[] {
  return tasks.filter((t) => isTaskActive(t.state));
}

/**
 * The "Running now" line: "Running now: t2, t3", with a waiting task's state
 * ("t4 (awaiting approval)"), or "Running now: none".
 */
export function runningNowText(tasks: readonly TaskInfo[]): string {
  const active = runningNow(tasks);
  if (active.length === 0) return 'Running now: none';
  const parts = active.map((t) => (t.state === 'running' ? t.id : `${t.id} (${stateLabel(t.state)})`));
  return `Running now: ${parts.join(', ')}`;
}

/** One dependency of a task, as a chip. */
export interface DependencyChip {
  /** The task depended on. */
  id: string;
  /** Its title, when the task is known. */
  title: string | null;
  /** Its state, when known (a done dependency reads differently). */
  state: TaskState | null;
  /** Added by the engine rather than planned. */
  added: boolean;
  /** Why the engine added it. */
  reason: string | null;
  /** Text of the chip: "t1 · Write the limiter", or "after t1: write-sets overlap (src/**)". */
  label: string;
  /** Longer text for a tooltip / accessible name. */
  tooltip: string;
}

/**
 * The dependencies of a task as chips: the planned ones in `dependsOn` order, then the
 * ones the engine added, each with its reason. A dependency both planned and added is
 * shown once, as added.
 */
export function dependencyChips(task: TaskInfo, tasks: ReadonlyMap<string, TaskInfo>): DependencyChip[] {
  const added = task.addedDependsOn ?? [];
  const addedIds = new Set(added.map((d) => d.dependsOn));
  const known = (id: string): { title: string | null; state: TaskState | null } => {
    const t = tasks.get(id);
    return { title: t?.title ?? null, state: t?.state ?? null };
  };
  const chips: DependencyChip[] = [];
  const seen = new Set<string>();
  for (const id of task.dependsOn) {
    if (addedIds.has(id) || seen.has(id)) continue;
    seen.add(id);
    const { title, state } = known(id);
    chips.push({
      id,
      title,
      state,
      added: false,
      reason: null,
      label: title ? `${id} · ${oneLine(title, 40)}` : id,
      tooltip: `After ${id}${title ? `: ${title}` : ''}${state ? ` (${stateLabel(state)})` : ''}`,
    });
  }
  for (const d of added) {
    if (seen.has(d.dependsOn)) continue;
    seen.add(d.dependsOn);
    const { title, state } = known(d.dependsOn);
    const reason = d.reason.trim();
    chips.push({
      id: d.dependsOn,
      title,
      state,
      added: true,
      reason,
      label: `after ${d.dependsOn}${reason ? `: ${reason}` : ''}`,
      tooltip: `Added by the engine: after ${d.dependsOn}${title ? ` (${title})` : ''}${reason ? `, because ${reason}` : ''}`,
    });
  }
  return chips;
}

/** "attempt 2 of 3" once a task is on its second attempt or later; "" before. */
export function attemptLabel(attempts: number, max: number | undefined = DEFAULT_MAX_TASK_ATTEMPTS): string {
  if (!Number.isFinite(attempts) || attempts <= 1) return '';
  return max !== undefined && max >= attempts ? `attempt ${attempts} of ${max}` : `attempt ${attempts}`;
}

/** What is known of an agent without its AgentInfo (e.g. from its transcript). */
export interface AgentHint {
  role: string;
  model: string | null;
}

/**
 * Which worker runs a task: "coder · gpt-4.1" from the mission's agents, else from a
 * hint (its transcript), else the task's role; null before a worker is assigned.
 */
export function workerLabel(
  task: TaskInfo,
  agents: ReadonlyMap<string, AgentInfo>,
  hint?: AgentHint,
): string | null {
  if (!task.agentId) return null;
  const a = agents.get(task.agentId);
  const role = a?.role ?? hint?.role ?? task.role;
  const model = a?.model ?? hint?.model ?? '';
  return model ? `${role} · ${model}` : role;
}

/** One evidence row, ready to render. */
export interface EvidenceRow {
  /** Stable key of the row (evidence is append-only). */
  key: string;
  command: string;
  passed: boolean;
  /** Codicon name: pass or error. */
  icon: 'pass' | 'error';
  /** "exit 0", or "no exit" when the command did not run to an exit. */
  exit: string;
  /** "850 ms" / "2.4 s". */
  duration: string;
  /** "attempt 1" when the task has evidence from more than one attempt, else "". */
  attempt: string;
  /** From an attempt older than the latest one. */
  stale: boolean;
  /** One-line status for the summary: "passed · exit 0 · 2.4 s". */
  status: string;
  outputTail: string;
}

/** The evidence of a task, oldest first, as rows. */
export function evidenceRows(evidence: readonly Evidence[]): EvidenceRow[] {
  const attempts = new Set(evidence.map((e) => e.attempt));
  const latest = evidence.reduce((m, e) => Math.max(m, e.attempt), 0);
  const many = attempts.size > 1;
  return evidence.map((e, i) => {
    const exit = e.exitCode === null ? 'no exit' : `exit ${e.exitCode}`;
    const duration = formatMs(Math.max(0, e.durationMs));
    return {
      key: `${i}:${e.attempt}:${e.ts}:${e.command}`,
      command: e.command,
      passed: e.passed,
      icon: e.passed ? 'pass' : 'error',
      exit,
      duration,
      attempt: many ? `attempt ${e.attempt}` : '',
      stale: e.attempt < latest,
      status: `${e.passed ? 'passed' : 'failed'} · ${exit} · ${duration}`,
      outputTail: e.outputTail,
    };
  });
}
