/**
 * State of the Missions panel, kept apart from the DOM so it can be unit-tested under
 * Node: the mission list, the open mission (plan, tasks, changes, agents) and each
 * agent's transcript (stored events plus live streamed text not yet stored).
 *
 * The functions here mutate the state they are given and report what changed, so the
 * views can update only the affected DOM.
 */
import type {
  AgentDidStreamParams,
  AgentInfo,
  AgentRole,
  ChangeInfo,
  MissionDetail,
  MissionEvent,
  MissionSummary,
  Plan,
  TaskInfo,
} from '../protocol/protocol';
import { isTaskActive } from './graph';

// ───────────────────────────── mission list ─────────────────────────────

/** Missions known to the panel, by id. */
export interface MissionListState {
  missions: Map<string, MissionSummary>;
}

/** An empty mission list. */
export function createMissionList(): MissionListState {
  return { missions: new Map() };
}

/**
 * Inserts or updates a mission summary. A summary older than the one held
 * (smaller `updatedAt`) is ignored. Returns whether anything changed.
 */
export function upsertMission(list: MissionListState, m: MissionSummary): boolean {
  const old = list.missions.get(m.id);
  if (old && old.updatedAt > m.updatedAt) return false;
  list.missions.set(m.id, m);
  return true;
}

/** Replaces the whole list (after `mission/list`). */
export function replaceMissions(list: MissionListState, missions: MissionSummary[]): void {
  list.missions.clear();
  for (const m of missions) list.missions.set(m.id, m);
}

