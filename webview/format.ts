/**
 * Pure formatting helpers of the Missions panel: numbers, money, ages, state icons and
 * one-line summaries of tool events. No DOM, so unit tests run them under Node.
 */
import type { ChangeState, MissionEvent, MissionState, TaskState, UsageTotals } from '../protocol/protocol';

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Formats a token count with thousands separators: 12345 → "12,345". */
export function formatTokens(n: number): string {
  return intFormat.format(Number.isFinite(n) ? n : 0);
}

/**
 * Formats a USD amount: "$0.00" for zero, four decimals below one cent so small
 * model calls stay visible ("$0.0042"), two decimals otherwise ("$1.25").
 */
export function formatCost(usd: number): string {
  const v = Number.isFinite(usd) ? usd : 0;
  if (v === 0) return '$0.00';
  if (Math.abs(v) < 0.01) return `$${v.toFixed(4)}`;
  return `$${v.toFixed(2)}`;
}

/** "1,200 in · 340 out · $0.0123" */
export function formatUsage(u: UsageTotals): string {
  return `${formatTokens(u.inputTokens)} in · ${formatTokens(u.outputTokens)} out · ${formatCost(u.costUsd)}`;
}

/** Relative age of a timestamp: "just now", "5s ago", "3m ago", "2h ago", "4d ago". */
export function formatAge(ts: number, now: number): string {
  const s = Math.max(0, Math.floor((now - ts) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** Formats milliseconds as "850 ms" or "2.4 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Mission states in which the mission can still be cancelled. */
const ACTIVE_MISSION_STATES: ReadonlySet<MissionState> = new Set<MissionState>([
  'draft',
  'planning',
  'awaiting_plan_approval',
  'running',
  'paused',
]);

/** True while a mission is in progress (the panel offers Cancel). */
export function isMissionActive(state: MissionState): boolean {
  return ACTIVE_MISSION_STATES.has(state);
}

/** Codicon name (without the `codicon-` prefix) and whether it spins. */
export interface IconSpec {
  name: string;
  spin: boolean;
}

const MISSION_ICONS: Record<MissionState, IconSpec> = {
  draft: { name: 'edit', spin: false },
  planning: { name: 'loading', spin: true },
  awaiting_plan_approval: { name: 'question', spin: false },
  running: { name: 'sync', spin: true },
  paused: { name: 'debug-pause', spin: false },
  completed: { name: 'pass', spin: false },
  failed: { name: 'error', spin: false },
  cancelled: { name: 'circle-slash', spin: false },
  stopped_budget: { name: 'warning', spin: false },
  interrupted: { name: 'debug-disconnect', spin: false },
};

const TASK_ICONS: Record<TaskState, IconSpec> = {
  pending: { name: 'circle-large-outline', spin: false },
  ready: { name: 'circle-outline', spin: false },
  running: { name: 'sync', spin: true },
  awaiting_input: { name: 'comment', spin: false },
  awaiting_approval: { name: 'shield', spin: false },
  done: { name: 'pass', spin: false },
  failed: { name: 'error', spin: false },
  skipped: { name: 'debug-step-over', spin: false },
};

const CHANGE_ICONS: Record<ChangeState, IconSpec> = {
  pending: { name: 'diff-modified', spin: false },
  accepted: { name: 'check', spin: false },
  rejected: { name: 'discard', spin: false },
};

/** Icon of a mission state. */
export function missionStateIcon(state: MissionState): IconSpec {
  return MISSION_ICONS[state] ?? { name: 'circle-outline', spin: false };
}

/** Icon of a task state. */
export function taskStateIcon(state: TaskState): IconSpec {
  return TASK_ICONS[state] ?? { name: 'circle-outline', spin: false };
}

/** Icon of a change state. */
export function changeStateIcon(state: ChangeState): IconSpec {
  return CHANGE_ICONS[state] ?? { name: 'circle-outline', spin: false };
}

/** Human label of a state: "awaiting_plan_approval" → "awaiting plan approval". */
export function stateLabel(state: string): string {
  return state.replace(/_/g, ' ');
}

/** Shortens text to one line of at most `max` characters, with an ellipsis. */
export function oneLine(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Argument keys that best describe a tool call, most telling first. */
const TELLING_ARGS = ['path', 'command', 'pattern', 'query', 'question', 'summary', 'glob', 'dir'];

/**
 * A one-line summary of a tool call's arguments: the most telling argument
 * (path, command, pattern, …) when the JSON has one, else the compacted JSON.
 */
export function summarizeArgs(args: string | undefined): string {
  if (!args) return '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return oneLine(args, 60);
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const rec = parsed as Record<string, unknown>;
    for (const key of TELLING_ARGS) {
      const v = rec[key];
      if (typeof v === 'string' && v.trim() !== '') {
        const range =
          key === 'path' && typeof rec.startLine === 'number'
            ? `:${rec.startLine}${typeof rec.endLine === 'number' ? `-${rec.endLine}` : ''}`
            : '';
        return oneLine(v + range, 60);
      }
    }
    return oneLine(JSON.stringify(parsed), 60);
  }
  return oneLine(String(parsed), 60);
}

/** Pretty-prints a tool call's JSON arguments (returns the text unchanged if not JSON). */
export function prettyArgs(args: string | undefined): string {
  if (!args) return '';
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

/**
 * The `<summary>` line of a tool event: "read_file src/a.ts" for a call,
 * "read_file ok: first line of output" / "edit_file failed: …" for a result.
 */
export function toolEventSummary(ev: MissionEvent): string {
  const tool = ev.tool ?? 'tool';
  if (ev.kind === 'tool_call') {
    const s = summarizeArgs(ev.args);
    return s ? `${tool} ${s}` : tool;
  }
  const status = ev.ok === false ? 'failed' : 'ok';
  const first = oneLine(ev.text, 60);
  return first ? `${tool} ${status}: ${first}` : `${tool} ${status}`;
}
