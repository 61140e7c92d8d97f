import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeInfo, MissionSummary } from '../../protocol/protocol';
import {
  changeContextValue,
  changeDescription,
  changeIdsFromArgs,
  changeNodes,
  changeQuery,
  contentForSide,
  countPending,
  decisionSummary,
  diffTitle,
  firstPending,
  groupChanges,
  DECIDED_MISSIONS_SHOWN,
  isSafeRelativePath,
  missionChangeAffectsTree,
  missionIdFromArg,
  missionLabel,
  parseChangeQuery,
  partitionByState,
  sameContent,
  splitPath,
} from '../../extension/review/model';

function mission(id: string, createdAt: number, extra: Partial<MissionSummary> = {}): MissionSummary {
  // Object.assign: the summary may carry fields (policy, autoApply) the protocol adds.
  const summary: MissionSummary = Object.assign(
    {
      id,
      goal: `goal ${id}`,
      state: 'running' as const,
      workspaceRoot: '/ws',
      provider: 'replay' as const,
      replaying: true,
      createdAt,
      updatedAt: createdAt,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 },
      pendingChanges: 0,
      policy: 'supervised' as const,
      autoApply: false,
    },
    extra,
  );
  return summary;
}

function change(id: number, missionId: string, path: string, extra: Partial<ChangeInfo> = {}): ChangeInfo {
  return { id, missionId, path, kind: 'modify', state: 'pending', added: 1, removed: 0, ...extra };
}

describe('content URIs', () => {
  it('round-trips change id and side through the query', () => {
    assert.equal(changeQuery(12), 'change=12');
    assert.deepEqual(parseChangeQuery(changeQuery(12)), { changeId: 12, side: 'proposed' });
    assert.deepEqual(parseChangeQuery(changeQuery(7, 'base')), { changeId: 7, side: 'base' });
    assert.deepEqual(parseChangeQuery(changeQuery(7, 'empty')), { changeId: 7, side: 'empty' });
  });

  it('rejects queries without a numeric change id or with an unknown side', () => {
    assert.equal(parseChangeQuery(''), undefined);
    assert.equal(parseChangeQuery('change=abc'), undefined);
    assert.equal(parseChangeQuery('change=-1'), undefined);
    assert.equal(parseChangeQuery('change=3&side=theirs'), undefined);
  });

  it('shows a missing side of an added or deleted file as empty text', () => {
    const added = { baseContent: null, proposedContent: 'x' };
    assert.equal(contentForSide(added, 'base'), '');
    assert.equal(contentForSide(added, 'proposed'), 'x');
    assert.equal(contentForSide({ baseContent: 'b', proposedContent: null }, 'proposed'), '');
    assert.equal(contentForSide({ baseContent: 'b', proposedContent: 'p' }, 'empty'), '');
  });
});

