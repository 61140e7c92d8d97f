/**
 * DOM-free state of the Inbox: the questions, approval requests and conflicts waiting
 * for the user across missions, and the decisions taken recently. Built from
 * `inbox/list {openOnly: true}` and kept current by `inbox/didChange` and by the answers
 * of `inbox/respond`. Unit-tested under Node.
 */
import type { DecisionActor, InboxItem, InboxResponse } from '../protocol/protocol';
import { formatAge, oneLine } from './format';

/** Decisions kept for "Recent decisions". */
export const MAX_RECENT = 20;

/** Inbox items known to the panel, by id. */
export interface InboxState {
  items: Map<number, InboxItem>;
}

/** What applying an item did. */
export type InboxEffect =
  /** A new open item. */
  | 'opened'
  /** An open item left the open list (answered or cancelled). */
  | 'closed'
  /** Something else about a known item changed. */
  | 'updated'
  /** Nothing (stale or unchanged). */
  | 'none';

/** An empty inbox. */
export function createInbox(): InboxState {
  return { items: new Map() };
}

/**
 * Applies one item (from `inbox/didChange` or `inbox/respond`). Items only go from
 * open to answered or cancelled, so an open copy of a closed item is stale and ignored.
 */
export function applyInboxItem(s: InboxState, item: InboxItem): InboxEffect {
  const old = s.items.get(item.id);
  if (old && old.state !== 'open' && item.state === 'open') return 'none';
  s.items.set(item.id, item);
  trimRecent(s);
  if (!old) return item.state === 'open' ? 'opened' : 'updated';
  if (old.state === 'open' && item.state !== 'open') return 'closed';
  return JSON.stringify(old) === JSON.stringify(item) ? 'none' : 'updated';
}

/**
 * Replaces the open items with a fresh `inbox/list {openOnly: true}` (after start or a
 * server restart). Items no longer listed are dropped; decided ones stay as history.
 */
export function replaceOpenItems(s: InboxState, open: readonly InboxItem[]): void {
  for (const [id, item] of s.items) {
    if (item.state === 'open') s.items.delete(id);
  }
  for (const item of open) {
    const old = s.items.get(item.id);
    if (old && old.state !== 'open') continue;
    s.items.set(item.id, item);
  }
}

/** Open items, oldest first (the longest-waiting worker first), then by id. */
export function openItems(s: InboxState): InboxItem[] {
  return [...s.items.values()]
    .filter((i) => i.state === 'open')
    .sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
}

/** How many items are open. */
export function openCount(s: InboxState): number {
  let n = 0;
  for (const i of s.items.values()) if (i.state === 'open') n++;
  return n;
}

/** Decided (answered or cancelled) items, newest decision first, at most `max`. */
export function recentDecisions(s: InboxState, max = MAX_RECENT): InboxItem[] {
  return [...s.items.values()]
    .filter((i) => i.state !== 'open')
    .sort((a, b) => (b.respondedAt ?? b.createdAt) - (a.respondedAt ?? a.createdAt) || b.id - a.id)
    .slice(0, max);
}

/** Drops the oldest decisions beyond MAX_RECENT. */
function trimRecent(s: InboxState): void {
  const decided = [...s.items.values()].filter((i) => i.state !== 'open');
  if (decided.length <= MAX_RECENT) return;
  const keep = new Set(recentDecisions(s).map((i) => i.id));
  for (const i of decided) if (!keep.has(i.id)) s.items.delete(i.id);
}

// ───────────────────────────── responses ─────────────────────────────

/** Trims an optional reason; empty becomes undefined. */
function reasonOf(reason: string | undefined): string | undefined {
  const r = reason?.trim() ?? '';
  return r === '' ? undefined : r;
}

/** The response to an approval or conflict: allow or deny, with an optional reason. */
export function approvalResponse(approved: boolean, reason?: string): InboxResponse {
  const r = reasonOf(reason);
  return r === undefined ? { approved } : { approved, reason: r };
}

/**
 * The response to a question: the answer text, or null to skip (decline). A blank
 * answer is not a response: returns null so the caller asks for text.
 */
export function answerResponse(answer: string | null): InboxResponse | null {
  if (answer === null) return { answer: null };
  const a = answer.trim();
  return a === '' ? null : { answer: a };
}

// ───────────────────────────── wording ─────────────────────────────

/** How the detail of an item reads: code (command, path, conflict, plan) or prose (a question). */
export function detailStyle(item: InboxItem): 'code' | 'prose' {
  return item.kind === 'question' ? 'prose' : 'code';
}

/** Codicon of an item. */
export function inboxIcon(item: InboxItem): string {
  if (item.kind === 'question') return 'comment-discussion';
  if (item.kind === 'conflict') return 'git-merge';
  switch (item.subject) {
    case 'command':
      return 'terminal';
    case 'delete':
      return 'trash';
    case 'write_outside_write_set':
      return 'file';
    case 'plan':
      return 'checklist';
    default:
      return 'shield';
  }
}

/** "Question", "Approval: command", "Conflict". */
export function kindLabel(item: InboxItem): string {
  if (item.kind === 'question') return 'Question';
  if (item.kind === 'conflict') return 'Conflict';
  const subjects: Record<string, string> = {
    command: 'run a command',
    delete: 'delete a file',
    write_outside_write_set: 'write outside its write-set',
    plan: 'plan',
  };
  return item.subject ? `Approval: ${subjects[item.subject] ?? item.subject}` : 'Approval';
}

/** Who decided, in words. */
function actorLabel(a: DecisionActor | undefined): string {
  if (a === 'policy') return 'by policy';
  if (a === 'system') return 'by Taskforce';
  return 'by you';
}

/**
 * One line of a decided item: "Allowed by you · 3m ago: reason",
 * "Answered by you · just now: “yes”", "Skipped by you", "Cancelled by Taskforce".
 */
export function decisionText(item: InboxItem, now: number): string {
  const when = item.respondedAt !== undefined ? ` · ${formatAge(item.respondedAt, now)}` : '';
  const who = actorLabel(item.respondedBy);
  if (item.state === 'cancelled') return `Cancelled ${who}${when}`;
  const r = item.response ?? {};
  const reason = r.reason ? `: ${oneLine(r.reason, 80)}` : '';
  if (item.kind === 'question') {
    if (r.answer === null || r.answer === undefined) return `Skipped ${who}${when}${reason}`;
    return `Answered ${who}${when}: “${oneLine(r.answer, 80)}”`;
  }
  return `${r.approved ? 'Allowed' : 'Denied'} ${who}${when}${reason}`;
}

/** Where an item comes from: "Mission: Add rate limiting · task t2 · Write the limiter". */
export function itemContext(item: InboxItem, missionGoal: string | null, taskTitle: string | null): string {
  const parts = [`Mission: ${missionGoal ? oneLine(missionGoal, 60) : item.missionId}`];
  if (item.taskId) parts.push(taskTitle ? `task ${item.taskId} · ${oneLine(taskTitle, 50)}` : `task ${item.taskId}`);
  else if (item.agentId) parts.push('planner');
  return parts.join(' · ');
}

/** What the live region says about an item that arrived or was decided. */
export function announcement(item: InboxItem, effect: InboxEffect, open: number): string | null {
  const left = `${open} open request${open === 1 ? '' : 's'}.`;
  if (effect === 'opened') return `New ${kindLabel(item).toLowerCase()}: ${oneLine(item.title, 100)}. ${left}`;
  if (effect === 'closed') return `${oneLine(item.title, 60)}: ${decisionText(item, item.respondedAt ?? Date.now())}. ${left}`;
  return null;
}
