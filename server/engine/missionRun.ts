/**
 * One mission's run: plan, then schedule the task graph across parallel workers, each in
 * its own task worktree, integrate their results with three-way merges, and propose the
 * integrated state against the user's files.
 *
 *   planning → running: ready tasks (all dependencies done) start at once, up to
 *   maxParallelWorkers; a done task is merged into the integrated state (git merge-tree);
 *   a conflict becomes a resolve-conflict task; a failed task makes the planner replan the
 *   tasks that have not started. The mission ends completed, failed or cancelled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MissionStartParams, MissionState, TaskInfo, TaskReport } from '../../protocol/protocol';
import type { ModelProvider } from '../providers/types';
import { createSandbox, type Sandbox } from '../sandbox/sandbox';
import { Integrator, type TaskWorktree } from '../sandbox/integration';
import { IntegratedState } from './integratedState';
import { countLines, unifiedDiff } from '../changes/changes';
import { toolsFor } from '../tools/registry';
import type { Store } from '../store/store';
import { runAgent, CancelledError, type AgentOutcome } from './agentLoop';
import type { Notifier } from './notifier';
import { PauseGate } from './pauseGate';
import type { Inbox } from './inbox';
import { Planner } from './planner';
import { loadRole } from './roles';
import { makeToolContext } from './toolContext';
import { DEFAULT_POLICY, verdict } from './policy';
import { failedChecksMessage, runChecks } from './checks';
import { conflictTask, reviewDiffMessage, workerOpening } from './taskMessages';

/** What a run needs from its engine. */
export interface RunEnv {
  store: Store;
  notifier: Notifier;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  missionId: string;
  params: MissionStartParams;
  provider: ModelProvider;
  /** Aborted by mission/cancel. */
  signal: AbortSignal;
  gate: PauseGate;
  inbox: Inbox;
  /** Called when this run's number of running workers changes. */
  onWorkers: (running: number) => void;
}

/** Least time between two usage announcements of a mission (ms). */
const USAGE_NOTIFY_MS = 250;

const FINISHED_TASK: readonly TaskInfo['state'][] = ['done', 'failed', 'skipped'];

/** A task failure the planner is told about. */
class TaskFailed extends Error {}

export class MissionRun {
  private sandbox: Sandbox | undefined;
  private integrated: IntegratedState | undefined;
  private readonly startRefs = new Map<string, string>();
  private readonly findings = new Map<string, string[]>();
  private readonly rereview = new Set<string>();
  /** The user's chat messages per agent id, delivered at the agent's next turn. */
  private readonly mailbox = new Map<string, string[]>();
  /** Requests from the user that reopen finished tasks, per task id. */
  private readonly userRequests = new Map<string, string>();
  private readonly taskGates = new Map<string, PauseGate>();
  private readonly taskStops = new Map<string, AbortController>();
  /** Work the scheduler must wait for besides workers (a replan the user asked for). */
  private readonly sideWork = new Set<Promise<void>>();
  private scheduling = false;
  private fatal: Error | undefined;
  private workers = 0;
  private planner!: Planner;
  /** Aborted by the mission's signal, or when the run fails, to stop every worker. */
  private readonly stop = new AbortController();

  constructor(private readonly e: RunEnv) {
    if (e.signal.aborted) this.stop.abort();
    e.signal.addEventListener('abort', () => this.stop.abort(), { once: true });
  }

  private get id(): string {
    return this.e.missionId;
  }

  private get config() {
    return this.e.params.config;
  }

