import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createSandbox, type Sandbox } from '../../server/sandbox/sandbox';
import { Integrator, type MergeResult, type TaskWorktree } from '../../server/sandbox/integration';

/** Environment without variables that would point git elsewhere (e.g. when run from a hook). */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^GIT_(DIR|WORK_TREE|INDEX_FILE|PREFIX|COMMON_DIR|OBJECT_DIRECTORY)$/.test(k)));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgSign=false', ...args], {
    cwd, env, encoding: 'utf8',
  });
}

function write(root: string, rel: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

const read = (root: string, rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
const lines = (n: number, tag = 'line'): string => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join('');

type Kind = 'git' | 'plain';

interface Setup {
  base: string;
  ws: string;
  sb: Sandbox;
  it: Integrator;
  /** A fresh task worktree folder name under base. */
  dir(name: string): string;
  cleanup(): Promise<void>;
}

/**
 * A workspace with a.txt (20 lines), b.txt, lib/c.txt, del.txt, a binary file and an ignored
 * node_modules; for 'git' a repository with an uncommitted edit and an untracked file.
 */
async function setup(kind: Kind, subfolder = ''): Promise<Setup> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `taskforce-integ-${kind}-`));
  const repo = path.join(base, 'repo');
  const ws = path.join(repo, subfolder);
  fs.mkdirSync(ws, { recursive: true });
  write(ws, '.gitignore', 'node_modules/\n');
  write(ws, 'a.txt', lines(20));
  write(ws, 'b.txt', 'beta\n');
  write(ws, 'lib/c.txt', 'gamma\n');
  write(ws, 'del.txt', 'to delete\n');
  write(ws, 'img.bin', Buffer.from([0, 1, 2, 3]));
  write(ws, 'node_modules/dep/index.js', 'module.exports = 1;\n');
  if (subfolder) write(repo, 'outside.txt', 'outside\n');
  if (kind === 'git') {
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'init');
    write(ws, 'b.txt', 'beta (uncommitted)\n');
    write(ws, 'untracked.txt', 'untracked\n');
  }
  const sb = await createSandbox(ws, path.join(base, 'sandboxes', 'mission'));
  const it = await Integrator.for(sb);
  let n = 0;
  return {
    base, ws, sb, it,
    dir: (name) => path.join(base, 'tasks', `${name}-${n++}`),
    async cleanup() {
      await it.dispose();
      await sb.dispose();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Starts a task at `start`, applies `edit` to its root, commits. */
async function runTask(s: Setup, start: string, name: string, edit: (root: string) => void): Promise<{ task: TaskWorktree; commit: string }> {
  const task = await s.it.createTaskWorktree(start, s.dir(name));
  edit(task.root);
  return { task, commit: await task.commit(`task ${name}`) };
}

function cleanRef(r: MergeResult): string {
  assert.equal(r.clean, true, `expected a clean merge, got conflicts: ${JSON.stringify(r)}`);
  return r.ref;
}

const parents = (s: Setup, ref: string): string[] => git(s.sb.root, 'rev-list', '--parents', '-n', '1', ref).trim().split(' ').slice(1);

for (const kind of ['git', 'plain'] as const) {
  test(`${kind}: two tasks from the same start editing different files both merge cleanly; the integrated tree holds both`, async () => {
    const s = await setup(kind);
    try {
      const a = await runTask(s, s.sb.baseRef, 'a', (root) => write(root, 'b.txt', 'beta from A\n'));
      const b = await runTask(s, s.sb.baseRef, 'b', (root) => write(root, 'lib/c.txt', 'gamma from B\n'));
      assert.deepEqual(parents(s, a.commit), [s.sb.baseRef]);
      // First merge: the integrated state is still the base, an ancestor: fast-forward.
      const afterA = cleanRef(await s.it.merge(s.sb.baseRef, a.commit, 'merge a'));
      assert.equal(afterA, a.commit);
      const afterB = cleanRef(await s.it.merge(afterA, b.commit, 'merge b', { theirs: 'task b' }));
      assert.deepEqual(parents(s, afterB), [a.commit, b.commit]);
      assert.equal(await s.it.readFile(afterB, 'b.txt'), 'beta from A\n');
      assert.equal(await s.it.readFile(afterB, 'lib/c.txt'), 'gamma from B\n');
      assert.equal(await s.it.readFile(afterB, 'a.txt'), lines(20));
      // Merging a task already contained changes nothing.
      assert.equal(cleanRef(await s.it.merge(afterB, a.commit, 'again')), afterB);
      await a.task.dispose();
      await b.task.dispose();
    } finally {
      await s.cleanup();
    }
  });

  test(`${kind}: same file, different places merges cleanly with both edits`, async () => {
    const s = await setup(kind);
    try {
      const a = await runTask(s, s.sb.baseRef, 'a', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 2\n', 'line 2 by A\n')));
      const b = await runTask(s, s.sb.baseRef, 'b', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 18\n', 'line 18 by B\n')));
      const integrated = cleanRef(await s.it.merge(a.commit, b.commit, 'merge b'));
      assert.equal(await s.it.readFile(integrated, 'a.txt'), lines(20).replace('line 2\n', 'line 2 by A\n').replace('line 18\n', 'line 18 by B\n'));
    } finally {
      await s.cleanup();
    }
  });

  test(`${kind}: same lines conflict: markers with labels, base/ours/theirs correct, nothing lost`, async () => {
    const s = await setup(kind);
    try {
      const a = await runTask(s, s.sb.baseRef, 'a', (root) => {
        write(root, 'a.txt', read(root, 'a.txt').replace('line 10\n', 'line 10 by A\n'));
        write(root, 'b.txt', 'beta from A (no conflict)\n');
      });
      const b = await runTask(s, s.sb.baseRef, 'b', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 10\n', 'line 10 by B\n')));
      const r = await s.it.merge(a.commit, b.commit, 'merge b', { theirs: 'task t2' });
      assert.equal(r.clean, false);
      if (r.clean) return;
      assert.deepEqual(parents(s, r.ref), [a.commit, b.commit]);
      assert.equal(r.conflicts.length, 1);
      const c = r.conflicts[0];
      assert.equal(c.path, 'a.txt');
      assert.equal(c.base, lines(20));
      assert.equal(c.ours, lines(20).replace('line 10\n', 'line 10 by A\n'));
      assert.equal(c.theirs, lines(20).replace('line 10\n', 'line 10 by B\n'));
      assert.ok(c.merged.includes('line 10 by A\n') && c.merged.includes('line 10 by B\n'), c.merged);
      assert.match(c.merged, /^<<<<<<< integrated\nline 10 by A\n=======\nline 10 by B\n>>>>>>> task t2\n/m);
      assert.equal(await s.it.readFile(r.ref, 'a.txt'), c.merged);
      // The non-conflicting part of the merge is in the conflict commit too.
      assert.equal(await s.it.readFile(r.ref, 'b.txt'), 'beta from A (no conflict)\n');
    } finally {
      await s.cleanup();
    }
  });

  test(`${kind}: diamond: a task started after merging B and C sees both and merges on top`, async () => {
    const s = await setup(kind);
    try {
      const a = await runTask(s, s.sb.baseRef, 'A', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 1\n', 'line 1 by A\n')));
      const afterA = cleanRef(await s.it.merge(s.sb.baseRef, a.commit, 'merge A'));
      const b = await runTask(s, afterA, 'B', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 5\n', 'line 5 by B\n')));
      const c = await runTask(s, afterA, 'C', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 15\n', 'line 15 by C\n')));
      const afterB = cleanRef(await s.it.merge(afterA, b.commit, 'merge B'));
      const afterC = cleanRef(await s.it.merge(afterB, c.commit, 'merge C'));
      const d = await s.it.createTaskWorktree(afterC, s.dir('D'));
      const seen = read(d.root, 'a.txt');
      for (const edit of ['line 1 by A', 'line 5 by B', 'line 15 by C']) assert.ok(seen.includes(`${edit}\n`), `${edit} missing in D`);
      // Meanwhile another task (E, started from A) lands; D still merges cleanly over it.
      const e = await runTask(s, afterA, 'E', (root) => write(root, 'lib/c.txt', 'gamma by E\n'));
      const afterE = cleanRef(await s.it.merge(afterC, e.commit, 'merge E'));
      write(d.root, 'a.txt', seen.replace('line 20\n', 'line 20 by D\n'));
      const afterD = cleanRef(await s.it.merge(afterE, await d.commit('D'), 'merge D'));
      const final = await s.it.readFile(afterD, 'a.txt');
      assert.equal(final, lines(20).replace('line 1\n', 'line 1 by A\n').replace('line 5\n', 'line 5 by B\n')
        .replace('line 15\n', 'line 15 by C\n').replace('line 20\n', 'line 20 by D\n'));
      assert.equal(await s.it.readFile(afterD, 'lib/c.txt'), 'gamma by E\n');
    } finally {
      await s.cleanup();
    }
  });

  test(`${kind}: added and deleted files merge; changesBetween reports add/modify/delete/binary against the base`, async () => {
    const s = await setup(kind);
    try {
      const a = await runTask(s, s.sb.baseRef, 'a', (root) => {
        write(root, 'new/added.txt', 'added by A\n');
        fs.rmSync(path.join(root, 'del.txt'));
      });
      const b = await runTask(s, s.sb.baseRef, 'b', (root) => {
        write(root, 'b.txt', 'beta from B\n');
        write(root, 'img.bin', Buffer.from([0, 9, 9]));
        write(root, 'added-b.txt', 'added by B\n');
      });
      const integrated = cleanRef(await s.it.merge(a.commit, b.commit, 'merge b'));
      assert.equal(await s.it.readFile(integrated, 'del.txt'), null);
      assert.equal(await s.it.readFile(integrated, 'new/added.txt'), 'added by A\n');
      assert.equal(await s.it.readFile(integrated, 'added-b.txt'), 'added by B\n');
      const changes = await s.it.changesBetween(s.sb.baseRef, integrated);
      const baseB = kind === 'git' ? 'beta (uncommitted)\n' : 'beta\n';
      assert.deepEqual(changes, [
        { path: 'added-b.txt', kind: 'add', baseContent: null, proposedContent: 'added by B\n' },
        { path: 'b.txt', kind: 'modify', baseContent: baseB, proposedContent: 'beta from B\n' },
        { path: 'del.txt', kind: 'delete', baseContent: 'to delete\n', proposedContent: null },
        { path: 'img.bin', kind: 'modify', baseContent: null, proposedContent: null, binary: true },
        { path: 'new/added.txt', kind: 'add', baseContent: null, proposedContent: 'added by A\n' },
      ]);
      assert.deepEqual(await s.it.changesBetween(s.sb.baseRef, s.sb.baseRef), []);
    } finally {
      await s.cleanup();
    }
  });

  test(`${kind}: task worktree links node_modules, never commits it, commit returns startRef when unchanged, dispose removes it`, async () => {
    const s = await setup(kind);
    try {
      const task = await s.it.createTaskWorktree(s.sb.baseRef, s.dir('t'));
      assert.equal(task.startRef, s.sb.baseRef);
      assert.equal(await task.commit('nothing'), s.sb.baseRef);
      assert.ok(fs.lstatSync(path.join(task.root, 'node_modules')).isSymbolicLink());
      assert.equal(read(task.root, 'node_modules/dep/index.js'), 'module.exports = 1;\n');
      if (kind === 'git') assert.equal(read(task.root, 'untracked.txt'), 'untracked\n');
      write(task.root, 'x.txt', 'x\n');
      const first = await task.commit('x');
      assert.notEqual(first, s.sb.baseRef);
      assert.equal(git(task.root, 'ls-tree', '-r', '--name-only', first).split('\n').filter((p) => p.includes('node_modules')).length, 0);
      // Committed: nothing left but (in a git workspace) the link, which `node_modules/` does
      // not match as it is a symlink, not a folder; commit() leaves it out anyway.
      assert.deepEqual(git(task.dir, 'status', '--porcelain').split('\n').filter((l) => l && l !== '?? node_modules'), []);
      write(task.root, 'y.txt', 'y\n');
      const second = await task.commit('y');
      assert.deepEqual(parents(s, second), [first]);
      const listed = () => git(s.sb.root, 'worktree', 'list', '--porcelain');
      assert.ok(listed().includes(`worktree ${task.dir}\n`));
      await task.dispose();
      assert.ok(!listed().includes(`worktree ${task.dir}\n`));
      assert.ok(!fs.existsSync(task.dir));
      assert.equal(read(s.ws, 'node_modules/dep/index.js'), 'module.exports = 1;\n', "the user's node_modules survives");
      await task.dispose(); // Idempotent.
      const busy = s.dir('busy');
      write(busy, 'keep.txt', 'mine\n');
      await assert.rejects(s.it.createTaskWorktree(s.sb.baseRef, busy), /not an empty folder/);
      assert.equal(read(busy, 'keep.txt'), 'mine\n', 'a non-empty folder is left alone');
    } finally {
      await s.cleanup();
    }
  });
}

test('plain: add/add, modify/delete and binary conflicts keep both sides', async () => {
  const s = await setup('plain');
  try {
    const a = await runTask(s, s.sb.baseRef, 'a', (root) => {
      write(root, 'both.txt', 'added by A\n');
      fs.rmSync(path.join(root, 'del.txt'));
      write(root, 'img.bin', Buffer.from([0, 0xaa]));
    });
    const b = await runTask(s, s.sb.baseRef, 'b', (root) => {
      write(root, 'both.txt', 'added by B\n');
      write(root, 'del.txt', 'modified by B\n');
      write(root, 'img.bin', Buffer.from([0, 0xbb]));
    });
    const r = await s.it.merge(a.commit, b.commit, 'merge b', { theirs: 'task b' });
    assert.equal(r.clean, false);
    if (r.clean) return;
    const byPath = Object.fromEntries(r.conflicts.map((c) => [c.path, c]));
    assert.deepEqual(Object.keys(byPath), ['both.txt', 'del.txt', 'img.bin']);
    assert.deepEqual(byPath['both.txt'], {
      path: 'both.txt', base: null, ours: 'added by A\n', theirs: 'added by B\n',
      merged: '<<<<<<< integrated\nadded by A\n=======\nadded by B\n>>>>>>> task b\n',
    });
    // git keeps the modified side of a modify/delete in the tree.
    assert.deepEqual(byPath['del.txt'], { path: 'del.txt', base: 'to delete\n', ours: null, theirs: 'modified by B\n', merged: 'modified by B\n' });
    assert.equal(byPath['img.bin'].binary, true);
    // Both sides stay reachable as parents of the conflict commit.
    assert.deepEqual(parents(s, r.ref), [a.commit, b.commit]);
    assert.deepEqual(Buffer.from((await s.it.readFileBytes(b.commit, 'img.bin')) ?? []), Buffer.from([0, 0xbb]));
  } finally {
    await s.cleanup();
  }
});

test("git: the user's repository (status, index, HEAD, branches, stash, files) is untouched; dispose deletes refs and task worktrees", async () => {
  const s = await setup('git');
  const repo = s.ws;
  git(repo, 'branch', 'feature');
  write(repo, 'a.txt', 'stashed edit\n');
  git(repo, 'stash', 'push', '-q', '--', 'a.txt');
  const state = () => ({
    status: git(repo, 'status', '--porcelain'),
    index: fs.readFileSync(path.join(repo, '.git', 'index')).toString('base64'),
    head: git(repo, 'rev-parse', 'HEAD'),
    symbolic: git(repo, 'symbolic-ref', 'HEAD'),
    branches: git(repo, 'for-each-ref', 'refs/heads', 'refs/tags'),
    stash: git(repo, 'stash', 'list'),
    files: ['a.txt', 'b.txt', 'lib/c.txt', 'del.txt', 'untracked.txt'].map((f) => read(repo, f)),
  });
  const before = state();
  try {
    const a = await runTask(s, s.sb.baseRef, 'a', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 3\n', 'A\n')));
    const b = await runTask(s, s.sb.baseRef, 'b', (root) => write(root, 'a.txt', read(root, 'a.txt').replace('line 3\n', 'B\n')));
    const r = await s.it.merge(a.commit, b.commit, 'conflict');
    assert.equal(r.clean, false);
    const leftover = await s.it.createTaskWorktree(r.ref, s.dir('leftover'));
    assert.ok(git(repo, 'for-each-ref', 'refs/taskforce').includes(r.ref), 'commits are kept reachable by refs');
    assert.deepEqual(state(), before);
    await a.task.dispose();
    await s.it.dispose();
    assert.equal(git(repo, 'for-each-ref', 'refs/taskforce').trim(), '');
    assert.ok(!git(repo, 'worktree', 'list', '--porcelain').includes(`worktree ${leftover.dir}\n`), 'registered task worktrees are removed');
    assert.ok(!git(repo, 'worktree', 'list', '--porcelain').includes(`worktree ${b.task.dir}\n`));
    assert.deepEqual(state(), before);
  } finally {
    await s.cleanup();
  }
});

test('git: a task worktree left by a previous process is removed by a new Integrator of the same sandbox', async () => {
  const s = await setup('git');
  try {
    const old = await s.it.createTaskWorktree(s.sb.baseRef, s.dir('old'));
    const again = await Integrator.for(s.sb); // E.g. after a server restart.
    await again.dispose();
    assert.ok(!git(s.ws, 'worktree', 'list', '--porcelain').includes(`worktree ${old.dir}\n`));
    assert.ok(!fs.existsSync(old.dir));
    assert.equal(read(s.ws, 'node_modules/dep/index.js'), 'module.exports = 1;\n');
  } finally {
    await s.cleanup();
  }
});

test('git, workspace in a subfolder: task root is the same subfolder; changes and conflicts use workspace-relative paths', async () => {
  const s = await setup('git', 'packages/app');
  try {
    const a = await runTask(s, s.sb.baseRef, 'a', (root) => write(root, 'b.txt', 'A\n'));
    const b = await runTask(s, s.sb.baseRef, 'b', (root) => {
      write(root, 'b.txt', 'B\n');
      write(root, 'lib/c.txt', 'gamma by B\n');
    });
    assert.equal(a.task.root, path.join(a.task.dir, 'packages', 'app'));
    assert.equal(read(a.task.root, 'lib/c.txt'), 'gamma\n');
    assert.ok(fs.lstatSync(path.join(a.task.root, 'node_modules')).isSymbolicLink());
    const r = await s.it.merge(a.commit, b.commit, 'merge b');
    assert.equal(r.clean, false);
    if (r.clean) return;
    assert.deepEqual(r.conflicts.map((c) => [c.path, c.base, c.ours, c.theirs]), [['b.txt', 'beta (uncommitted)\n', 'A\n', 'B\n']]);
    const changes = await s.it.changesBetween(s.sb.baseRef, b.commit);
    assert.deepEqual(changes.map((c) => [c.path, c.kind, c.proposedContent]), [['b.txt', 'modify', 'B\n'], ['lib/c.txt', 'modify', 'gamma by B\n']]);
    assert.equal(await s.it.readFile(b.commit, 'lib/c.txt'), 'gamma by B\n');
    assert.equal(await s.it.readFile(b.commit, 'missing.txt'), null);
  } finally {
    await s.cleanup();
  }
});
