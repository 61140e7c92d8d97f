/**
 * The editor-free logic of diff review: grouping changes for the "Agent Changes" tree,
 * labels, URIs of the read-only content documents, parsing command arguments, and
 * deciding which changes an accept may apply. Nothing here imports `vscode`, so it is
 * unit-tested directly (test/unit/review-model.test.ts).
 */
import type { ChangeDetail, ChangeInfo, ChangeState, MissionSummary } from '../../protocol/protocol';
import type { ChangeBadge, TaskNode } from './taskGroups';

/** URI scheme of the read-only documents that show a change's proposed (or base) content. */
export const PROPOSED_SCHEME = 'taskforce-proposed';

/** Which content a `taskforce-proposed` document shows. `empty` stands in for a missing file. */
export type ContentSide = 'proposed' | 'base' | 'empty';

/** A mission of the tree with the changes listed under it. */
export interface MissionNode {
  kind: 'mission';
  mission: MissionSummary;
  /** All changes of the mission (pending first come by path; decided ones stay visible). */
  changes: ChangeInfo[];
}

/** A changed file of the tree. */
export interface ChangeNode {
  kind: 'change';
  mission: MissionSummary;
  change: ChangeInfo;
  /** The task group it is listed under (null: the mission group); unset outside the tree. */
  taskId?: string | null;
}

/** An element of the "Agent Changes" tree (mission → task → file); command handlers receive these as arguments. */
export type ReviewNode = MissionNode | TaskNode | ChangeNode;

// ───────────────────────────── content URIs ─────────────────────────────

/** The query part of a `taskforce-proposed` URI, e.g. `change=12` or `change=12&side=base`. */
export function changeQuery(changeId: number, side: ContentSide = 'proposed'): string {
  return side === 'proposed' ? `change=${changeId}` : `change=${changeId}&side=${side}`;
}

/** Parses the query of a `taskforce-proposed` URI; undefined when it names no valid change. */
export function parseChangeQuery(query: string): { changeId: number; side: ContentSide } | undefined {
  const params = new URLSearchParams(query);
  const raw = params.get('change');
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const side = params.get('side') ?? 'proposed';
  if (side !== 'proposed' && side !== 'base' && side !== 'empty') return undefined;
  return { changeId: Number(raw), side };
}

/** The text a content document shows for one side of a change (a missing file shows as empty). */
export function contentForSide(
  detail: Pick<ChangeDetail, 'baseContent' | 'proposedContent'>,
  side: ContentSide,
): string {
  if (side === 'empty') return '';
  return (side === 'base' ? detail.baseContent : detail.proposedContent) ?? '';
}

// ───────────────────────────── tree ─────────────────────────────

/** How many missions whose changes are all decided the tree keeps showing. */
export const DECIDED_MISSIONS_SHOWN = 5;

/**
 * Groups changes under their missions for the tree, newest first: every mission with a
 * pending change, plus the DECIDED_MISSIONS_SHOWN newest missions whose changes are all
 * decided (so a review's outcome stays visible, across reloads too); each mission's
 * changes sorted by path.
 */
export function groupChanges(missions: readonly MissionSummary[], changes: readonly ChangeInfo[]): MissionNode[] {
  const byMission = new Map<string, ChangeInfo[]>();
  for (const change of changes) {
    const list = byMission.get(change.missionId);
    if (list) list.push(change);
    else byMission.set(change.missionId, [change]);
  }
  const candidates: MissionNode[] = [];
  for (const mission of missions) {
    const list = byMission.get(mission.id);
    if (!list || list.length === 0) continue;
    list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id - b.id));
    candidates.push({ kind: 'mission', mission, changes: list });
  }
  candidates.sort((a, b) => b.mission.createdAt - a.mission.createdAt || (a.mission.id < b.mission.id ? -1 : 1));
  let decidedShown = 0;
  return candidates.filter((g) => g.changes.some((c) => c.state === 'pending') || decidedShown++ < DECIDED_MISSIONS_SHOWN);
}