  /**
   * Runs the mission to its end; never throws (the outcome is the mission's state).
   * Resolves after every sandbox is removed.
   */
  async execute(): Promise<void> {
    const store = this.e.store;
    let final: { state: MissionState; error?: string } = { state: 'completed' };
    try {
      this.setState('planning');
      // The sandbox is made while the planner plans: the planner only reads (list, read,
      // search), so it reads the workspace itself, and nobody waits for the copy twice.
      const dir = path.join(this.e.dataDir, 'sandboxes', this.id);
      const sandboxReady = createSandbox(this.e.params.workspaceRoot, dir).then(async (sandbox) => {
        this.sandbox = sandbox;
        this.integrated = new IntegratedState(await Integrator.for(sandbox), sandbox.baseRef, (ref) => store.setIntegratedRef(this.id, ref));
        store.setMissionSandbox(this.id, sandbox.root, sandbox.kind, sandbox.baseRef);
        store.setIntegratedRef(this.id, sandbox.baseRef);
      });
      sandboxReady.catch(() => undefined);
      this.planner = new Planner({
        ...this.e,
        signal: this.stop.signal,
        root: this.e.params.workspaceRoot,
        beforeTurn: () => this.e.gate.wait(this.stop.signal),
        publishTask: (t) => this.publishTask(t),
        takeMessages: () => this.takeMessages(`${this.id}:planner`),
        onUsage: () => this.publishUsageSoon(),
      });
      try {
        await this.planner.plan();
      } finally {
        await sandboxReady.catch(() => undefined);
      }
      await sandboxReady;
      await this.approvePlan();
      this.setState(this.e.gate.paused ? 'paused' : 'running');
      await this.schedule();
      await this.collectChanges();
    } catch (err) {
      const cancelled = this.e.signal.aborted;
      this.stop.abort();
      for (const t of store.listTasks(this.id)) {
        if (!FINISHED_TASK.includes(t.state)) {
          this.updateTask(t.id, { state: t.state === 'pending' || t.state === 'ready' ? 'skipped' : 'failed', endedAt: Date.now(), error: cancelled ? 'cancelled' : undefined });
        }
      }
      if (this.integrated) await this.collectChanges().catch(() => undefined);
      final = cancelled ? { state: 'cancelled', error: 'Cancelled by the user.' } : { state: 'failed', error: (err as Error).message };
    }
    // The outcome is announced once the changes are stored; removing the sandboxes (disk
    // work that can take a while) follows, and execute() resolves only after it.
    this.setState(final.state, final.error);
    await this.integrated?.dispose().catch(() => undefined);
    await this.sandbox?.dispose().catch(() => undefined);
    store.setMissionSandbox(this.id, null, null, null);
  }

  private setState(state: MissionState, error?: string): void {
    this.e.store.setMissionState(this.id, state, error);
    this.e.store.appendEvent({ missionId: this.id, agentId: null, taskId: null, kind: 'state', text: error ? `${state}: ${error}` : state });
    this.publishMission();
  }

  private usageTimer: NodeJS.Timeout | undefined;

  /** Announces new usage totals at most every USAGE_NOTIFY_MS (a summary costs queries). */
  private publishUsageSoon(): void {
    this.usageTimer ??= setTimeout(() => {
      this.usageTimer = undefined;
      this.publishMission();
    }, USAGE_NOTIFY_MS);
  }

  /** Announces the mission's summary (state, usage totals, pending changes). */
  private publishMission(): void {
    const m = this.e.store.getSummary(this.id);
    if (m) this.e.notifier.mission(m);
  }