describe('tree grouping', () => {
  it('lists missions with changes newest first, and only the newest fully decided ones', () => {
    const missions = [mission('old', 1), mission('new', 3), mission('done', 2), mission('none', 4)];
    const decided = Array.from({ length: DECIDED_MISSIONS_SHOWN + 2 }, (_, i) => mission(`d${i}`, -i));
    const changes = [
      change(1, 'old', 'a.js'),
      change(2, 'new', 'b.js'),
      change(3, 'done', 'c.js', { state: 'accepted' }),
      ...decided.map((m, i) => change(10 + i, m.id, 'x.js', { state: 'rejected' })),
    ];
    const groups = groupChanges([...missions, ...decided], changes);
    assert.deepEqual(
      groups.map((g) => g.mission.id),
      ['new', 'done', 'old', ...decided.slice(0, DECIDED_MISSIONS_SHOWN - 1).map((m) => m.id)],
      'a mission without changes is not listed; pending ones always are; decided ones up to the limit',
    );
  });

  it('keeps decided changes beside pending ones, sorted by path', () => {
    const groups = groupChanges(
      [mission('m', 1)],
      [change(1, 'm', 'src/z.js'), change(2, 'm', 'a.js', { state: 'rejected' }), change(3, 'm', 'src/b.js')],
    );
    assert.deepEqual(
      groups[0]?.changes.map((c) => c.path),
      ['a.js', 'src/b.js', 'src/z.js'],
    );
  });

  it('counts pending changes across missions for the badge', () => {
    const groups = groupChanges(
      [mission('a', 1), mission('b', 2)],
      [change(1, 'a', 'x'), change(2, 'a', 'y', { state: 'accepted' }), change(3, 'b', 'z')],
    );
    assert.equal(countPending(groups), 2);
    assert.equal(countPending([]), 0);
  });

  it('finds the first pending change in display order', () => {
    const groups = groupChanges(
      [mission('a', 1), mission('b', 2)],
      [change(1, 'a', 'x'), change(2, 'b', 'a.js', { state: 'accepted' }), change(3, 'b', 'b.js')],
    );
    assert.equal(firstPending(groups)?.change.id, 3);
    assert.equal(firstPending([]), undefined);
  });

  it('makes change nodes that point back to their mission', () => {
    const [group] = groupChanges([mission('m', 1)], [change(1, 'm', 'x')]);
    assert.ok(group);
    const nodes = changeNodes(group);
    assert.deepEqual(
      nodes.map((n) => [n.kind, n.mission.id, n.change.id]),
      [['change', 'm', 1]],
    );
  });

  it('refreshes on a mission notification only when the pending count or a shown mission changes', () => {
    const before = mission('m', 1, { pendingChanges: 2 });
    assert.equal(missionChangeAffectsTree(before, { ...before, usage: { ...before.usage, calls: 5 } }, true), false);
    assert.equal(missionChangeAffectsTree(before, { ...before, pendingChanges: 3 }, false), true);
    assert.equal(missionChangeAffectsTree(before, { ...before, state: 'completed' }, true), true);
    assert.equal(missionChangeAffectsTree(before, { ...before, state: 'completed' }, false), false);
    assert.equal(missionChangeAffectsTree(undefined, mission('n', 2, { pendingChanges: 1 }), false), true);
    assert.equal(missionChangeAffectsTree(undefined, mission('n', 2), false), false);
  });
});

describe('labels', () => {
  it('splits a path into file name and directory', () => {
    assert.deepEqual(splitPath('src/lib/index.js'), { name: 'index.js', dir: 'src/lib' });
    assert.deepEqual(splitPath('README.md'), { name: 'README.md', dir: '' });
  });

  it('describes a change by directory, line counts and state', () => {
    assert.equal(changeDescription(change(1, 'm', 'src/a.js', { added: 3, removed: 1 })), 'src +3 −1 pending');
    assert.equal(changeDescription(change(1, 'm', 'a.js', { added: 0, removed: 2, state: 'accepted' })), '+0 −2 accepted');
  });

  it('gives only pending changes the contextValue the inline menus match', () => {
    assert.equal(changeContextValue('pending'), 'change');
    assert.equal(changeContextValue('accepted'), 'change.accepted');
    assert.equal(changeContextValue('rejected'), 'change.rejected');
  });

  it('labels a mission with the first line of its goal, shortened', () => {
    assert.equal(missionLabel('  Add rate limiting\nwith tests'), 'Add rate limiting');
    const long = missionLabel('x'.repeat(200), 20);
    assert.equal(long.length, 20);
    assert.ok(long.endsWith('…'));
  });

  it('titles the diff with the file name', () => {
    assert.equal(diffTitle({ path: 'src/index.js' }), 'index.js (Yours ↔ Taskforce)');
  });

  it('summarises a decision with singular and plural, conflicts and refusals', () => {
    assert.equal(decisionSummary('Accepted', { done: 3 }), 'Accepted 3 changes.');
    assert.equal(decisionSummary('Rejected', { done: 1 }), 'Rejected 1 change.');
    assert.equal(
      decisionSummary('Accepted', {
        done: 2,
        alreadyDecided: 1,
        conflicts: new Map([['a.js', 1], ['b.js', 1]]),
        refused: new Map([['../x', 'its path is outside the workspace']]),
      }),
      'Accepted 2 changes. 1 was already decided. 2 hunks in a.js, b.js conflict with your edits: flagged, not applied. ' +
        'Did not apply ../x: its path is outside the workspace.',
    );
    assert.match(decisionSummary('Accepted', { done: 0, conflicts: new Map([['a.js', 1]]) }), /1 hunk in a\.js conflicts/);
  });
});