/** The change nodes under a mission node. */
export function changeNodes(group: MissionNode): ChangeNode[] {
  return group.changes.map((change) => ({ kind: 'change', mission: group.mission, change }));
}

/** Number of pending changes across the groups (the view's badge). */
export function countPending(groups: readonly MissionNode[]): number {
  let count = 0;
  for (const group of groups) for (const change of group.changes) if (change.state === 'pending') count++;
  return count;
}

/** The first pending change of the tree, in display order. */
export function firstPending(groups: readonly MissionNode[]): ChangeNode | undefined {
  for (const group of groups) {
    const change = group.changes.find((c) => c.state === 'pending');
    if (change) return { kind: 'change', mission: group.mission, change };
  }
  return undefined;
}

/**
 * Whether a `mission/didChange` notification affects the tree: a new pending count, or
 * a new state or goal of a mission the tree shows.
 */
export function missionChangeAffectsTree(
  previous: MissionSummary | undefined,
  next: MissionSummary,
  shown: boolean,
): boolean {
  if (!previous) return next.pendingChanges > 0 || shown;
  if (previous.pendingChanges !== next.pendingChanges) return true;
  return shown && (previous.state !== next.state || previous.goal !== next.goal);
}

/** Splits a workspace-relative path into its file name and its directory ('' at the root). */
export function splitPath(path: string): { name: string; dir: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { name: path, dir: '' } : { name: path.slice(slash + 1), dir: path.slice(0, slash) };
}

/**
 * Tree description of a changed file: directory, `+N −M` and its badge (the change state
 * unless given), e.g. `src/lib +3 −1 partially accepted`.
 */
export function changeDescription(change: ChangeInfo, badge: ChangeBadge = change.state): string {
  const { dir } = splitPath(change.path);
  const parts = [dir, `+${change.added} −${change.removed}`, badge];
  return parts.filter((p) => p !== '').join(' ');
}

/** Tree label of a mission: the first line of its goal, shortened to `max` characters. */
export function missionLabel(goal: string, max = 80): string {
  const line = goal.trim().split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/**
 * The tree item's contextValue: `change` for a pending change (the package.json inline
 * Accept/Reject menus match it exactly), `change.accepted` / `change.rejected` otherwise.
 */
export function changeContextValue(state: ChangeState): string {
  return state === 'pending' ? 'change' : `change.${state}`;
}

/** Title of the diff editor, e.g. `index.js (Yours ↔ Taskforce)`. */
export function diffTitle(change: Pick<ChangeInfo, 'path'>): string {
  return `${splitPath(change.path).name} (Yours ↔ Taskforce)`;
}

// ───────────────────────────── command arguments ─────────────────────────────

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function changeIdOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : undefined;
  if (!isRecord(value)) return undefined;
  if (value.kind === 'change' && isRecord(value.change)) return changeIdOf(value.change.id);
  if (value.kind === 'mission' || value.kind === 'task') return undefined;
  if ('changeId' in value) return changeIdOf(value.changeId);
  if (typeof value.id === 'number') return changeIdOf(value.id);
  return undefined;
}

/** The pending change ids of a task node of the tree, else undefined. */
function taskChangeIds(value: unknown): number[] | undefined {
  if (!isRecord(value) || value.kind !== 'task' || !Array.isArray(value.changes)) return undefined;
  const ids: number[] = [];
  for (const c of value.changes as unknown[]) {
    if (isRecord(c) && c.state === 'pending') {
      const id = changeIdOf(c.id);
      if (id !== undefined) ids.push(id);
    }
  }
  return ids;
}

/**
 * The change ids a command was invoked with: a tree node (a task node stands for its
 * pending changes), a change id (number or numeric string), `{ changeId }` or a
 * ChangeInfo. When VS Code passes the tree selection as the second argument and it holds
 * the clicked item, every selected change counts.
 */