  /**
   * Under a policy that requires it, the plan waits in the inbox for the user's approval.
   * A denial goes back to the planner with the reason (bounded), then the mission fails.
   * @throws Error when the user keeps rejecting the plan.
   */
  private async approvePlan(): Promise<void> {
    const policy = this.config.policy ?? DEFAULT_POLICY;
    if (verdict(policy, 'plan') === 'run') return;
    const max = this.config.maxPlanRetries ?? 2;
    for (let round = 0; ; round++) {
      this.setState('awaiting_plan_approval');
      const tasks = this.e.store.listTasks(this.id).filter((t) => t.state === 'pending');
      const plan = this.e.store.getMission(this.id)?.plan;
      const detail = [plan?.summary ?? '', ...tasks.map((t) => `${t.id} (${t.role}${t.dependsOn.length ? `, after ${t.dependsOn.join(', ')}` : ''}): ${t.title}`)].join('\n');
      const r = await this.e.inbox.ask(
        { missionId: this.id, taskId: null, agentId: `${this.id}:planner`, kind: 'approval', subject: 'plan', title: `The plan for "${this.e.params.goal.slice(0, 80)}" needs your approval`, detail },
        this.stop.signal,
        { approved: false, reason: 'The mission was cancelled.' },
      );
      if (this.stop.signal.aborted) throw new CancelledError();
      if (r.approved) return;
      if (round >= max) throw new Error(`the plan was rejected ${round + 1} times${r.reason ? `: ${r.reason}` : ''}`);
      await this.planner.fromUser(`I rejected the plan${r.reason ? `: ${r.reason}` : ''}. Make a new one.`);
    }
  }

  private takeMessages(agentId: string): string[] {
    const list = this.mailbox.get(agentId) ?? [];
    this.mailbox.delete(agentId);
    return list;
  }

  /**
   * A user message to an agent: queued for a running (or not yet started) agent's next
   * turn; reopens a finished task with the request; makes the planner replan.
   * @throws Error when the agent is unknown or the task cannot take messages now.
   */
  sendMessage(agentId: string, text: string): 'queued' | 'reopened' | 'replanning' {
    const store = this.e.store;
    const taskId = agentId === `${this.id}:planner` ? null : agentId.slice(this.id.length + 1);
    const task = taskId === null ? undefined : store.getTask(this.id, taskId);
    if (taskId !== null && (!agentId.startsWith(`${this.id}:`) || !task)) throw new Error(`no agent ${agentId} in mission ${this.id}`);
    const record = () => {
      const e = store.appendEvent({ missionId: this.id, agentId, taskId, kind: 'user_message', text });
      this.e.notifier.agentEvent(e, task?.role ?? 'planner');
    };
    if (!task) {
      record();
      const planning = store.getMission(this.id)?.state === 'planning';
      if (planning) {
        this.mailbox.set(agentId, [...(this.mailbox.get(agentId) ?? []), text]);
        return 'queued';
      }
      const work = this.planner.fromUser(text).catch((err: Error) => {
        store.appendEvent({ missionId: this.id, agentId, taskId: null, kind: 'error', text: `replanning for the user failed: ${err.message}` });
      });
      this.sideWork.add(work);
      void work.finally(() => this.sideWork.delete(work));
      return 'replanning';
    }
    if (task.state === 'done' && task.kind === 'work') {
      if (!this.scheduling) throw new Error(`the mission is no longer running, so ${task.id} cannot be reopened`);
      record();
      this.userRequests.set(task.id, text);
      this.updateTask(task.id, { state: 'pending' });
      return 'reopened';
    }
    if (['failed', 'skipped'].includes(task.state)) throw new Error(`task ${task.id} is ${task.state}; it cannot take messages`);
    record();
    this.mailbox.set(agentId, [...(this.mailbox.get(agentId) ?? []), text]);
    return 'queued';
  }

  /** Pauses one worker at its next turn boundary. */
  pauseTask(taskId: string): boolean {
    const gate = this.taskGate(taskId);
    const changed = gate.pause();
    if (changed) this.announce(taskId, 'paused by the user');
    return changed;
  }

  resumeTask(taskId: string): boolean {
    const changed = this.taskGate(taskId).resume();
    if (changed) this.announce(taskId, 'resumed by the user');
    return changed;
  }

  /** Cancels one worker (its task is skipped, and so are tasks that depend on it). */
  cancelTask(taskId: string): boolean {
    const task = this.e.store.getTask(this.id, taskId);
    if (!task || FINISHED_TASK.includes(task.state)) return false;
    this.taskStopper(taskId).abort();
    if (task.state === 'pending' || task.state === 'ready') this.updateTask(taskId, { state: 'skipped', error: 'cancelled by the user', endedAt: Date.now() });
    this.taskGate(taskId).resume();
    return true;
  }

