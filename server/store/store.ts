/**
 * Typed access to the Taskforce tables (see migrations.ts). Every write goes through here,
 * so every state transition is in the database the moment it happens.
 */
import type {
  AddedDependency,
  AgentInfo,
  Evidence,
  HunkState,
  AgentRole,
  ChangeDetail,
  ChangeInfo,
  ChangeKind,
  ChangeState,
  EventKind,
  MissionConfig,
  MissionEvent,
  MissionState,
  MissionSummary,
  Plan,
  PlanTask,
  ProviderName,
  TaskInfo,
  TaskKind,
  TaskReport,
  TaskState,
  UsageTotals,
} from '../../protocol/protocol';
import type { ChatMessage } from '../providers/types';
import { Db, type Row } from './db';
import { hunksOf } from '../changes/changes';

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: unknown): number => Number(v ?? 0);
const optNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** The policy fields of a stored mission config. */
function policyOf(configJson: string): Pick<MissionSummary, 'policy' | 'autoApply'> {
  const c = JSON.parse(configJson) as MissionConfig;
  const policy = c.policy ?? 'supervised';
  return { policy, autoApply: policy === 'autonomous' && c.autoApply === true };
}

/** A mission row with the fields the engine needs beyond MissionSummary. */
export interface MissionRecord extends MissionSummary {
  config: MissionConfig;
  plan: Plan | null;
  sandboxPath: string | null;
}

/** New event fields; seq and ts are assigned by the store. */
export type NewEvent = Omit<MissionEvent, 'seq' | 'ts'> & { ts?: number };

/** A change to store: per-file base and proposal. */
export interface NewChange {
  path: string;
  kind: ChangeKind;
  baseContent: string | null;
  proposedContent: string | null;
  added: number;
  removed: number;
}

/** Repository over the Taskforce database. */
export class Store {
  constructor(readonly db: Db) {}

  // ── missions ──

  /** Inserts a new mission in state `draft`. */
  createMission(m: { id: string; goal: string; workspaceRoot: string; config: MissionConfig; replaying: boolean }): void {
    const now = Date.now();
    this.db.run(
      `INSERT INTO missions (id, goal, state, workspace_root, provider, replaying, config_json, created_at, updated_at)
       VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?)`,
      [m.id, m.goal, m.workspaceRoot, m.config.provider, m.replaying ? 1 : 0, JSON.stringify(m.config), now, now],
    );
  }

  /** Moves a mission to `state`, recording `error` when given. */
  setMissionState(id: string, state: MissionState, error?: string): void {
    this.db.run(`UPDATE missions SET state = ?, error = COALESCE(?, error), updated_at = ? WHERE id = ?`, [
      state,
      error ?? null,
      Date.now(),
      id,
    ]);
  }

  setMissionPlan(id: string, plan: Plan): void {
    this.db.run(`UPDATE missions SET plan_json = ?, updated_at = ? WHERE id = ?`, [JSON.stringify(plan), Date.now(), id]);
  }

  setMissionSandbox(id: string, sandboxPath: string | null, kind: string | null, baseRef: string | null): void {
    this.db.run(`UPDATE missions SET sandbox_path = ?, sandbox_kind = ?, base_ref = ?, updated_at = ? WHERE id = ?`, [
      sandboxPath,
      kind,
      baseRef,
      Date.now(),
      id,
    ]);
  }

  /** Missions, newest first. */
  listMissions(): MissionSummary[] {
    return this.db.all(`SELECT * FROM missions ORDER BY created_at DESC, rowid DESC`).map((r) => this.toSummary(r));
  }

  /** One mission's summary, or undefined. */
  getSummary(id: string): MissionSummary | undefined {
    const r = this.db.get(`SELECT * FROM missions WHERE id = ?`, [id]);
    return r ? this.toSummary(r) : undefined;
  }

  /** A mission with its config and plan, or undefined. */
  getMission(id: string): MissionRecord | undefined {
    const r = this.db.get(`SELECT * FROM missions WHERE id = ?`, [id]);
    if (!r) return undefined;
    return {
      ...this.toSummary(r),
      config: JSON.parse(str(r.config_json)) as MissionConfig,
      plan: r.plan_json ? (JSON.parse(str(r.plan_json)) as Plan) : null,
      sandboxPath: optStr(r.sandbox_path) ?? null,
    };
  }

