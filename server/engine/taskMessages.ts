/**
 * The words the engine sends agents: a worker's opening message (task, criteria, checks,
 * the typed reports of the tasks it depends on), a reviewer's diff, and the resolve-
 * conflict task made from a failed merge.
 */
import type { PlanTask, TaskInfo } from '../../protocol/protocol';
import type { ConflictInfo } from '../sandbox/integration';

/** Max characters of diff a reviewer gets inline. */
export const REVIEW_DIFF_CAP = 20_000;
/** Max characters of each side of a conflict shown to the resolver. */
const SIDE_CAP = 6_000;

const cap = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}\n[… truncated: ${text.length - n} more characters]` : text);

/** The first message of a task's worker. */
export function workerOpening(goal: string, task: TaskInfo, all: readonly TaskInfo[], reviewDiff: string): string {
  const deps = all.filter((t) => task.dependsOn.includes(t.id) && t.report);
  return [
    `Mission: ${goal}`,
    `Your task (${task.id}, role ${task.role}): ${task.title}`,
    `Instructions:\n${task.instructions}`,
    task.acceptance.length ? `Acceptance criteria:\n${task.acceptance.map((a) => `- ${a}`).join('\n')}` : '',
    task.writeSet.length ? `Files you are expected to change (write-set): ${task.writeSet.join(', ')}` : '',
    task.checks.length
      ? `When you call finish_task, these checks run in your sandbox and must exit 0, or the task goes back to you with their output:\n${task.checks.map((c) => `- ${c}`).join('\n')}`
      : '',
    deps.length ? `Reports of the tasks this one depends on:\n${JSON.stringify(deps.map((d) => ({ task: d.id, title: d.title, report: d.report })), null, 2)}` : '',
    reviewDiff,
    'Paths are relative to the workspace root. Other workers may be changing other files at the same time in their own sandboxes; your changes are merged afterwards and reviewed by the user before they reach their files.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The diff a reviewer reads, capped. */
export function reviewDiffMessage(diff: string): string {
  if (!diff.trim()) return 'The integrated changes so far are empty.';
  return `The integrated changes so far (unified diff against the user's files):\n\n${cap(diff, REVIEW_DIFF_CAP)}\n\nTo send a task back, call request_changes; otherwise call finish_task with your findings as openQuestions.`;
}

/** A fresh task id based on `base` that no task of `all` uses. */
function freshId(base: string, all: readonly { id: string }[]): string {
  const taken = new Set(all.map((t) => t.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/**
 * The resolve-conflict task for a merge of `task` that conflicted: a coder gets the base,
 * both versions and the merged text with conflict markers, and must keep both sides'
 * intent. Its write-set is the conflicted paths; done means no markers remain.
 */
export function conflictTask(task: TaskInfo, conflicts: readonly ConflictInfo[], all: readonly TaskInfo[]): PlanTask {
  const show = (label: string, text: string | null) => `${label}:\n${text === null ? '(file absent)' : '```\n' + cap(text, SIDE_CAP) + '\n```'}`;
  const details = conflicts
    .map((c) =>
      [
        `### ${c.path}`,
        show('Base (before both changes)', c.base),
        show('Integrated version (ours: work already merged)', c.ours),
        show(`Version from ${task.id} (theirs)`, c.theirs),
        show('Merged text with conflict markers (this is what your sandbox holds)', c.merged),
      ].join('\n\n'),
    )
    .join('\n\n');
  return {
    id: freshId(`${task.id}-merge`, all),
    title: `Resolve merge conflict of ${task.id} in ${conflicts.map((c) => c.path).join(', ')}`,
    role: 'coder',
    instructions:
      `Merging task ${task.id} ("${task.title}") into the work already integrated conflicted. ` +
      `Edit each conflicted file in your sandbox so that it keeps what both sides meant — never drop either side's change — ` +
      `and remove every conflict marker (<<<<<<<, =======, >>>>>>>). Then call finish_task.\n\n${details}`,
    acceptance: ['Both sides of every conflict are kept', 'No conflict markers remain'],
    dependsOn: [],
    writeSet: conflicts.map((c) => c.path),
  };
}