export function changeIdsFromArgs(arg: unknown, selection?: unknown): number[] {
  const ids: number[] = [];
  const fromTask = taskChangeIds(arg);
  if (fromTask) {
    const all = Array.isArray(selection) && selection.includes(arg) ? selection.flatMap((s) => taskChangeIds(s) ?? [changeIdOf(s)]) : fromTask;
    for (const id of all) if (id !== undefined && !ids.includes(id)) ids.push(id);
    return ids;
  }
  const first = changeIdOf(arg);
  const selected = Array.isArray(selection) ? selection.map(changeIdOf) : [];
  if (first !== undefined && selected.includes(first)) {
    for (const id of selected) if (id !== undefined && !ids.includes(id)) ids.push(id);
  } else if (first !== undefined) {
    ids.push(first);
  }
  return ids;
}

/** The mission id a command was invoked with: a tree node, a mission id or a MissionSummary. */
export function missionIdFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg === '' ? undefined : arg;
  if (!isRecord(arg)) return undefined;
  if ((arg.kind === 'mission' || arg.kind === 'task' || arg.kind === 'change') && isRecord(arg.mission)) {
    return typeof arg.mission.id === 'string' ? arg.mission.id : undefined;
  }
  if (typeof arg.missionId === 'string') return arg.missionId;
  if (typeof arg.id === 'string') return arg.id;
  return undefined;
}

// ───────────────────────────── deciding ─────────────────────────────

/**
 * True when a workspace-relative path stays inside the workspace: relative, forward
 * slashes, no `.`/`..`/empty segments. Changes with other paths are never applied.
 */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.includes('\\') || path.includes('\0')) return false;
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function normalize(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

/**
 * Whether two file contents are the same for review purposes (null = no file). A byte
 * order mark and CRLF versus LF line ends do not count as differences, since the editor
 * hides both.
 */
export function sameContent(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return a === b || normalize(a) === normalize(b);
}

/** Splits requested change ids by their state as listed for the mission. */
export function partitionByState(
  changes: readonly ChangeInfo[],
  requested?: readonly number[],
): { pending: number[]; decided: number[]; unknown: number[] } {
  const byId = new Map(changes.map((c) => [c.id, c]));
  const ids = requested ?? changes.map((c) => c.id);
  const out = { pending: [] as number[], decided: [] as number[], unknown: [] as number[] };
  for (const id of new Set(ids)) {
    const change = byId.get(id);
    if (!change) out.unknown.push(id);
    else if (change.state === 'pending') out.pending.push(id);
    else if (requested) out.decided.push(id);
  }
  return out;
}

/** `1 change` / `3 changes`. */
export function changesNoun(count: number): string {
  return `${count} ${count === 1 ? 'change' : 'changes'}`;
}

/** Counts reported after a decision. */
export interface DecisionCounts {
  /** Changes the decision applied to (fully or in part). */
  done: number;
  alreadyDecided?: number;
  /** Hunks flagged as conflicting (not applied), by file path. */
  conflicts?: ReadonlyMap<string, number>;
  /** Changes refused, by file path, with the reason. */
  refused?: ReadonlyMap<string, string>;
}

/**
 * The notification after a decision, e.g. `Accepted 3 changes. 1 was already decided.
 * 2 hunks in src/a.js conflict with your edits: flagged, not applied.`
 */
export function decisionSummary(verb: 'Accepted' | 'Rejected', counts: DecisionCounts): string {
  const parts = [`${verb} ${changesNoun(counts.done)}.`];
  const was = (n: number): string => (n === 1 ? '1 was' : `${n} were`);
  if (counts.alreadyDecided) parts.push(`${was(counts.alreadyDecided)} already decided.`);
  const conflicts = [...(counts.conflicts ?? [])];
  if (conflicts.length > 0) {
    const total = conflicts.reduce((n, [, c]) => n + c, 0);
    const where = conflicts.map(([path]) => path).join(', ');
    parts.push(`${total === 1 ? '1 hunk' : `${total} hunks`} in ${where} ${total === 1 ? 'conflicts' : 'conflict'} with your edits: flagged, not applied.`);
  }
  for (const [path, why] of counts.refused ?? []) parts.push(`Did not apply ${path}: ${why}.`);
  return parts.join(' ');
}
