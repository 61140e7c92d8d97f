/**
 * The mission engine: runs a mission from goal to proposed changes.
 *
 *   draft → planning (planner agent, plan validated) → running (tasks in dependency
 *   order, one worker at a time) → completed | failed | cancelled
 *
 * Agents work in the mission's sandbox (server/sandbox), never in the user's files. At
 * the end, what differs between the sandbox and its base becomes the proposed changes.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type {
  MissionConfig,
  MissionStartParams,
  MissionState,
  Plan,
  TaskInfo,
  TerminalMissionState,
} from '../../protocol/protocol';
import { createProvider, defaultModel } from '../providers';
import type { ModelProvider } from '../providers/types';
import { createSandbox, type Sandbox } from '../sandbox/sandbox';
import { countLines } from '../changes/changes';
import { toolsFor } from '../tools/registry';
import type { ToolContext } from '../tools/types';
import type { Store } from '../store/store';
import { runAgent, CancelledError } from './agentLoop';
import type { Notifier } from './notifier';
import { validatePlan, topologicalOrder } from './plan';
import { loadRole } from './roles';
import { workspaceSummary } from './workspaceSummary';

/** Environment variables a child process must never see. */
const SECRET_ENV = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'];

/** Options of the engine. */
export interface EngineOptions {
  store: Store;
  notifier: Notifier;
  /** Folder for sandboxes: `<dataDir>/sandboxes/<missionId>`. */
  dataDir: string;
  /** Environment holding provider keys (the server's own). */
  env: NodeJS.ProcessEnv;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

/** Starts, runs, cancels and reports missions. */
export class MissionEngine {
  private readonly running = new Map<string, Running>();

  constructor(private readonly o: EngineOptions) {
    // Missions that were running when a previous server died cannot continue in this
    // process: they are interrupted (resume comes with crash-safe state, issue 5).
    for (const m of o.store.missionsInState(['planning', 'running', 'paused', 'awaiting_plan_approval'])) {
      o.store.setMissionState(m.id, 'interrupted', 'The server stopped while this mission was running.');
    }
  }

