/**
 * The task level of the "Agent Changes" tree (mission → task → file) and the state badges
 * of changed files, without `vscode`. The server records changes per mission, not per
 * task, so a file's task is derived from `mission/get`'s tasks: the finished task whose
 * report lists the file (`report.filesChanged`; the latest such task wins), else the
 * first task whose write-set matches it (picomatch globs, `dir/` meaning everything
 * under it, as the engine reads write-sets), else the mission itself.
 */
import picomatch from 'picomatch';
import type { ChangeInfo, ChangeState, HunkState, MissionSummary, TaskInfo } from '../../protocol/protocol';

/** A task of a mission in the tree, with the changed files attributed to it. */
export interface TaskNode {
  kind: 'task';
  mission: MissionSummary;
  /** Null for the "Mission" group: files no task claims. */
  taskId: string | null;
  /** e.g. `t2 · Add the padding option`, or `Mission`. */
  label: string;
  /** The task's changes, sorted by path. */
  changes: ChangeInfo[];
}

/** The fields of TaskInfo the grouping reads. */
export type TaskForGrouping = Pick<TaskInfo, 'id' | 'title' | 'state' | 'writeSet' | 'report' | 'endedAt'>;

/** Label of the group of files no task claims. */
export const MISSION_GROUP_LABEL = 'Mission';

function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** Whether a workspace-relative path is in a write-set (picomatch globs; `dir/` means all under it). */
export function matchesWriteSet(path: string, writeSet: readonly string[]): boolean {
  return writeSet.some((g) => {
    const glob = normalizePath(g).replace(/\/$/, '/**');
    return glob !== '' && picomatch(glob, { dot: true })(path);
  });
}

/** The task that changed `path` (see the module comment), or undefined for the mission group. */
export function taskForPath<T extends TaskForGrouping>(tasks: readonly T[], path: string): T | undefined {
  let reported: T | undefined;
  for (const task of tasks) {
    if (task.state !== 'done' || !task.report) continue;
    if (!task.report.filesChanged.some((f) => normalizePath(f) === path)) continue;
    if (!reported || (task.endedAt ?? 0) >= (reported.endedAt ?? 0)) reported = task;
  }
  return reported ?? tasks.find((t) => matchesWriteSet(path, t.writeSet));
}

/** Tree label of a task group. */
export function taskLabel(task: Pick<TaskInfo, 'id' | 'title'>): string {
  return `${task.id} · ${task.title}`;
}

/**
 * Groups a mission's changes by task, in plan order, with the mission group last. Tasks
 * without changes are left out. `changes` keep their order within a group.
 */
export function groupByTask(
  mission: MissionSummary,
  changes: readonly ChangeInfo[],
  tasks: readonly TaskForGrouping[],
): TaskNode[] {
  const groups = new Map<string | null, ChangeInfo[]>();
  for (const change of changes) {
    const key = taskForPath(tasks, change.path)?.id ?? null;
    const list = groups.get(key);
    if (list) list.push(change);
    else groups.set(key, [change]);
  }
  const nodes: TaskNode[] = [];
  for (const task of tasks) {
    const list = groups.get(task.id);
    if (list) nodes.push({ kind: 'task', mission, taskId: task.id, label: taskLabel(task), changes: list });
  }
  const rest = groups.get(null);
  if (rest) nodes.push({ kind: 'task', mission, taskId: null, label: MISSION_GROUP_LABEL, changes: rest });
  return nodes;
}

/** The state badge of a changed file. */
export type ChangeBadge = 'pending' | 'accepted' | 'rejected' | 'partially accepted' | 'conflicting';

/**
 * A file's badge from its change state and (when known) its hunks' states: `conflicting`
 * while a pending change has a conflicting hunk; `partially accepted` when some hunks
 * were accepted and others are still open or were rejected; otherwise the change state.
 */
export function changeBadge(state: ChangeState, hunks?: readonly { state: HunkState }[]): ChangeBadge {
  if (!hunks || hunks.length === 0) return state;
  const accepted = hunks.filter((h) => h.state === 'accepted').length;
  if (state === 'pending') {
    if (hunks.some((h) => h.state === 'conflicting')) return 'conflicting';
    return accepted > 0 ? 'partially accepted' : 'pending';
  }
  if (state === 'accepted' && accepted > 0 && accepted < hunks.length) return 'partially accepted';
  return state;
}

/** Counts of a task group's files, e.g. `2 pending · +12 −3`. */
export function taskDescription(node: Pick<TaskNode, 'changes'>): string {
  const pending = node.changes.filter((c) => c.state === 'pending').length;
  let added = 0;
  let removed = 0;
  for (const c of node.changes) {
    added += c.added;
    removed += c.removed;
  }
  const counts = `+${added} −${removed}`;
  return pending > 0 ? `${pending} pending · ${counts}` : counts;
}