  /** Missions in any of `states`. */
  missionsInState(states: MissionState[]): MissionSummary[] {
    const marks = states.map(() => '?').join(',');
    return this.db.all(`SELECT * FROM missions WHERE state IN (${marks})`, states).map((r) => this.toSummary(r));
  }

  private toSummary(r: Row): MissionSummary {
    const id = str(r.id);
    return {
      id,
      goal: str(r.goal),
      state: str(r.state) as MissionState,
      workspaceRoot: str(r.workspace_root),
      provider: str(r.provider) as ProviderName,
      replaying: num(r.replaying) === 1,
      createdAt: num(r.created_at),
      updatedAt: num(r.updated_at),
      error: optStr(r.error),
      usage: this.usageTotals(`mission_id = ?`, [id]),
      pendingChanges: num(this.db.get(`SELECT COUNT(*) AS n FROM changes WHERE mission_id = ? AND state = 'pending'`, [id])?.n),
      ...policyOf(str(r.config_json)),
    };
  }

  // ── tasks ──

  /**
   * Inserts tasks (state `pending`) after the mission's existing ones, with their
   * dependencies. `added` holds dependencies the engine added, per task id (they are
   * also written as ordinary dependencies).
   */
  insertTasks(missionId: string, tasks: PlanTask[], opts: { kind?: TaskKind; added?: Map<string, AddedDependency[]> } = {}): void {
    const start = num(this.db.get(`SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM tasks WHERE mission_id = ?`, [missionId])?.n);
    this.db.transaction(() => {
      tasks.forEach((t, i) => {
        const added = opts.added?.get(t.id) ?? [];
        this.db.run(
          `INSERT INTO tasks (mission_id, id, seq, title, role, kind, instructions, acceptance_json, write_set_json, checks_json, added_deps_json, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
          [
            missionId,
            t.id,
            start + i,
            t.title,
            t.role,
            opts.kind ?? 'work',
            t.instructions,
            JSON.stringify(t.acceptance),
            JSON.stringify(t.writeSet ?? []),
            JSON.stringify(t.checks ?? []),
            JSON.stringify(added),
          ],
        );
      });
      for (const t of tasks) {
        const deps = new Set([...t.dependsOn, ...(opts.added?.get(t.id) ?? []).map((a) => a.dependsOn)]);
        for (const d of deps) {
          this.db.run(`INSERT INTO task_deps (mission_id, task_id, depends_on) VALUES (?, ?, ?)`, [missionId, t.id, d]);
        }
      }
    });
  }

  /** Adds a dependency the engine decided on (e.g. on a conflict-resolution task). */
  addDependency(missionId: string, taskId: string, dep: AddedDependency): void {
    const row = this.db.get(`SELECT added_deps_json FROM tasks WHERE mission_id = ? AND id = ?`, [missionId, taskId]);
    if (!row) throw new Error(`no task ${taskId} in mission ${missionId}`);
    const added = JSON.parse(str(row.added_deps_json)) as AddedDependency[];
    this.db.transaction(() => {
      this.db.run(`UPDATE tasks SET added_deps_json = ? WHERE mission_id = ? AND id = ?`, [JSON.stringify([...added, dep]), missionId, taskId]);
      this.db.run(`INSERT OR IGNORE INTO task_deps (mission_id, task_id, depends_on) VALUES (?, ?, ?)`, [missionId, taskId, dep.dependsOn]);
    });
  }

  /** Records one check run of a task. */
  addEvidence(missionId: string, taskId: string, e: Evidence): void {
    this.db.run(
      `INSERT INTO evidence (mission_id, task_id, attempt, command, exit_code, duration_ms, output_tail, passed, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [missionId, taskId, e.attempt, e.command, e.exitCode, e.durationMs, e.outputTail, e.passed ? 1 : 0, e.ts],
    );
  }

  setIntegratedRef(missionId: string, ref: string | null): void {
    this.db.run(`UPDATE missions SET integrated_ref = ?, updated_at = ? WHERE id = ?`, [ref, Date.now(), missionId]);
  }

  /** Updates a task's state and the fields given. */
  updateTask(
    missionId: string,
    taskId: string,
    patch: { state?: TaskState; agentId?: string; attempts?: number; report?: TaskReport; error?: string; startedAt?: number; endedAt?: number },
  ): void {
    const sets: string[] = [];
    const vals: (string | number | null)[] = [];
    const put = (col: string, v: string | number | null) => {
      sets.push(`${col} = ?`);
      vals.push(v);
    };
    if (patch.state) put('state', patch.state);
    if (patch.agentId) put('agent_id', patch.agentId);
    if (patch.attempts !== undefined) put('attempts', patch.attempts);
    if (patch.report) put('report_json', JSON.stringify(patch.report));
    if (patch.error !== undefined) put('error', patch.error);
    if (patch.startedAt !== undefined) put('started_at', patch.startedAt);
    if (patch.endedAt !== undefined) put('ended_at', patch.endedAt);
    if (sets.length === 0) return;
    this.db.run(`UPDATE tasks SET ${sets.join(', ')} WHERE mission_id = ? AND id = ?`, [...vals, missionId, taskId]);
  }

  /** The mission's tasks in plan order. */
  listTasks(missionId: string): TaskInfo[] {
    const deps = new Map<string, string[]>();
    for (const d of this.db.all(`SELECT task_id, depends_on FROM task_deps WHERE mission_id = ?`, [missionId])) {
      const list = deps.get(str(d.task_id)) ?? [];
      list.push(str(d.depends_on));
      deps.set(str(d.task_id), list);
    }
    const evidence = new Map<string, Evidence[]>();
    for (const e of this.db.all(`SELECT * FROM evidence WHERE mission_id = ? ORDER BY id`, [missionId])) {
      const list = evidence.get(str(e.task_id)) ?? [];
      list.push({
        attempt: num(e.attempt),
        command: str(e.command),
        exitCode: e.exit_code === null ? null : num(e.exit_code),
        durationMs: num(e.duration_ms),
        outputTail: str(e.output_tail),
        passed: num(e.passed) === 1,
        ts: num(e.ts),
      });
      evidence.set(str(e.task_id), list);
    }
    return this.db.all(`SELECT * FROM tasks WHERE mission_id = ? ORDER BY seq`, [missionId]).map((r) => ({
      missionId,
      id: str(r.id),
      title: str(r.title),
      role: str(r.role) as TaskInfo['role'],
      kind: str(r.kind) as TaskKind,
      instructions: str(r.instructions),
      acceptance: JSON.parse(str(r.acceptance_json)) as string[],
      dependsOn: deps.get(str(r.id)) ?? [],
      addedDependsOn: JSON.parse(str(r.added_deps_json)) as AddedDependency[],
      writeSet: JSON.parse(str(r.write_set_json)) as string[],
      checks: JSON.parse(str(r.checks_json)) as string[],
      evidence: evidence.get(str(r.id)) ?? [],
      state: str(r.state) as TaskState,
      agentId: optStr(r.agent_id),
      attempts: num(r.attempts),
      report: r.report_json ? (JSON.parse(str(r.report_json)) as TaskReport) : undefined,
      error: optStr(r.error),
      startedAt: optNum(r.started_at),
      endedAt: optNum(r.ended_at),
    }));
  }

  getTask(missionId: string, taskId: string): TaskInfo | undefined {
    return this.listTasks(missionId).find((t) => t.id === taskId);
  }

  // ── agents, messages, usage ──

  createAgent(a: { id: string; missionId: string; taskId: string | null; role: AgentRole; provider: ProviderName; model: string }): void {
    this.db.run(`INSERT INTO agents (id, mission_id, task_id, role, provider, model, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      a.id,
      a.missionId,
      a.taskId,
      a.role,
      a.provider,
      a.model,
      Date.now(),
    ]);
  }

  listAgents(missionId: string): AgentInfo[] {
    return this.db.all(`SELECT * FROM agents WHERE mission_id = ? ORDER BY created_at, rowid`, [missionId]).map((r) => ({
      id: str(r.id),
      missionId,
      taskId: optStr(r.task_id) ?? null,
      role: str(r.role) as AgentRole,
      provider: str(r.provider) as ProviderName,
      model: str(r.model),
      usage: this.usageTotals(`agent_id = ?`, [str(r.id)]),
    }));
  }

  /** Appends one conversation message of an agent. */
  appendMessage(agentId: string, message: ChatMessage): void {
    this.db.run(`INSERT INTO messages (agent_id, role, content_json, created_at) VALUES (?, ?, ?, ?)`, [
      agentId,
      message.role,
      JSON.stringify(message),
      Date.now(),
    ]);
  }

  /** An agent's conversation, oldest first. */
  listMessages(agentId: string): ChatMessage[] {
    return this.db.all(`SELECT content_json FROM messages WHERE agent_id = ? ORDER BY id`, [agentId]).map(
      (r) => JSON.parse(str(r.content_json)) as ChatMessage,
    );
  }

  /** Records one model call's usage. Cost in USD. */
  recordUsage(u: {
    missionId: string;
    agentId: string;
    taskId: string | null;
    provider: ProviderName;
    model: string;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    modelMs: number;
  }): void {
    this.db.run(
      `INSERT INTO usage (mission_id, agent_id, task_id, provider, model, input_tokens, output_tokens, cost_usd, model_ms, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [u.missionId, u.agentId, u.taskId, u.provider, u.model, u.inputTokens, u.outputTokens, u.costUsd, u.modelMs, Date.now()],
    );
  }

  private usageTotals(where: string, params: string[]): UsageTotals {
    const r = this.db.get(
      `SELECT COALESCE(SUM(input_tokens),0) AS i, COALESCE(SUM(output_tokens),0) AS o, COALESCE(SUM(cost_usd),0) AS c, COUNT(*) AS n
       FROM usage WHERE ${where}`,
      params,
    );
    return { inputTokens: num(r?.i), outputTokens: num(r?.o), costUsd: num(r?.c), calls: num(r?.n) };
  }

  // ── events ──

  /** Appends an event and returns it with its seq and timestamp. */
  appendEvent(e: NewEvent): MissionEvent {
    const ts = e.ts ?? Date.now();
    const seq = this.db.run(
      `INSERT INTO events (mission_id, agent_id, task_id, kind, ts, text, tool, tool_call_id, args, ok, turn_ms, model_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        e.missionId,
        e.agentId,
        e.taskId,
        e.kind,
        ts,
        e.text,
        e.tool ?? null,
        e.toolCallId ?? null,
        e.args ?? null,
        e.ok === undefined ? null : e.ok ? 1 : 0,
        e.turnMs ?? null,
        e.modelMs ?? null,
      ],
    );
    return { ...e, seq, ts };
  }

  /** Events of a mission in order, optionally after a seq and for one agent. */
  listEvents(missionId: string, opts: { afterSeq?: number; agentId?: string; limit?: number } = {}): MissionEvent[] {
    const params: (string | number)[] = [missionId, opts.afterSeq ?? 0];
    let sql = `SELECT * FROM events WHERE mission_id = ? AND seq > ?`;
    if (opts.agentId) {
      sql += ` AND agent_id = ?`;
      params.push(opts.agentId);
    }
    sql += ` ORDER BY seq LIMIT ?`;
    params.push(opts.limit ?? 2000);
    return this.db.all(sql, params).map((r) => ({
      seq: num(r.seq),
      missionId,
      agentId: optStr(r.agent_id) ?? null,
      taskId: optStr(r.task_id) ?? null,
      kind: str(r.kind) as EventKind,
      ts: num(r.ts),
      text: str(r.text),
      tool: optStr(r.tool),
      toolCallId: optStr(r.tool_call_id),
      args: optStr(r.args),
      ok: r.ok === null || r.ok === undefined ? undefined : num(r.ok) === 1,
      turnMs: optNum(r.turn_ms),
      modelMs: optNum(r.model_ms),
    }));
  }

  // ── changes ──

  /** Replaces the mission's pending changes with `changes`. */
  replaceChanges(missionId: string, changes: NewChange[]): void {
    this.db.transaction(() => {
      this.db.run(`DELETE FROM changes WHERE mission_id = ? AND state = 'pending'`, [missionId]);
      for (const c of changes) {
        this.db.run(
          `INSERT INTO changes (mission_id, path, kind, state, base_content, proposed_content, added, removed)
           VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)`,
          [missionId, c.path, c.kind, c.baseContent, c.proposedContent, c.added, c.removed],
        );
      }
    });
  }

  listChanges(missionId: string): ChangeInfo[] {
    return this.db
      .all(`SELECT id, mission_id, path, kind, state, added, removed FROM changes WHERE mission_id = ? ORDER BY path`, [missionId])
      .map((r) => this.toChangeInfo(r));
  }

  getChange(id: number): ChangeDetail | undefined {
    const r = this.db.get(`SELECT * FROM changes WHERE id = ?`, [id]);
    if (!r) return undefined;
    const baseContent = r.base_content === null ? null : str(r.base_content);
    const proposedContent = r.proposed_content === null ? null : str(r.proposed_content);
    const states = new Map(
      this.db.all(`SELECT hunk_index, state FROM hunk_decisions WHERE change_id = ?`, [id]).map((d) => [num(d.hunk_index), str(d.state) as HunkState]),
    );
    const hunks = hunksOf(baseContent ?? '', proposedContent ?? '').map((h) => ({ ...h, state: states.get(h.index) ?? h.state }));
    return { ...this.toChangeInfo(r), baseContent, proposedContent, hunks };
  }

  /**
   * Records decisions on hunks of a pending change, by the user. When no hunk is left
   * pending, the change itself is decided: accepted if any hunk was accepted, else rejected.
   * @throws Error when the change is unknown, already decided, or an index is out of range.
   */
  decideHunks(changeId: number, decisions: { index: number; state: Exclude<HunkState, 'pending'> }[]): ChangeDetail {
    const change = this.getChange(changeId);
    if (!change) throw new Error(`no change with id ${changeId}`);
    if (change.state !== 'pending') throw new Error(`change ${changeId} (${change.path}) is already ${change.state}`);
    for (const d of decisions) {
      if (!change.hunks.some((h) => h.index === d.index)) throw new Error(`change ${changeId} has no hunk ${d.index} (it has ${change.hunks.length})`);
    }
    const now = Date.now();
    this.db.transaction(() => {
      for (const d of decisions) {
        this.db.run(
          `INSERT INTO hunk_decisions (change_id, hunk_index, state, decided_by, decided_at) VALUES (?, ?, ?, 'user', ?)
           ON CONFLICT (change_id, hunk_index) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
          [changeId, d.index, d.state, now],
        );
      }
    });
    const after = this.getChange(changeId)!;
    if (after.hunks.every((h) => h.state === 'accepted' || h.state === 'rejected')) {
      const state = after.hunks.some((h) => h.state === 'accepted') ? 'accepted' : 'rejected';
      this.db.run(`UPDATE changes SET state = ?, decided_at = ? WHERE id = ?`, [state, now, changeId]);
    }
    return this.getChange(changeId)!;
  }

  /**
   * Records a decision for the mission's pending changes (all, or `ids`).
   * Returns the changes whose state changed.
   */
  decideChanges(missionId: string, state: Exclude<ChangeState, 'pending'>, ids?: number[]): ChangeInfo[] {
    const pending = this.listChanges(missionId).filter((c) => c.state === 'pending' && (!ids || ids.includes(c.id)));
    const now = Date.now();
    this.db.transaction(() => {
      for (const c of pending) this.db.run(`UPDATE changes SET state = ?, decided_at = ? WHERE id = ?`, [state, now, c.id]);
    });
    return pending.map((c) => ({ ...c, state }));
  }

  private toChangeInfo(r: Row): ChangeInfo {
    return {
      id: num(r.id),
      missionId: str(r.mission_id),
      path: str(r.path),
      kind: str(r.kind) as ChangeKind,
      state: str(r.state) as ChangeState,
      added: num(r.added),
      removed: num(r.removed),
    };
  }
}