  /** Stores and streams an info event in a task's transcript. */
  private announce(taskId: string, text: string): void {
    const task = this.e.store.getTask(this.id, taskId);
    const e = this.e.store.appendEvent({ missionId: this.id, agentId: `${this.id}:${taskId}`, taskId, kind: 'info', text });
    this.e.notifier.agentEvent(e, task?.role ?? 'coder');
  }

  private taskGate(taskId: string): PauseGate {
    let g = this.taskGates.get(taskId);
    if (!g) this.taskGates.set(taskId, (g = new PauseGate()));
    return g;
  }

  private taskStopper(taskId: string): AbortController {
    let c = this.taskStops.get(taskId);
    if (!c) this.taskStops.set(taskId, (c = new AbortController()));
    return c;
  }

  /** Mission state after pause/resume (called by the engine). */
  markPaused(paused: boolean): void {
    const m = this.e.store.getMission(this.id);
    if (m && (m.state === 'running' || m.state === 'paused')) this.setState(paused ? 'paused' : 'running');
  }

  private publishTask(t: TaskInfo): void {
    this.e.notifier.task(t);
  }

  private updateTask(taskId: string, patch: Parameters<Store['updateTask']>[2]): void {
    this.e.store.updateTask(this.id, taskId, patch);
    const t = this.e.store.getTask(this.id, taskId);
    if (t) this.publishTask(t);
  }

  // ───────────── scheduling ─────────────

  private async schedule(): Promise<void> {
    this.scheduling = true;
    try {
      await this.scheduleLoop();
    } finally {
      this.scheduling = false;
    }
  }

  private async scheduleLoop(): Promise<void> {
    const max = Math.max(1, this.config.maxParallelWorkers ?? 3);
    const active = new Map<string, Promise<void>>();
    for (;;) {
      if (this.fatal) throw this.fatal;
      if (this.stop.signal.aborted) throw new CancelledError();
      const tasks = this.e.store.listTasks(this.id);
      // A conflict resolution that failed left the markers for the user: its dependents go on.
      const done = new Set(tasks.filter((t) => t.state === 'done' || (t.kind === 'resolve_conflict' && t.state === 'failed')).map((t) => t.id));
      const ready = tasks.filter((t) => t.state === 'pending' && !active.has(t.id) && t.dependsOn.every((d) => done.has(d)));
      for (const t of ready.slice(0, Math.max(0, max - active.size))) {
        this.updateTask(t.id, { state: 'ready' });
        active.set(
          t.id,
          this.runTask(t).finally(() => active.delete(t.id)),
        );
      }
      // A task whose dependency was cancelled (or failed, with nothing replanned) cannot run.
      if (this.sideWork.size === 0) {
        const dead = new Set(tasks.filter((t) => t.state === 'skipped' || (t.state === 'failed' && t.kind !== 'resolve_conflict')).map((t) => t.id));
        for (const t of tasks) {
          const blocker = t.state === 'pending' && !active.has(t.id) ? t.dependsOn.find((d) => dead.has(d)) : undefined;
          if (blocker) this.updateTask(t.id, { state: 'skipped', error: `${blocker}, which it depends on, did not finish`, endedAt: Date.now() });
        }
      }
      if (active.size === 0 && this.sideWork.size > 0) {
        await Promise.race(this.sideWork);
        continue;
      }
      if (active.size === 0) {
        const open = this.e.store.listTasks(this.id).filter((t) => !FINISHED_TASK.includes(t.state));
        if (open.length === 0) return;
        throw new Error(`tasks ${open.map((t) => t.id).join(', ')} cannot start: a task they depend on did not finish`);
      }
      await Promise.race([...active.values(), ...this.sideWork]);
    }
  }