/** Missions newest first (by creation time, then id for a stable order). */
export function sortedMissions(list: MissionListState): MissionSummary[] {
  return [...list.missions.values()].sort(
    (a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
}

// ───────────────────────────── transcripts ─────────────────────────────

/** One agent's transcript. */
export interface TranscriptState {
  agentId: string;
  role: AgentRole;
  taskId: string | null;
  /** Null until the agent's info is known (from `mission/get`). */
  model: string | null;
  /** Stored events in `seq` order. */
  events: MissionEvent[];
  /** Seqs held in `events`, for de-duplication. */
  seen: Set<number>;
  /** Streamed text not yet stored as a 'text' event. */
  live: string;
}

/** What applying one stream notification or stored event did to a transcript. */
export interface TranscriptEffect {
  agentId: string;
  /** The transcript did not exist before. */
  created: boolean;
  /** The stored event was new and was inserted. */
  inserted: MissionEvent | null;
  /** The live (streamed) text changed. */
  liveChanged: boolean;
}

// ───────────────────────────── open mission ─────────────────────────────

/** Everything the mission view shows. */
export interface MissionViewState {
  missionId: string;
  mission: MissionSummary | null;
  plan: Plan | null;
  /** Tasks by id; `taskOrder` holds the plan order. */
  tasks: Map<string, TaskInfo>;
  taskOrder: string[];
  agents: Map<string, AgentInfo>;
  changes: Map<number, ChangeInfo>;
  transcripts: Map<string, TranscriptState>;
  /**
   * Tasks the user paused from the panel (the protocol has no paused task state);
   * a task leaves the set when resumed or when its worker stops.
   */
  pausedTasks: Set<string>;
}

/** An empty view of a mission, before `mission/get` answers. */
export function createMissionView(missionId: string, summary?: MissionSummary): MissionViewState {
  return {
    missionId,
    mission: summary ?? null,
    plan: null,
    tasks: new Map(),
    taskOrder: [],
    agents: new Map(),
    changes: new Map(),
    transcripts: new Map(),
    pausedTasks: new Set(),
  };
}

/**
 * Applies a `mission/get` snapshot. Idempotent, and keeps transcripts: it can be
 * applied again later to learn about new agents.
 */
export function applyDetail(s: MissionViewState, d: MissionDetail): void {
  applyMissionSummary(s, d.mission);
  s.plan = d.plan;
  for (const t of d.tasks) applyTask(s, t);
  if (d.plan) {
    const planIds = d.plan.tasks.map((t) => t.id);
    const rest = s.taskOrder.filter((id) => !planIds.includes(id));
    s.taskOrder = [...planIds.filter((id) => s.tasks.has(id)), ...rest];
  }
  for (const a of d.agents) {
    s.agents.set(a.id, a);
    const tr = ensureTranscript(s, a.id, a.role, a.taskId).transcript;
    tr.model = a.model;
  }
  applyChanges(s, d.changes);
}

/** Applies a mission summary if it is not older than the one held. Returns whether it applied. */
export function applyMissionSummary(s: MissionViewState, m: MissionSummary): boolean {
  if (m.id !== s.missionId) return false;
  if (s.mission && s.mission.updatedAt > m.updatedAt) return false;
  s.mission = m;
  return true;
}

/** Inserts or updates a task. */
export function applyTask(s: MissionViewState, t: TaskInfo): void {
  if (t.missionId !== s.missionId) return;
  if (!s.tasks.has(t.id)) s.taskOrder.push(t.id);
  s.tasks.set(t.id, t);
  if (!isTaskActive(t.state)) s.pausedTasks.delete(t.id);
}

/** Inserts or updates changes (a `change/didChange` carries only the changed ones). */
export function applyChanges(s: MissionViewState, changes: ChangeInfo[]): void {
  for (const c of changes) {
    if (c.missionId === s.missionId) s.changes.set(c.id, c);
  }
}

/** Changes in a stable order: by path, then id. */
export function sortedChanges(s: MissionViewState): ChangeInfo[] {
  return [...s.changes.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id - b.id));
}

/** Tasks in plan order. */
export function orderedTasks(s: MissionViewState): TaskInfo[] {
  return s.taskOrder.map((id) => s.tasks.get(id)).filter((t): t is TaskInfo => t !== undefined);
}

/** Returns the transcript of an agent, creating it when missing. */
export function ensureTranscript(
  s: MissionViewState,
  agentId: string,
  role: AgentRole,
  taskId: string | null,
): { transcript: TranscriptState; created: boolean } {
  const existing = s.transcripts.get(agentId);
  if (existing) return { transcript: existing, created: false };
  const transcript: TranscriptState = {
    agentId,
    role,
    taskId,
    model: s.agents.get(agentId)?.model ?? null,
    events: [],
    seen: new Set(),
    live: '',
  };
  s.transcripts.set(agentId, transcript);
  return { transcript, created: true };
}

/** Inserts an event into a transcript in seq order; false when it was already there. */
function insertEvent(tr: TranscriptState, ev: MissionEvent): boolean {
  if (tr.seen.has(ev.seq)) return false;
  tr.seen.add(ev.seq);
  const last = tr.events[tr.events.length - 1];
  if (!last || last.seq < ev.seq) {
    tr.events.push(ev);
  } else {
    const at = tr.events.findIndex((e) => e.seq > ev.seq);
    tr.events.splice(at < 0 ? tr.events.length : at, 0, ev);
  }
  return true;
}

/** Guesses the role of an agent from its task (for events of agents not yet known). */
function roleOf(s: MissionViewState, agentId: string, taskId: string | null): AgentRole {
  const known = s.agents.get(agentId);
  if (known) return known.role;
  if (taskId === null) return 'planner';
  return s.tasks.get(taskId)?.role ?? 'coder';
}

/**
 * Applies a stored event (from `mission/events` or a stream notification). Events of
 * no agent (mission-level) are not part of a transcript and give null. A 'text' event
 * replaces the live text streamed for it, even when it is a duplicate.
 */
export function applyStoredEvent(
  s: MissionViewState,
  ev: MissionEvent,
  role?: AgentRole,
): TranscriptEffect | null {
  if (ev.agentId === null || ev.missionId !== s.missionId) return null;
  const { transcript, created } = ensureTranscript(
    s,
    ev.agentId,
    role ?? roleOf(s, ev.agentId, ev.taskId),
    ev.taskId,
  );
  const inserted = insertEvent(transcript, ev) ? ev : null;
  let liveChanged = false;
  if (ev.kind === 'text' && transcript.live !== '') {
    transcript.live = '';
    liveChanged = true;
  }
  return { agentId: ev.agentId, created, inserted, liveChanged };
}

/** Applies an `agent/didStream` notification. */
export function applyStream(s: MissionViewState, p: AgentDidStreamParams): TranscriptEffect | null {
  if (p.missionId !== s.missionId) return null;
  if (p.kind === 'event') {
    return p.event ? applyStoredEvent(s, { ...p.event, agentId: p.event.agentId ?? p.agentId }, p.role) : null;
  }
  const { transcript, created } = ensureTranscript(s, p.agentId, p.role, p.taskId);
  const delta = p.delta ?? '';
  if (delta !== '') transcript.live += delta;
  return { agentId: p.agentId, created, inserted: null, liveChanged: delta !== '' };
}

/** Transcripts in display order: the planner first, then task agents in plan order, then the rest. */
export function orderedTranscripts(s: MissionViewState): TranscriptState[] {
  const all = [...s.transcripts.values()];
  const rank = (t: TranscriptState): number => {
    if (t.role === 'planner') return -1;
    const i = t.taskId === null ? -1 : s.taskOrder.indexOf(t.taskId);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  // Array.prototype.sort is stable, so agents of the same task keep their creation order.
  return all.sort((a, b) => rank(a) - rank(b));
}

// ───────────────────────────── loading ─────────────────────────────

/** Fetches one page of events after `afterSeq` (undefined: from the start). */
export type EventPageFetcher = (afterSeq: number | undefined, limit: number) => Promise<MissionEvent[]>;

/**
 * Fetches every stored event of a mission, page by page, until a page holds fewer
 * than `limit` events. Stops early if the server does not advance (defensive).
 * `onPage` sees each page as it arrives (to show events before the last page).
 */
export async function fetchAllEvents(
  fetchPage: EventPageFetcher,
  limit = 1000,
  onPage?: (page: MissionEvent[]) => void,
): Promise<MissionEvent[]> {
  const all: MissionEvent[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await fetchPage(after, limit);
    all.push(...page);
    onPage?.(page);
    if (page.length < limit) break;
    const last = page[page.length - 1].seq;
    if (after !== undefined && last <= after) break;
    after = last;
  }
  return all;
}

/**
 * Where loading an opened mission stands, which decides what to do with live
 * notifications for it:
 *  - `snapshot`: `mission/get` is in flight; notifications are already in the snapshot
 *    it will return (server notifications and responses share one ordered channel), so
 *    they are dropped.
 *  - `events`: paging `mission/events`; stream notifications are held and replayed
 *    after the pages, so events stay in order and deltas meet their 'text' event.
 *  - `live`: everything applies at once.
 */
export type LoadPhase = 'snapshot' | 'events' | 'live';

/** Holds stream notifications while events are paged in. */
export class StreamGate {
  private phase: LoadPhase = 'snapshot';
  private held: AgentDidStreamParams[] = [];

  /** The current phase. */
  get current(): LoadPhase {
    return this.phase;
  }

  /** Moves to a phase. Moving to `live` returns the held notifications, in arrival order. */
  set(phase: LoadPhase): AgentDidStreamParams[] {
    this.phase = phase;
    if (phase === 'snapshot') this.held = [];
    if (phase !== 'live') return [];
    const out = this.held;
    this.held = [];
    return out;
  }

  /**
   * Offers a stream notification: 'apply' it now, or it was 'held' or 'dropped'.
   */
  offer(p: AgentDidStreamParams): 'apply' | 'held' | 'dropped' {
    if (this.phase === 'live') return 'apply';
    if (this.phase === 'snapshot') return 'dropped';
    this.held.push(p);
    return 'held';
  }
}
