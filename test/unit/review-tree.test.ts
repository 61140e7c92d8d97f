import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeInfo, MissionSummary, TaskInfo } from '../../protocol/protocol';
import { changeIdsFromArgs, missionIdFromArg } from '../../extension/review/model';
import {
  MISSION_GROUP_LABEL,
  changeBadge,
  groupByTask,
  matchesWriteSet,
  taskDescription,
  taskForPath,
  type TaskForGrouping,
} from '../../extension/review/taskGroups';

const mission = { id: 'm1', goal: 'g', workspaceRoot: '/ws', createdAt: 1 } as MissionSummary;

function change(id: number, path: string, extra: Partial<ChangeInfo> = {}): ChangeInfo {
  return { id, missionId: 'm1', path, kind: 'modify', state: 'pending', added: 2, removed: 1, ...extra };
}

function task(id: string, extra: Partial<TaskForGrouping> = {}): TaskForGrouping {
  return { id, title: `task ${id}`, state: 'done', writeSet: [], ...extra };
}

function report(filesChanged: string[]): TaskInfo['report'] {
  return { summary: 's', filesChanged, commands: [], openQuestions: [] };
}

describe('task of a changed file', () => {
  it('prefers the latest finished task whose report lists the file', () => {
    const tasks = [
      task('t1', { report: report(['src/a.js']), endedAt: 10, writeSet: ['src/**'] }),
      task('t2', { report: report(['./src/a.js']), endedAt: 20 }),
      task('t3', { state: 'failed', report: report(['src/a.js']), endedAt: 30 }),
    ];
    assert.equal(taskForPath(tasks, 'src/a.js')?.id, 't2');
  });

  it('falls back to the first task whose write-set matches, then to none', () => {
    const tasks = [task('t1', { writeSet: ['docs/'] }), task('t2', { writeSet: ['src/**/*.js'] }), task('t3', { writeSet: ['src/'] })];
    assert.equal(taskForPath(tasks, 'src/lib/a.js')?.id, 't2');
    assert.equal(taskForPath(tasks, 'docs/readme.md')?.id, 't1');
    assert.equal(taskForPath(tasks, 'package.json'), undefined);
    assert.equal(matchesWriteSet('.github/x.yml', ['.github/']), true);
    assert.equal(matchesWriteSet('a.js', []), false);
  });

  it('groups a mission’s files by task in plan order, the mission group last', () => {
    const tasks = [task('t1', { report: report(['b.js']) }), task('t2', { writeSet: ['a.js'] }), task('t3')];
    const groups = groupByTask(mission, [change(1, 'a.js'), change(2, 'b.js'), change(3, 'c.js')], tasks);
    assert.deepEqual(
      groups.map((g) => [g.taskId, g.label, g.changes.map((c) => c.id)]),
      [
        ['t1', 't1 · task t1', [2]],
        ['t2', 't2 · task t2', [1]],
        [null, MISSION_GROUP_LABEL, [3]],
      ],
    );
    assert.equal(taskDescription(groups[0] ?? { changes: [] }), '1 pending · +2 −1');
    assert.equal(taskDescription({ changes: [change(1, 'a', { state: 'accepted' })] }), '+2 −1');
  });
});

describe('state badges', () => {
  it('derives pending, accepted, rejected, partially accepted and conflicting', () => {
    assert.equal(changeBadge('pending'), 'pending');
    assert.equal(changeBadge('pending', [{ state: 'pending' }, { state: 'pending' }]), 'pending');
    assert.equal(changeBadge('pending', [{ state: 'accepted' }, { state: 'pending' }]), 'partially accepted');
    assert.equal(changeBadge('pending', [{ state: 'accepted' }, { state: 'conflicting' }]), 'conflicting');
    assert.equal(changeBadge('accepted', [{ state: 'accepted' }, { state: 'rejected' }]), 'partially accepted');
    assert.equal(changeBadge('accepted', [{ state: 'accepted' }]), 'accepted');
    assert.equal(changeBadge('accepted', [{ state: 'pending' }]), 'accepted');
    assert.equal(changeBadge('rejected', [{ state: 'rejected' }]), 'rejected');
  });
});

describe('task nodes as command arguments', () => {
  it('stand for their pending changes, and for the whole selection when clicked within it', () => {
    const t1 = { kind: 'task', mission, taskId: 't1', label: 't1', changes: [change(1, 'a'), change(2, 'b', { state: 'accepted' }), change(3, 'c')] };
    const t2 = { kind: 'task', mission, taskId: 't2', label: 't2', changes: [change(4, 'd')] };
    assert.deepEqual(changeIdsFromArgs(t1), [1, 3]);
    assert.deepEqual(changeIdsFromArgs(t1, [t1, t2]), [1, 3, 4]);
    assert.deepEqual(changeIdsFromArgs(t1, [t2]), [1, 3]);
    assert.equal(missionIdFromArg(t1), 'm1');
  });
});