  private setWorkers(delta: number): void {
    this.workers += delta;
    this.e.onWorkers(this.workers);
  }

  /** Runs one task to done (or to a replan); never rejects. */
  private async runTask(task: TaskInfo): Promise<void> {
    let worktree: TaskWorktree | undefined;
    const signal = this.stop.signal;
    const taskSignal = this.taskStopper(task.id).signal;
    this.setWorkers(+1);
    try {
      const startRef = this.startRefs.get(task.id);
      const dir = path.join(this.e.dataDir, 'sandboxes', `${this.id}.tasks`, `${task.id}-${task.attempts + 1}`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      worktree = await this.integrated!.taskWorktree(dir, startRef);
      const outcome = await this.runWorker(task, worktree);
      if (outcome.kind === 'changes_requested') {
        this.sendBack(task, outcome.taskId, outcome.findings);
        return;
      }
      if (outcome.kind !== 'finished') throw new TaskFailed(`task ${task.id} ended without finish_task`);
      await this.integrate(task, worktree, outcome.report);
    } catch (err) {
      if (signal.aborted) return;
      if (taskSignal.aborted) {
        this.updateTask(task.id, { state: 'skipped', error: 'cancelled by the user', endedAt: Date.now() });
        this.taskStops.delete(task.id);
        return;
      }
      if (err instanceof CancelledError) return;
      const message = (err as Error).message;
      if (task.kind === 'resolve_conflict') {
        await this.leaveConflictToUser(task, message).catch((e: Error) => {
          this.fatal ??= e;
          this.stop.abort();
        });
        return;
      }
      this.updateTask(task.id, { state: 'failed', error: message, endedAt: Date.now() });
      this.e.store.appendEvent({ missionId: this.id, agentId: `${this.id}:${task.id}`, taskId: task.id, kind: 'error', text: `task ${task.id} failed: ${message}` });
      try {
        await this.planner.replan(this.e.store.getTask(this.id, task.id)!, message);
      } catch (replanError) {
        if (!signal.aborted) {
          this.fatal ??= new Error(`task ${task.id} (${task.title}) failed: ${message}; ${(replanError as Error).message}`);
          this.stop.abort();
        }
      }
    } finally {
      this.setWorkers(-1);
      await worktree?.dispose().catch(() => undefined);
    }
  }

  /** Runs (or resumes) the task's agent in its worktree. */
  private async runWorker(task: TaskInfo, worktree: TaskWorktree): Promise<AgentOutcome> {
    const store = this.e.store;
    const roleDef = loadRole(task.role);
    const agentId = `${this.id}:${task.id}`;
    const model = this.planner.modelFor(task.role);
    const existing = store.listAgents(this.id).some((a) => a.id === agentId);
    if (!existing) store.createAgent({ id: agentId, missionId: this.id, taskId: task.id, role: task.role, provider: this.config.provider, model });
    const attempt = Math.max(1, task.attempts + (existing ? 1 : 0));
    this.updateTask(task.id, { state: 'running', agentId, attempts: attempt, startedAt: task.startedAt ?? Date.now() });
    const signal = AbortSignal.any([this.stop.signal, this.taskStopper(task.id).signal]);
    const ctx = makeToolContext({ ...this.e, taskId: task.id, agentId, root: worktree.root, config: this.config, signal, writeSet: task.writeSet });
    const max = Math.max(1, this.config.maxTaskAttempts ?? 3);
    let current = attempt;
    let opening: string;
    if (!existing) opening = workerOpening(this.e.params.goal, task, store.listTasks(this.id), await this.reviewDiff(task));
    else if (this.findings.has(task.id)) {
      opening = `The reviewer sent this task back (attempt ${attempt} of ${max}). Findings:\n${this.findings.get(task.id)!.map((f) => `- ${f}`).join('\n')}\n\nYour sandbox is fresh and holds the integrated state, including your earlier changes. Revise the work, then call finish_task again.`;
      this.findings.delete(task.id);
    } else if (this.userRequests.has(task.id)) {
      opening = `The user reopened this task (attempt ${attempt} of ${max}) and asks: ${this.userRequests.get(task.id)}\n\nYour sandbox is fresh and holds the integrated state, including your earlier changes. Do what the user asks, then call finish_task again.`;
      this.userRequests.delete(task.id);
    } else if (this.rereview.delete(task.id)) {
      opening = `The work was revised. Review it again.\n\n${await this.reviewDiff(task)}`;
    } else opening = `Continue the task (attempt ${attempt} of ${max}) in a fresh sandbox holding the integrated state.`;
    return runAgent({
      store,
      notifier: this.e.notifier,
      missionId: this.id,
      agentId,
      taskId: task.id,
      role: task.role,
      agentKey: task.id,
      provider: this.e.provider,
      providerName: this.config.provider,
      model,
      system: roleDef.prompt,
      history: existing ? store.listMessages(agentId) : [],
      messages: [{ role: 'user', content: opening }],
      tools: toolsFor(roleDef.tools),
      ctx,
      maxTurns: this.config.maxTurnsPerAgent ?? 40,
      beforeTurn: async () => {
        await this.e.gate.wait(signal);
        await this.taskGate(task.id).wait(signal);
      },
      takeMessages: () => this.takeMessages(agentId),
      onUsage: () => this.publishUsageSoon(),
      onWaiting: (kind) => this.updateTask(task.id, { state: kind === 'input' ? 'awaiting_input' : kind === 'approval' ? 'awaiting_approval' : 'running' }),
      onFinish: async () => {
        const checks = task.kind === 'resolve_conflict' ? [] : task.checks;
        const evidence = await runChecks(checks, ctx, current);
        if (task.kind === 'resolve_conflict') evidence.push(...this.markerEvidence(task, worktree.root, current));
        for (const ev of evidence) store.addEvidence(this.id, task.id, ev);
        const failed = evidence.filter((ev) => !ev.passed);
        if (this.stop.signal.aborted) throw new CancelledError();
        if (failed.length === 0) {
          this.publishTask(store.getTask(this.id, task.id)!);
          return null;
        }
        if (current >= max) {
          throw new TaskFailed(`its checks failed on all ${max} attempts (last: ${failed.map((f) => `\`${f.command}\` exit ${f.exitCode ?? 'none'}`).join(', ')})`);
        }
        current++;
        this.updateTask(task.id, { attempts: current });
        return failedChecksMessage(failed, current - 1, max);
      },
    });
  }

  /** Evidence for a conflict resolution: no conflict markers left in the conflicted files. */
  private markerEvidence(task: TaskInfo, root: string, attempt: number) {
    const left = task.writeSet.filter((p) => {
      const file = path.join(root, ...p.split('/'));
      return fs.existsSync(file) && /^(<{7}|={7}|>{7})( |$)/m.test(fs.readFileSync(file, 'utf8'));
    });
    return [
      {
        attempt,
        command: `no conflict markers in ${task.writeSet.join(', ')}`,
        exitCode: left.length ? 1 : 0,
        durationMs: 0,
        outputTail: left.length ? `conflict markers remain in ${left.join(', ')}` : 'no markers left',
        passed: left.length === 0,
        ts: Date.now(),
      },
    ];
  }

  /** For reviewer tasks: the integrated diff against the base (capped); '' for others. */
  private async reviewDiff(task: TaskInfo): Promise<string> {
    if (task.role !== 'reviewer') return '';
    const changes = await this.integrated!.changes();
    return reviewDiffMessage(changes.map((c) => unifiedDiff(c)).join(''));
  }

  /** A reviewer sent `targetId` back: reopen it, and review it again afterwards. */
  private sendBack(reviewer: TaskInfo, targetId: string, findings: string[]): void {
    const target = this.e.store.getTask(this.id, targetId);
    const max = Math.max(1, this.config.maxTaskAttempts ?? 3);
    if (!target || !reviewer.dependsOn.includes(targetId) || target.state !== 'done' || target.attempts >= max) {
      const why = !target || !reviewer.dependsOn.includes(targetId) ? `${targetId} is not a task this review depends on` : `${targetId} has used its ${max} attempts`;
      this.updateTask(reviewer.id, {
        state: 'done',
        endedAt: Date.now(),
        report: { summary: `Review found problems (${why}, so they are left open).`, filesChanged: [], commands: [], openQuestions: findings },
      });
      return;
    }
    this.findings.set(targetId, findings);
    this.rereview.add(reviewer.id);
    this.e.store.appendEvent({ missionId: this.id, agentId: `${this.id}:${reviewer.id}`, taskId: reviewer.id, kind: 'info', text: `sent ${targetId} back: ${findings.join('; ')}` });
    this.updateTask(targetId, { state: 'pending' });
    this.updateTask(reviewer.id, { state: 'pending' });
  }

  // ───────────── integration ─────────────

  /** Commits the task's work and merges it into the integrated state (one merge at a time). */
  private async integrate(task: TaskInfo, worktree: TaskWorktree, report: TaskReport): Promise<void> {
    const commit = await worktree.commit(`${task.id}: ${task.title}`);
    if (this.stop.signal.aborted) throw new CancelledError();
    const result = await this.integrated!.merge(commit, `integrate ${task.id}`, { ours: 'integrated', theirs: `task ${task.id}` });
    if (!result.clean) {
      const resolver = conflictTask(task, result.conflicts, this.e.store.listTasks(this.id));
      this.startRefs.set(resolver.id, result.ref);
      this.e.store.insertTasks(this.id, [resolver], { kind: 'resolve_conflict' });
      for (const t of this.e.store.listTasks(this.id)) {
        if (t.dependsOn.includes(task.id) && t.id !== resolver.id) {
          this.e.store.addDependency(this.id, t.id, { dependsOn: resolver.id, reason: `${task.id}'s merge conflict must be resolved first` });
        }
      }
      this.e.store.appendEvent({ missionId: this.id, agentId: null, taskId: task.id, kind: 'info', text: `merge conflict in ${result.conflicts.map((c) => c.path).join(', ')}: ${resolver.id} resolves it` });
      this.publishTask(this.e.store.getTask(this.id, resolver.id)!);
    }
    this.updateTask(task.id, { state: 'done', report, endedAt: Date.now() });
  }

