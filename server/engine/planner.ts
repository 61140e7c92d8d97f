/**
 * The planner agent: turns the mission into a validated task graph, and replans the
 * tasks that have not started when a task fails. One agent (`<mission>:planner`,
 * cassette key "planner") holds the whole conversation, so a replan continues it.
 * Finished work is never thrown away: done tasks stay, and new tasks may depend on them.
 */
import type { AgentRole, MissionStartParams, Plan, TaskInfo } from '../../protocol/protocol';
import { defaultModel } from '../providers';
import type { ModelProvider } from '../providers/types';
import { toolsFor } from '../tools/registry';
import type { Store } from '../store/store';
import { runAgent } from './agentLoop';
import type { Notifier } from './notifier';
import { validatePlan } from './plan';
import { loadRole } from './roles';
import { makeToolContext } from './toolContext';
import type { Inbox } from './inbox';
import { workspaceSummary } from './workspaceSummary';
import { orderOverlappingTasks } from './writeSets';

/** What the planner needs. */
export interface PlannerEnv {
  store: Store;
  notifier: Notifier;
  env: NodeJS.ProcessEnv;
  missionId: string;
  params: MissionStartParams;
  provider: ModelProvider;
  signal: AbortSignal;
  /** The folder the planner looks at (read-only tools): the user's workspace. */
  root: string;
  beforeTurn: () => Promise<void>;
  publishTask: (t: TaskInfo) => void;
  inbox: Inbox;
  /** Chat messages waiting for the planner. */
  takeMessages: () => string[];
  onUsage: () => void;
}