  /** Number of missions running in this process. */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Creates a mission and starts it in the background.
   * @returns the new mission id.
   * @throws Error when the provider cannot be set up (missing key, bad cassette).
   */
  async start(params: MissionStartParams): Promise<string> {
    const id = `m-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
    const setup = await createProvider(params.config, this.o.env);
    this.o.store.createMission({ id, goal: params.goal, workspaceRoot: params.workspaceRoot, config: params.config, replaying: setup.replaying });
    this.publishMission(id);
    const abort = new AbortController();
    const done = this.run(id, params, setup.provider, abort.signal)
      .catch(() => undefined)
      .finally(async () => {
        await setup.close().catch(() => undefined);
        this.running.delete(id);
        this.o.store.db.flushNow();
        this.onRunningChanged?.();
      });
    this.running.set(id, { abort, done });
    this.onRunningChanged?.();
    return id;
  }

  /** Called when the number of running missions changes. */
  onRunningChanged?: () => void;

  /** Cancels a running mission. Returns false when it was not running. */
  async cancel(missionId: string): Promise<boolean> {
    const r = this.running.get(missionId);
    if (!r) return false;
    r.abort.abort();
    await r.done;
    return true;
  }

  /** Resolves when the mission is no longer running (for the CLI and tests). */
  async whenDone(missionId: string): Promise<void> {
    await this.running.get(missionId)?.done;
  }

  /** Cancels everything and waits (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.cancel(id)));
  }

  private setState(id: string, state: MissionState, error?: string): void {
    this.o.store.setMissionState(id, state, error);
    this.o.store.appendEvent({ missionId: id, agentId: null, taskId: null, kind: 'state', text: error ? `${state}: ${error}` : state });
    this.publishMission(id);
  }

  private publishMission(id: string): void {
    const m = this.o.store.listMissions().find((x) => x.id === id);
    if (m) this.o.notifier.mission(m);
  }

  private updateTask(missionId: string, taskId: string, patch: Parameters<Store['updateTask']>[2]): void {
    this.o.store.updateTask(missionId, taskId, patch);
    const t = this.o.store.getTask(missionId, taskId);
    if (t) this.o.notifier.task(t);
  }

  private async run(id: string, params: MissionStartParams, provider: ModelProvider, signal: AbortSignal): Promise<void> {
    let sandbox: Sandbox | undefined;
    const store = this.o.store;
    try {
      this.setState(id, 'planning');
      sandbox = await createSandbox(params.workspaceRoot, path.join(this.o.dataDir, 'sandboxes', id));
      store.setMissionSandbox(id, sandbox.root, sandbox.kind, sandbox.baseRef);
      const ctxBase = this.toolContext(id, null, '', sandbox.root, params.config, signal);

      const plan = await this.plan(id, params, provider, { ...ctxBase, root: sandbox.root }, signal);
      store.setMissionPlan(id, plan);
      store.insertTasks(id, plan.tasks);
      for (const t of store.listTasks(id)) this.o.notifier.task(t);
      this.setState(id, 'running');

      for (const taskId of topologicalOrder(plan)) {
        if (signal.aborted) throw new CancelledError();
        await this.runTask(id, params, plan, taskId, provider, sandbox.root, signal);
      }
      await this.collectChanges(id, sandbox);
      this.setState(id, 'completed');
    } catch (err) {
      const cancelled = err instanceof CancelledError || signal.aborted;
      const state: TerminalMissionState = cancelled ? 'cancelled' : 'failed';
      for (const t of store.listTasks(id)) {
        if (!['done', 'failed', 'skipped'].includes(t.state)) {
          this.updateTask(id, t.id, { state: t.state === 'running' ? 'failed' : 'skipped', endedAt: Date.now(), error: cancelled ? 'cancelled' : undefined });
        }
      }
      if (sandbox && !cancelled) await this.collectChanges(id, sandbox).catch(() => undefined);
      this.setState(id, state, cancelled ? 'Cancelled by the user.' : (err as Error).message);
    } finally {
      if (sandbox) await sandbox.dispose().catch(() => undefined);
      store.setMissionSandbox(id, null, null, null);
    }
  }

  private modelFor(config: MissionConfig, role: keyof MissionConfig['models']): string {
    return config.models[role] || config.defaultModel || loadRole(role).model || defaultModel(config.provider);
  }

  private async plan(id: string, params: MissionStartParams, provider: ModelProvider, ctx: ToolContext, signal: AbortSignal): Promise<Plan> {
    const role = loadRole('planner');
    const agentId = `${id}:planner`;
    const model = this.modelFor(params.config, 'planner');
    this.o.store.createAgent({ id: agentId, missionId: id, taskId: null, role: 'planner', provider: params.config.provider, model });
    let accepted: Plan | undefined;
    const summary = await workspaceSummary(ctx.root);
    await runAgent({
      store: this.o.store,
      notifier: this.o.notifier,
      missionId: id,
      agentId,
      taskId: null,
      role: 'planner',
      agentKey: 'planner',
      provider,
      providerName: params.config.provider,
      model,
      system: role.prompt,
      messages: [{ role: 'user', content: `Mission:\n${params.goal}\n\nWorkspace summary:\n${summary}` }],
      tools: toolsFor(role.tools),
      ctx: { ...ctx, signal },
      maxTurns: params.config.maxTurnsPerAgent ?? 30,
      maxPlanRetries: params.config.maxPlanRetries ?? 2,
      onPlan: (candidate) => {
        const v = validatePlan(candidate);
        if (!v.ok) return v.errors;
        accepted = v.plan;
        return null;
      },
    });
    if (!accepted) throw new Error('the planner ended without a plan');
    return accepted;
  }

  private async runTask(
    id: string,
    params: MissionStartParams,
    plan: Plan,
    taskId: string,
    provider: ModelProvider,
    root: string,
    signal: AbortSignal,
  ): Promise<void> {
    const task = plan.tasks.find((t) => t.id === taskId)!;
    const roleDef = loadRole(task.role);
    const agentId = `${id}:${taskId}`;
    const model = this.modelFor(params.config, task.role);
    this.o.store.createAgent({ id: agentId, missionId: id, taskId, role: task.role, provider: params.config.provider, model });
    this.updateTask(id, taskId, { state: 'ready' });
    this.updateTask(id, taskId, { state: 'running', agentId, attempts: 1, startedAt: Date.now() });
    const deps: TaskInfo[] = this.o.store.listTasks(id).filter((t) => task.dependsOn.includes(t.id));
    const opening = [
      `Mission: ${params.goal}`,
      `Your task (${task.id}, role ${task.role}): ${task.title}`,
      `Instructions:\n${task.instructions}`,
      task.acceptance.length ? `Acceptance criteria:\n${task.acceptance.map((a) => `- ${a}`).join('\n')}` : '',
      deps.length ? `Reports of the tasks this one depends on:\n${JSON.stringify(deps.map((d) => ({ task: d.id, title: d.title, report: d.report })), null, 2)}` : '',
      'Paths are relative to the workspace root. Your changes are reviewed by the user before they reach their files.',
    ]
      .filter(Boolean)
      .join('\n\n');
    try {
      const outcome = await runAgent({
        store: this.o.store,
        notifier: this.o.notifier,
        missionId: id,
        agentId,
        taskId,
        role: task.role,
        agentKey: taskId,
        provider,
        providerName: params.config.provider,
        model,
        system: roleDef.prompt,
        messages: [{ role: 'user', content: opening }],
        tools: toolsFor(roleDef.tools),
        ctx: this.toolContext(id, taskId, agentId, root, params.config, signal),
        maxTurns: params.config.maxTurnsPerAgent ?? 40,
        onWaiting: (kind) =>
          this.updateTask(id, taskId, { state: kind === 'input' ? 'awaiting_input' : kind === 'approval' ? 'awaiting_approval' : 'running' }),
      });
      if (outcome.kind !== 'finished') throw new Error(`task ${taskId} ended without finish_task`);
      this.updateTask(id, taskId, { state: 'done', report: outcome.report, endedAt: Date.now() });
    } catch (err) {
      if (err instanceof CancelledError || signal.aborted) throw new CancelledError();
      const message = `task ${taskId} (${task.title}) failed: ${(err as Error).message}`;
      this.updateTask(id, taskId, { state: 'failed', error: (err as Error).message, endedAt: Date.now() });
      this.o.store.appendEvent({ missionId: id, agentId, taskId, kind: 'error', text: message });
      throw new Error(message);
    }
  }

  private toolContext(
    missionId: string,
    taskId: string | null,
    agentId: string,
    root: string,
    config: MissionConfig,
    signal: AbortSignal,
  ): ToolContext {
    const env: NodeJS.ProcessEnv = { ...this.o.env };
    for (const k of SECRET_ENV) delete env[k];
    const untilAborted = <T>(p: Promise<T>, fallback: T): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (signal.aborted) return resolve(fallback);
        const onAbort = () => resolve(fallback);
        signal.addEventListener('abort', onAbort, { once: true });
        p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    return {
      root,
      signal,
      env,
      allowedCommands: config.allowedCommands,
      commandTimeoutMs: config.commandTimeoutMs ?? 120_000,
      outputCapChars: 16_000,
      requestApproval: (command) =>
        untilAborted(this.o.notifier.requestApproval({ missionId, taskId, agentId, kind: 'command', command, cwd: root }), {
          approved: false,
          reason: 'The mission was cancelled.',
        }),
      askUser: async (question) =>
        (await untilAborted(this.o.notifier.askUser({ missionId, taskId, agentId, question }), { answer: null })).answer,
    };
  }

  private async collectChanges(id: string, sandbox: Sandbox): Promise<void> {
    const changes = (await sandbox.changes()).filter((c) => !c.binary);
    this.o.store.replaceChanges(
      id,
      changes.map((c) => ({ ...c, ...countLines(c) })),
    );
    this.o.notifier.changes(id, this.o.store.listChanges(id));
  }
}
