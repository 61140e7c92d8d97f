import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { countLines, hunksOf, unifiedDiff, unifiedDiffAll, type ProposedChange } from '../../server/changes/changes';

const lines = (n: number, f: (i: number) => string = (i) => `line ${i}`): string =>
  Array.from({ length: n }, (_, i) => `${f(i + 1)}\n`).join('');

test('modify: one hunk with context, counts added/removed', () => {
  const base = 'a\nb\nc\n';
  const proposed = 'a\nB\nc\n';
  const hunks = hunksOf(base, proposed);
  assert.equal(hunks.length, 1);
  assert.deepEqual(hunks[0], { index: 0, oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, lines: [' a', '-b', '+B', ' c'], state: 'pending' });
  assert.deepEqual(countLines({ path: 'f', kind: 'modify', baseContent: base, proposedContent: proposed }), { added: 1, removed: 1 });
});

test('add: a single all-plus hunk from an empty base', () => {
  const hunks = hunksOf(null, 'one\ntwo\n');
  assert.deepEqual(hunks, [{ index: 0, oldStart: 1, oldLines: 0, newStart: 1, newLines: 2, lines: ['+one', '+two'], state: 'pending' }]);
  assert.deepEqual(countLines({ path: 'n', kind: 'add', baseContent: null, proposedContent: 'one\ntwo\n' }), { added: 2, removed: 0 });
});

test('delete: a single all-minus hunk to an empty proposal', () => {
  const hunks = hunksOf('x\ny\nz\n', null);
  assert.equal(hunks.length, 1);
  assert.deepEqual(hunks[0].lines, ['-x', '-y', '-z']);
  assert.equal(hunks[0].newLines, 0);
  assert.deepEqual(countLines({ path: 'd', kind: 'delete', baseContent: 'x\ny\nz\n', proposedContent: null }), { added: 0, removed: 3 });
});

test('identical contents give no hunks and zero counts', () => {
  assert.deepEqual(hunksOf('same\n', 'same\n'), []);
  assert.deepEqual(countLines({ path: 's', kind: 'modify', baseContent: 'same\n', proposedContent: 'same\n' }), { added: 0, removed: 0 });
});

test('changes far apart give multiple hunks, indexed in order, with 3 lines of context', () => {
  const base = lines(30);
  const proposed = base.replace('line 3\n', 'LINE 3\n').replace('line 25\n', 'LINE 25\nextra\n');
  const hunks = hunksOf(base, proposed);
  assert.equal(hunks.length, 2);
  assert.deepEqual(hunks.map((h) => h.index), [0, 1]);
  assert.deepEqual([hunks[0].oldStart, hunks[0].oldLines, hunks[0].newStart, hunks[0].newLines], [1, 6, 1, 6]);
  assert.deepEqual([hunks[1].oldStart, hunks[1].oldLines, hunks[1].newStart, hunks[1].newLines], [22, 7, 22, 8]);
  assert.deepEqual(hunks[1].lines, [' line 22', ' line 23', ' line 24', '-line 25', '+LINE 25', '+extra', ' line 26', ' line 27', ' line 28']);
  assert.deepEqual(countLines({ path: 'm', kind: 'modify', baseContent: base, proposedContent: proposed }), { added: 3, removed: 2 });
});

test('a missing trailing newline is marked and the newline-only change counts as one line', () => {
  const hunks = hunksOf('a\nb', 'a\nb\n');
  assert.equal(hunks.length, 1);
  assert.deepEqual(hunks[0].lines, [' a', '-b', '\\ No newline at end of file', '+b']);
  assert.deepEqual(countLines({ path: 'n', kind: 'modify', baseContent: 'a\nb', proposedContent: 'a\nb\n' }), { added: 1, removed: 1 });
});

test('CRLF content keeps its carriage returns in hunk lines', () => {
  const hunks = hunksOf('x\r\ny\r\nz\r\n', 'x\r\nY\r\nz\r\n');
  assert.deepEqual(hunks[0].lines, [' x\r', '-y\r', '+Y\r', ' z\r']);
  assert.deepEqual(countLines({ path: 'c', kind: 'modify', baseContent: 'x\r\ny\r\nz\r\n', proposedContent: 'x\r\nY\r\nz\r\n' }), { added: 1, removed: 1 });
});

test('binary changes count zero lines and print a Binary files line', () => {
  const change: ProposedChange = { path: 'img.png', kind: 'modify', baseContent: null, proposedContent: null, binary: true };
  assert.deepEqual(countLines(change), { added: 0, removed: 0 });
  assert.equal(unifiedDiff(change), 'diff --git a/img.png b/img.png\nBinary files a/img.png and b/img.png differ\n');
});

test('unifiedDiff uses git headers and /dev/null for add and delete', () => {
  const add = unifiedDiff({ path: 'src/new.ts', kind: 'add', baseContent: null, proposedContent: 'hi\n' });
  assert.equal(add, 'diff --git a/src/new.ts b/src/new.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/new.ts\n@@ -0,0 +1,1 @@\n+hi\n');
  const del = unifiedDiff({ path: 'old.txt', kind: 'delete', baseContent: 'bye\n', proposedContent: null });
  assert.equal(del, 'diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-bye\n');
  const mod = unifiedDiff({ path: 'a.txt', kind: 'modify', baseContent: 'a\n', proposedContent: 'b\n' });
  assert.match(mod, /^diff --git a\/a\.txt b\/a\.txt\n--- a\/a\.txt\n\+\+\+ b\/a\.txt\n@@ -1,1 \+1,1 @@\n-a\n\+b\n$/);
});

test('unifiedDiff output applies with git apply --check and reproduces the proposal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskforce-changes-'));
  try {
    const run = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    run('init', '-q');
    run('config', 'core.autocrlf', 'false');
    const files: Record<string, string> = {
      'mod.txt': lines(30),
      'noeol.txt': 'a\nb',
      'crlf.txt': 'x\r\ny\r\nz\r\n',
      'gone.txt': 'delete me\n',
      'dir with space/f.txt': 'old\n',
    };
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    const changes: ProposedChange[] = [
      { path: 'mod.txt', kind: 'modify', baseContent: files['mod.txt'], proposedContent: files['mod.txt'].replace('line 3\n', 'LINE 3\n').replace('line 28\n', '') },
      { path: 'noeol.txt', kind: 'modify', baseContent: 'a\nb', proposedContent: 'a\nb\nc' },
      { path: 'crlf.txt', kind: 'modify', baseContent: files['crlf.txt'], proposedContent: 'x\r\nY\r\nz\r\n' },
      { path: 'gone.txt', kind: 'delete', baseContent: 'delete me\n', proposedContent: null },
      { path: 'new/added.txt', kind: 'add', baseContent: null, proposedContent: 'fresh\nfile' },
      { path: 'dir with space/f.txt', kind: 'modify', baseContent: 'old\n', proposedContent: 'new\n' },
    ];
    const patchFile = path.join(dir, '..', `${path.basename(dir)}.patch`);
    fs.writeFileSync(patchFile, unifiedDiffAll(changes));
    try {
      run('apply', '--check', patchFile);
      run('apply', patchFile);
    } finally {
      fs.rmSync(patchFile, { force: true });
    }
    for (const c of changes) {
      const abs = path.join(dir, c.path);
      if (c.proposedContent === null) assert.equal(fs.existsSync(abs), false, c.path);
      else assert.equal(fs.readFileSync(abs, 'utf8'), c.proposedContent, c.path);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