describe('command arguments', () => {
  const node = { kind: 'change', mission: mission('m', 1), change: change(4, 'm', 'a.js') };

  it('takes the change id from a tree node, a number, a numeric string or an object', () => {
    assert.deepEqual(changeIdsFromArgs(node), [4]);
    assert.deepEqual(changeIdsFromArgs(7), [7]);
    assert.deepEqual(changeIdsFromArgs('8'), [8]);
    assert.deepEqual(changeIdsFromArgs({ changeId: 9 }), [9]);
    assert.deepEqual(changeIdsFromArgs(change(10, 'm', 'x')), [10]);
  });

  it('finds no change in a mission node or junk', () => {
    assert.deepEqual(changeIdsFromArgs({ kind: 'mission', mission: mission('m', 1), changes: [] }), []);
    assert.deepEqual(changeIdsFromArgs(undefined), []);
    assert.deepEqual(changeIdsFromArgs('abc'), []);
    assert.deepEqual(changeIdsFromArgs(1.5), []);
  });

  it('uses the whole selection when it contains the clicked item', () => {
    const other = { ...node, change: change(5, 'm', 'b.js') };
    assert.deepEqual(changeIdsFromArgs(node, [node, other]), [4, 5]);
    assert.deepEqual(changeIdsFromArgs(node, [other]), [4]);
  });

  it('takes the mission id from a tree node, a string or a summary', () => {
    assert.equal(missionIdFromArg({ kind: 'mission', mission: mission('m1', 1), changes: [] }), 'm1');
    assert.equal(missionIdFromArg(node), 'm');
    assert.equal(missionIdFromArg('m2'), 'm2');
    assert.equal(missionIdFromArg(mission('m3', 1)), 'm3');
    assert.equal(missionIdFromArg(undefined), undefined);
    assert.equal(missionIdFromArg(''), undefined);
  });
});

describe('deciding', () => {
  it('accepts only relative paths that stay inside the workspace', () => {
    assert.equal(isSafeRelativePath('src/a.js'), true);
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a//b', './a', 'C:/x', 'a\\b']) {
      assert.equal(isSafeRelativePath(bad), false, bad);
    }
  });

  it('ignores line-end style and a byte order mark when comparing contents', () => {
    assert.equal(sameContent('a\r\nb\r\n', 'a\nb\n'), true);
    assert.equal(sameContent('\uFEFFa', 'a'), true);
    assert.equal(sameContent('a', 'b'), false);
    assert.equal(sameContent(null, null), true);
    assert.equal(sameContent(null, ''), false);
  });

  it('splits requested ids into pending, already decided and unknown', () => {
    const changes = [change(1, 'm', 'a'), change(2, 'm', 'b', { state: 'accepted' }), change(3, 'm', 'c')];
    assert.deepEqual(partitionByState(changes, [1, 2, 9, 1]), { pending: [1], decided: [2], unknown: [9] });
  });

  it('takes every pending change when no ids are requested', () => {
    const changes = [change(1, 'm', 'a'), change(2, 'm', 'b', { state: 'rejected' }), change(3, 'm', 'c')];
    assert.deepEqual(partitionByState(changes), { pending: [1, 3], decided: [], unknown: [] });
  });
});
