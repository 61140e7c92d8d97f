import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HunkInfo } from '../../protocol/protocol';
import { hunksOf } from '../../server/changes/changes';
import { anchorHunk, anchorHunks, applyEdits, applyHunk, mergeHunks, type HunkAnchor } from '../../extension/review/hunks';
import { planFileAccept } from '../../extension/review/fileAccept';
import { displaySpan, hunkAtLine, hunkAtProposedLine, nextHunkLine, proposedSpan } from '../../extension/review/navigation';

/** `n` numbered lines, `line 1\n` … `line n\n`. */
function numbered(n: number, eol = '\n'): string[] {
  return Array.from({ length: n }, (_, i) => `line ${i + 1}${eol}`);
}

/** A base of 40 lines and a proposal changing line 5 and line 30 (two hunks). */
function twoHunks(eol = '\n'): { base: string; proposed: string; hunks: HunkInfo[] } {
  const lines = numbered(40, eol);
  const base = lines.join('');
  const next = [...lines];
  next[4] = `FIVE${eol}`;
  next.splice(30, 0, `inserted A${eol}`, `inserted B${eol}`);
  const proposed = next.join('');
  const hunks = hunksOf(base, proposed);
  assert.equal(hunks.length, 2);
  return { base, proposed, hunks };
}

function byIndex(anchors: HunkAnchor[], index: number): HunkAnchor {
  const a = anchors.find((x) => x.index === index);
  assert.ok(a, `anchor ${index}`);
  return a;
}

function hunk(hunks: HunkInfo[], index: number): HunkInfo {
  const h = hunks[index];
  assert.ok(h);
  return h;
}

describe('anchoring hunks on the current text', () => {
  it('places hunks where the base had them when the file is unchanged', () => {
    const { base, hunks } = twoHunks();
    const anchors = anchorHunks(base, hunks);
    assert.deepEqual(anchors.map((a) => a.status), ['clean', 'clean']);
    assert.equal(byIndex(anchors, 0).line, 4);
    assert.deepEqual(byIndex(anchors, 0).blocks, [{ line: 4, removed: 1, added: ['FIVE'] }]);
    assert.equal(byIndex(anchors, 1).line, 30);
    assert.deepEqual(byIndex(anchors, 1).blocks, [{ line: 30, removed: 0, added: ['inserted A', 'inserted B'] }]);
  });

  it('follows the hunks when the user inserts lines above them', () => {
    const { base, proposed, hunks } = twoHunks();
    const current = `// one\n// two\n// three\n${base}`;
    const anchors = anchorHunks(current, hunks);
    assert.deepEqual(anchors.map((a) => a.status), ['clean', 'clean']);
    assert.equal(byIndex(anchors, 0).line, 7);
    assert.equal(byIndex(anchors, 1).line, 33);
    assert.equal(mergeHunks(current, hunks).text, `// one\n// two\n// three\n${proposed}`);
  });

  it('flags a hunk whose lines the user edited as conflicting and leaves the others clean', () => {
    const { base, hunks } = twoHunks();
    const current = base.replace('line 5\n', 'line five, mine\n');
    const anchors = anchorHunks(current, hunks);
    assert.equal(byIndex(anchors, 0).status, 'conflict');
    assert.equal(byIndex(anchors, 0).edit, undefined);
    assert.equal(byIndex(anchors, 1).status, 'clean');
    assert.equal(applyHunk(current, hunk(hunks, 0)), undefined);
  });

  it('flags a hunk whose context the user deleted as conflicting', () => {
    const { base, hunks } = twoHunks();
    const current = base.replace('line 29\nline 30\n', '');
    assert.equal(anchorHunk(current, hunk(hunks, 1)).status, 'conflict');
    assert.equal(anchorHunk(current, hunk(hunks, 0)).status, 'clean');
  });

  it('places a conflicting hunk as far as the hunks before it moved', () => {
    const { base, hunks } = twoHunks();
    const current = `extra\nextra\n${base}`.replace('line 30\n', 'mine\n');
    const anchors = anchorHunks(current, hunks);
    assert.equal(byIndex(anchors, 1).status, 'conflict');
    assert.equal(byIndex(anchors, 1).line, 32);
  });

  it('recognises a hunk that is already in the text', () => {
    const { base, hunks } = twoHunks();
    const current = base.replace('line 5\n', 'FIVE\n');
    const a = anchorHunk(current, hunk(hunks, 0));
    assert.equal(a.status, 'applied');
    assert.equal(a.line, 4);
  });

  it('works on CRLF text, also when the hunks were computed on LF text', () => {
    const crlf = twoHunks('\r\n');
    const merged = mergeHunks(crlf.base, crlf.hunks);
    assert.equal(merged.text, crlf.proposed);
    const lf = twoHunks('\n');
    const mixed = mergeHunks(crlf.base, lf.hunks);
    assert.deepEqual(mixed.conflicting, []);
    assert.equal(mixed.text, crlf.proposed);
    assert.deepEqual(byIndex(anchorHunks(crlf.base, crlf.hunks), 0).blocks, [{ line: 4, removed: 1, added: ['FIVE'] }]);
  });

  it('handles a missing newline at the end of the file', () => {
    const add = hunksOf('a\nb', 'a\nb\n');
    assert.equal(mergeHunks('a\nb', add).text, 'a\nb\n');
    const remove = hunksOf('a\nb\n', 'a\nB');
    assert.equal(mergeHunks('a\nb\n', remove).text, 'a\nB');
    assert.equal(mergeHunks('x\na\nb\n', remove).text, 'x\na\nB');
  });

  it('keeps the edit minimal and inside the hunk', () => {
    const { base, hunks } = twoHunks();
    const a = anchorHunk(base, hunk(hunks, 0));
    assert.ok(a.edit);
    assert.equal(base.slice(a.edit.start, a.edit.end), 'line 5');
    assert.equal(a.edit.newText, 'FIVE');
  });
});

