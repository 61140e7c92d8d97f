/**
 * DOM-free model of the "Live" area: which workers run now, which slot of the grid
 * each takes (so cards do not shuffle and the area does not shrink while the mission
 * runs), a worker's latest tool call, and whether a scroll box sits at its bottom.
 */
import type { MissionEvent, MissionState, TaskInfo } from '../protocol/protocol';
import { isTaskActive } from './graph';
import { isMissionActive, toolEventSummary } from './format';

/** A worker on a task now. */
export interface LiveWorker {
  agentId: string;
  task: TaskInfo;
}

/** Workers on active tasks (with an agent), in the order of `tasks`, one per agent. */
export function liveWorkers(tasks: readonly TaskInfo[]): LiveWorker[] {
  const out: LiveWorker[] = [];
  const seen = new Set<string>();
  for (const t of tasks) {
    if (!t.agentId || !isTaskActive(t.state) || seen.has(t.agentId)) continue;
    seen.add(t.agentId);
    out.push({ agentId: t.agentId, task: t });
  }
  return out;
}

/**
 * True while the Live area is shown (and its height reserved): while the mission runs
 * or is paused, or has workers on tasks in another in-progress state. Once the mission
 * has ended, never (tasks left "running" by an ended mission do not keep it open).
 */
export function showsLiveArea(state: MissionState | undefined, workers: number): boolean {
  if (state === 'running' || state === 'paused') return true;
  if (state !== undefined && !isMissionActive(state)) return false;
  return workers > 0;
}

/**
 * Assigns running agents to grid slots. An agent keeps the slot it had; a slot whose
 * agent stopped becomes free (null) and the next new agent takes the first free slot;
 * the list never gets shorter, so the area keeps its height while the mission runs.
 */
export function assignSlots(prev: readonly (string | null)[], running: readonly string[]): (string | null)[] {
  const want = new Set(running);
  const slots = prev.map((id) => (id !== null && want.has(id) ? id : null));
  const placed = new Set(slots.filter((id): id is string => id !== null));
  for (const id of running) {
    if (placed.has(id)) continue;
    placed.add(id);
    const free = slots.indexOf(null);
    if (free >= 0) slots[free] = id;
    else slots.push(id);
  }
  return slots;
}

/** A worker's latest tool call and how it went. */
export interface LatestToolCall {
  /** "read_file src/a.ts" */
  summary: string;
  /** `running` until its result is stored. */
  status: 'running' | 'ok' | 'failed';
  seq: number;
}

/**
 * The latest tool call among a transcript's events (seq order), with the status of its
 * result: the tool_result with the same toolCallId, or without ids the next result.
 */
export function latestToolCall(events: readonly MissionEvent[]): LatestToolCall | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const call = events[i];
    if (call.kind !== 'tool_call') continue;
    let status: LatestToolCall['status'] = 'running';
    for (let j = i + 1; j < events.length; j++) {
      const r = events[j];
      if (r.kind !== 'tool_result') continue;
      if (call.toolCallId && r.toolCallId && r.toolCallId !== call.toolCallId) continue;
      status = r.ok === false ? 'failed' : 'ok';
      break;
    }
    return { summary: toolEventSummary(call), status, seq: call.seq };
  }
  return null;
}

/** Pixels from the bottom that still count as "at the bottom". */
const BOTTOM_SLACK = 8;

/** Whether a scroll box is scrolled to (nearly) its bottom. */
export function isAtBottom(scrollTop: number, scrollHeight: number, clientHeight: number): boolean {
  return scrollHeight - scrollTop - clientHeight <= BOTTOM_SLACK;
}