  /**
   * A conflict the resolver could not settle goes to the user: the merged text with both
   * sides between conflict markers is integrated, so nothing is lost, and the review shows it.
   */
  private async leaveConflictToUser(task: TaskInfo, message: string): Promise<void> {
    const conflictRef = this.startRefs.get(task.id);
    if (!conflictRef) throw new Error(`no conflict state recorded for ${task.id}`);
    await this.integrated!.merge(conflictRef, `leave conflict of ${task.id} to the user`, { ours: 'integrated', theirs: `conflict of ${task.id}` }, true);
    const files = task.writeSet.join(', ');
    this.updateTask(task.id, { state: 'failed', endedAt: Date.now(), error: `${message}. The conflict is left for you: ${files} holds both sides between conflict markers.` });
    this.e.store.appendEvent({ missionId: this.id, agentId: null, taskId: task.id, kind: 'error', text: `conflict in ${files} left for the user to resolve in review` });
  }

  /** Stores the integrated state against the base as the mission's proposed changes. */
  private async collectChanges(): Promise<void> {
    if (!this.integrated) return;
    const changes = (await this.integrated.changes()).filter((c) => !c.binary);
    this.e.store.replaceChanges(this.id, changes.map((c) => ({ ...c, ...countLines(c) })));
    this.e.notifier.changes(this.id, this.e.store.listChanges(this.id));
  }
}