export class Planner {
  private replans = 0;
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly e: PlannerEnv) {}

  private get agentId(): string {
    return `${this.e.missionId}:planner`;
  }

  /** The model for a role: settings per role, the default model, the prompt's, the provider's. */
  modelFor(role: AgentRole): string {
    const c = this.e.params.config;
    return c.models[role] || c.defaultModel || loadRole(role).model || defaultModel(c.provider);
  }

  /**
   * Makes the plan and stores its tasks (with dependencies added for overlapping write-sets).
   * @throws Error when the planner gives up, exceeds its turns or keeps submitting invalid plans.
   */
  async plan(): Promise<Plan> {
    const summary = await workspaceSummary(this.e.root);
    this.e.store.createAgent({ id: this.agentId, missionId: this.e.missionId, taskId: null, role: 'planner', provider: this.e.params.config.provider, model: this.modelFor('planner') });
    const plan = await this.run([], `Mission:\n${this.e.params.goal}\n\nWorkspace summary:\n${summary}`, {});
    this.e.store.setMissionPlan(this.e.missionId, plan);
    this.store(plan);
    return plan;
  }

  /**
   * Asks the planner to replan the tasks that have not started, after `failed` failed.
   * Not-started tasks are skipped (replaced); done and running tasks are kept.
   * @throws Error when the replan budget is used up or the planner fails.
   */
  async replan(failed: TaskInfo, reason: string): Promise<void> {
    const header = [
      `Task ${failed.id} ("${failed.title}") failed: ${reason}`,
      failed.evidence.length ? `Its last checks:\n${failed.evidence.slice(-3).map((e) => `- \`${e.command}\` exit ${e.exitCode ?? 'none'}:\n${e.outputTail}`).join('\n')}` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    await this.revise(header, 'Give up on nothing the mission needs; work around the failure.', true);
  }

  /**
   * The user wrote to the planner: it replans the tasks that have not started.
   * @throws Error as replan.
   */
  async fromUser(text: string): Promise<void> {
    await this.revise(`The user says: ${text}`, 'Change the remaining work as the user asks.', false);
  }

  /** Asks the planner for a new plan of the remaining work, after `header` (counted as a replan when `budgeted`). */
  private async revise(header: string, advice: string, budgeted: boolean): Promise<void> {
    const previous = this.busy;
    let release: () => void = () => undefined;
    this.busy = new Promise<void>((r) => (release = r));
    await previous;
    try {
      const max = this.e.params.config.maxReplans ?? 2;
      if (budgeted && this.replans >= max) throw new Error(`the planner already replanned ${max} times`);
      if (budgeted) this.replans++;
      const store = this.e.store;
      const tasks = store.listTasks(this.e.missionId);
      // Only tasks that never started are replaced; reopened or sent-back tasks keep their place.
      const replaced = tasks.filter((t) => (t.state === 'pending' || t.state === 'ready') && t.attempts === 0);
      for (const t of replaced) {
        store.updateTask(this.e.missionId, t.id, { state: 'skipped', error: budgeted ? `replaced by replan ${this.replans}` : 'replaced at the user\'s request', endedAt: Date.now() });
        this.e.publishTask(store.getTask(this.e.missionId, t.id)!);
      }
      const done = tasks.filter((t) => t.state === 'done');
      const running = tasks.filter((t) => ['running', 'awaiting_input', 'awaiting_approval'].includes(t.state) || ((t.state === 'pending' || t.state === 'ready') && t.attempts > 0));
      const message = [
        header,
        `Done (kept; new tasks may depend on them):\n${done.map((t) => `- ${t.id} ${t.title}: ${t.report?.summary ?? ''}`).join('\n') || '- none'}`,
        running.length ? `Still running (kept):\n${running.map((t) => `- ${t.id} ${t.title}`).join('\n')}` : '',
        replaced.length ? `Not started (replaced by your new plan):\n${replaced.map((t) => `- ${t.id} ${t.title}`).join('\n')}` : '',
        `Submit a plan for the remaining work only, with new task ids. ${advice}`,
      ]
        .filter(Boolean)
        .join('\n\n');
      const plan = await this.run(store.listMessages(this.agentId), message, {
        taken: new Set(tasks.map((t) => t.id)),
        dependable: new Set([...done, ...running].map((t) => t.id)),
      });
      this.store(plan);
      store.appendEvent({ missionId: this.e.missionId, agentId: this.agentId, taskId: null, kind: 'info', text: `${budgeted ? `replan ${this.replans}` : 'replan for the user'}: ${plan.tasks.map((t) => t.id).join(', ')}` });
    } finally {
      release();
    }
  }

  private store(plan: Plan): void {
    const added = orderOverlappingTasks(plan.tasks);
    this.e.store.insertTasks(this.e.missionId, plan.tasks, { added });
    for (const t of this.e.store.listTasks(this.e.missionId)) if (plan.tasks.some((p) => p.id === t.id)) this.e.publishTask(t);
  }

  private async run(history: Parameters<typeof runAgent>[0]['history'], message: string, ctx: Parameters<typeof validatePlan>[1]): Promise<Plan> {
    const role = loadRole('planner');
    const config = this.e.params.config;
    let accepted: Plan | undefined;
    await runAgent({
      store: this.e.store,
      notifier: this.e.notifier,
      missionId: this.e.missionId,
      agentId: this.agentId,
      taskId: null,
      role: 'planner',
      agentKey: 'planner',
      provider: this.e.provider,
      providerName: config.provider,
      model: this.modelFor('planner'),
      system: role.prompt,
      history,
      messages: [{ role: 'user', content: message }],
      tools: toolsFor(role.tools),
      ctx: makeToolContext({ ...this.e, taskId: null, agentId: this.agentId, config, signal: this.e.signal }),
      maxTurns: config.maxTurnsPerAgent ?? 30,
      maxPlanRetries: config.maxPlanRetries ?? 2,
      beforeTurn: this.e.beforeTurn,
      takeMessages: this.e.takeMessages,
      onUsage: this.e.onUsage,
      onPlan: (candidate) => {
        const v = validatePlan(candidate, ctx);
        if (!v.ok) return v.errors;
        accepted = v.plan;
        return null;
      },
    });
    if (!accepted) throw new Error('the planner ended without a plan');
    return accepted;
  }
}