describe('applying hunks', () => {
  it('applies one hunk and leaves the others anchored on the new text', () => {
    const { base, proposed, hunks } = twoHunks();
    const first = applyHunk(base, hunk(hunks, 1));
    assert.ok(first);
    assert.ok(first.text.includes('inserted A\ninserted B\nline 31\n'));
    assert.ok(first.text.includes('line 5\n'));
    const after = anchorHunks(first.text, hunks);
    assert.equal(byIndex(after, 1).status, 'applied');
    assert.equal(byIndex(after, 0).status, 'clean');
    assert.equal(byIndex(after, 0).line, 4);
    const second = applyHunk(first.text, hunk(hunks, 0));
    assert.equal(second?.text, proposed);
  });

  it('applies all hunks of an untouched file to exactly the proposal', () => {
    const { base, proposed, hunks } = twoHunks();
    const merged = mergeHunks(base, hunks);
    assert.equal(merged.text, proposed);
    assert.deepEqual(merged.applied, [0, 1]);
    assert.equal(applyEdits(base, merged.edits), proposed);
  });

  it('merges onto a file the user edited elsewhere: their edits stay', () => {
    const { base, hunks } = twoHunks();
    const current = base.replace('line 18\n', 'line 18 (mine)\n').replace('line 40\n', 'line 40\nmy footer\n');
    const merged = mergeHunks(current, hunks);
    assert.deepEqual(merged.conflicting, []);
    assert.ok(merged.text.includes('line 18 (mine)\n'));
    assert.ok(merged.text.endsWith('line 40\nmy footer\n'));
    assert.ok(merged.text.includes('FIVE\n'));
    assert.ok(merged.text.includes('inserted A\n'));
  });

  it('merges what it can and flags the rest when the user edited one hunk', () => {
    const { base, hunks } = twoHunks();
    const current = base.replace('line 5\n', 'my line 5\n');
    const merged = mergeHunks(current, hunks);
    assert.deepEqual(merged.applied, [1]);
    assert.deepEqual(merged.conflicting, [0]);
    assert.ok(merged.text.includes('my line 5\n'));
    assert.ok(!merged.text.includes('FIVE'));
  });

  it('applies one hunk in a 5,000-line file the user added a line to', () => {
    const lines = numbered(5000);
    const base = lines.join('');
    const next = [...lines];
    next[2500] = 'changed\n';
    const [h] = hunksOf(base, next.join(''));
    assert.ok(h);
    assert.equal(applyHunk(`top\n${base}`, h)?.text, `top\n${next.join('')}`);
  });
});

