/**
 * The mission engine: starts missions, and cancels, pauses and resumes them. Each mission
 * runs as a MissionRun (plan, parallel workers in task worktrees, three-way integration).
 * Agents never touch the user's files; the run ends with proposed changes.
 */
import * as crypto from 'node:crypto';
import type { MissionStartParams } from '../../protocol/protocol';
import { createProvider } from '../providers';
import type { Store } from '../store/store';
import type { Notifier } from './notifier';
import { MissionRun } from './missionRun';
import { PauseGate } from './pauseGate';
import type { Inbox } from './inbox';

/** Options of the engine. */
export interface EngineOptions {
  store: Store;
  notifier: Notifier;
  /** Folder for sandboxes: `<dataDir>/sandboxes/<missionId>` and `<missionId>.tasks/`. */
  dataDir: string;
  /** Environment holding provider keys (the server's own). */
  env: NodeJS.ProcessEnv;
  inbox: Inbox;
}

interface Running {
  abort: AbortController;
  gate: PauseGate;
  run: MissionRun;
  workers: number;
  done: Promise<void>;
}

/** Starts, runs, cancels, pauses and reports missions. */
export class MissionEngine {
  private readonly running = new Map<string, Running>();

  /** Called when the number of running missions or workers changes. */
  onRunningChanged?: () => void;

  constructor(private readonly o: EngineOptions) {
    // Missions that were running when a previous server died cannot continue in this
    // process: they are interrupted (resume comes with crash-safe state, issue 5).
    for (const m of o.store.missionsInState(['planning', 'running', 'paused', 'awaiting_plan_approval'])) {
      o.store.setMissionState(m.id, 'interrupted', 'The server stopped while this mission was running.');
    }
    o.inbox.cancelStale();
  }

  /** Number of missions running in this process. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Number of workers running across missions. */
  get runningWorkers(): number {
    let n = 0;
    for (const r of this.running.values()) n += r.workers;
    return n;
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
    const m = this.o.store.getSummary(id);
    if (m) this.o.notifier.mission(m);
    const abort = new AbortController();
    const gate = new PauseGate();
    const entry = { abort, gate, workers: 0 } as Running;
    entry.run = new MissionRun({
      ...this.o,
      missionId: id,
      params,
      provider: setup.provider,
      signal: abort.signal,
      gate,
      onWorkers: (n) => {
        entry.workers = n;
        this.onRunningChanged?.();
      },
    });
    entry.done = entry.run.execute().finally(async () => {
      await setup.close().catch(() => undefined);
      this.running.delete(id);
      this.o.store.db.flushNow();
      this.onRunningChanged?.();
    });
    this.running.set(id, entry);
    this.onRunningChanged?.();
    return id;
  }

  /** Cancels a running mission and waits until every worker stopped. False when not running. */
  async cancel(missionId: string): Promise<boolean> {
    const r = this.running.get(missionId);
    if (!r) return false;
    r.abort.abort();
    await r.done;
    return true;
  }

  /** Pauses a running mission: workers stop at their next turn boundary. */
  pause(missionId: string): boolean {
    const r = this.running.get(missionId);
    if (!r || !r.gate.pause()) return false;
    r.run.markPaused(true);
    return true;
  }

  /** Resumes a paused mission. */
  resume(missionId: string): boolean {
    const r = this.running.get(missionId);
    if (!r || !r.gate.resume()) return false;
    r.run.markPaused(false);
    return true;
  }

  /**
   * A user message to one of a running mission's agents (see MissionRun.sendMessage).
   * @throws Error when the mission is not running or the agent cannot take messages.
   */
  sendMessage(missionId: string, agentId: string, text: string): 'queued' | 'reopened' | 'replanning' {
    const r = this.running.get(missionId);
    if (!r) throw new Error(`mission ${missionId} is not running; messages reach agents of running missions`);
    return r.run.sendMessage(agentId, text);
  }

  /** Per-worker control; false when the mission is not running or nothing changed. */
  controlTask(missionId: string, taskId: string, action: 'pause' | 'resume' | 'cancel'): boolean {
    const r = this.running.get(missionId);
    if (!r) return false;
    if (action === 'pause') return r.run.pauseTask(taskId);
    if (action === 'resume') return r.run.resumeTask(taskId);
    return r.run.cancelTask(taskId);
  }

  /** Resolves when the mission is no longer running (for the CLI and tests). */
  async whenDone(missionId: string): Promise<void> {
    await this.running.get(missionId)?.done;
  }

  /** Cancels everything and waits (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.cancel(id)));
  }
}