describe('planning a file accept', () => {
  it('merges the undecided hunks onto the current text and records the conflicts', () => {
    const { base, hunks } = twoHunks();
    const current = base.replace('line 5\n', 'mine\n');
    const plan = planFileAccept({ kind: 'modify', baseContent: base, proposedContent: '', current, hunks });
    assert.equal(plan.op, 'edit');
    assert.deepEqual(plan.accepted, [1]);
    assert.deepEqual(plan.conflicting, [0]);
  });

  it('skips hunks already accepted or rejected', () => {
    const { base, hunks } = twoHunks();
    const decided = hunks.map((h) => (h.index === 0 ? { ...h, state: 'rejected' as const } : h));
    const plan = planFileAccept({ kind: 'modify', baseContent: base, proposedContent: '', current: base, hunks: decided });
    assert.deepEqual(plan.accepted, [1]);
    assert.ok(plan.text?.includes('line 5\n'));
  });

  it('accepts one hunk when asked for one', () => {
    const { base, hunks } = twoHunks();
    const plan = planFileAccept({ kind: 'modify', baseContent: base, proposedContent: '', current: base, hunks, indexes: [1] });
    assert.deepEqual(plan.accepted, [1]);
    assert.equal(plan.edits.length, 1);
  });

  it('creates an added file, and never overwrites a different file of that name', () => {
    const hunks = hunksOf('', 'new\n');
    assert.equal(planFileAccept({ kind: 'add', baseContent: null, proposedContent: 'new\n', current: null, hunks }).op, 'create');
    const same = planFileAccept({ kind: 'add', baseContent: null, proposedContent: 'new\n', current: 'new\r\n', hunks });
    assert.deepEqual([same.op, same.accepted], ['none', [0]]);
    const other = planFileAccept({ kind: 'add', baseContent: null, proposedContent: 'new\n', current: 'mine\n', hunks });
    assert.deepEqual([other.op, other.conflicting], ['none', [0]]);
  });

  it('deletes a deleted file only while it is still the base', () => {
    const hunks = hunksOf('old\n', '');
    const clean = planFileAccept({ kind: 'delete', baseContent: 'old\n', proposedContent: null, current: 'old\n', hunks });
    assert.deepEqual([clean.op, clean.accepted], ['delete', [0]]);
    const edited = planFileAccept({ kind: 'delete', baseContent: 'old\n', proposedContent: null, current: 'old\nmine\n', hunks });
    assert.deepEqual([edited.op, edited.conflicting], ['none', [0]]);
    const gone = planFileAccept({ kind: 'delete', baseContent: 'old\n', proposedContent: null, current: null, hunks });
    assert.deepEqual([gone.op, gone.accepted], ['none', [0]]);
  });

  it('flags a modified file the user deleted, and refuses binary changes', () => {
    const { base, hunks } = twoHunks();
    assert.deepEqual(planFileAccept({ kind: 'modify', baseContent: base, proposedContent: '', current: null, hunks }).conflicting, [0, 1]);
    const binary = planFileAccept({ kind: 'modify', baseContent: null, proposedContent: null, current: 'x', hunks: [] });
    assert.equal(binary.op, 'none');
    assert.ok(binary.refused);
  });
});

describe('finding hunks by line', () => {
  it('finds the hunk at a line of the file, by its changed lines then its context', () => {
    const { base, hunks } = twoHunks();
    const anchors = anchorHunks(base, hunks);
    assert.equal(hunkAtLine(anchors, 4)?.index, 0);
    assert.equal(hunkAtLine(anchors, 6)?.index, 0);
    assert.equal(hunkAtLine(anchors, 30)?.index, 1);
    assert.equal(hunkAtLine(anchors, 15), undefined);
    assert.deepEqual(displaySpan(byIndex(anchors, 0)), { first: 4, last: 4 });
  });

  it('maps a line of the proposed side to its hunk', () => {
    const { hunks } = twoHunks();
    assert.deepEqual(proposedSpan(hunk(hunks, 1)), { first: 30, last: 31 });
    assert.equal(hunkAtProposedLine(hunks, 31)?.index, 1);
    assert.equal(hunkAtProposedLine(hunks, 4)?.index, 0);
    assert.equal(hunkAtProposedLine(hunks, 20), undefined);
  });

  it('moves to the next and previous hunk, wrapping around', () => {
    assert.equal(nextHunkLine([30, 4], 0, 'next'), 4);
    assert.equal(nextHunkLine([30, 4], 4, 'next'), 30);
    assert.equal(nextHunkLine([30, 4], 31, 'next'), 4);
    assert.equal(nextHunkLine([30, 4], 30, 'previous'), 4);
    assert.equal(nextHunkLine([30, 4], 2, 'previous'), 30);
    assert.equal(nextHunkLine([], 2, 'previous'), undefined);
  });
});
