import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createSandbox, openSandbox } from '../../server/sandbox/sandbox';
import type { ProposedChange } from '../../server/changes/changes';

/** Environment without variables that would point git elsewhere (e.g. when run from a hook). */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^GIT_(DIR|WORK_TREE|INDEX_FILE|PREFIX|COMMON_DIR|OBJECT_DIRECTORY)$/.test(k)));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgSign=false', ...args], {
    cwd, env, encoding: 'utf8',
  });
}

function tmp(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `taskforce-${label}-`));
}

function write(root: string, rel: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

/** Every file under `root` except .git, path → bytes (base64), symlinks as `-> target`. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(path.join(root, r))}`;
      else if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(path.join(root, r)).toString('base64');
    }
  };
  walk('');
  return out;
}

function byPath(changes: ProposedChange[]): Record<string, ProposedChange> {
  return Object.fromEntries(changes.map((c) => [c.path, c]));
}

/** A repo with committed, modified (staged and unstaged), untracked, ignored files and node_modules. */
function makeRepo(dir: string): void {
  git(dir, 'init', '-q');
  write(dir, '.gitignore', '*.log\nnode_modules/\n');
  write(dir, 'a.txt', 'alpha\n');
  write(dir, 'b.txt', 'beta\n');
  write(dir, 'c.txt', 'gamma\n');
  write(dir, 'del.txt', 'to delete\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  write(dir, 'b.txt', 'beta modified\n');
  write(dir, 'c.txt', 'gamma staged\n');
  git(dir, 'add', 'c.txt');
  write(dir, 'new.txt', 'untracked\n');
  write(dir, 'debug.log', 'ignored\n');
  write(dir, 'node_modules/dep/index.js', 'module.exports = 1;\n');
}

test('git repo: sandbox has uncommitted and untracked files, not ignored ones; user state untouched; changes() reports edits', async () => {
  const base = tmp('git');
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  makeRepo(ws);
  const statusBefore = git(ws, 'status', '--porcelain');
  const stagedBefore = git(ws, 'ls-files', '--stage');
  const stashBefore = git(ws, 'stash', 'list');
  const indexBefore = fs.readFileSync(path.join(ws, '.git', 'index'));
  const filesBefore = tree(ws);
  try {
    const sb = await createSandbox(ws, path.join(base, 'sandboxes', 'm1'));
    assert.equal(sb.kind, 'git-worktree');
    assert.match(sb.baseRef, /^[0-9a-f]{40}$/);
    assert.equal(git(ws, 'rev-parse', `${sb.baseRef}^`).trim(), git(ws, 'rev-parse', 'HEAD').trim());
    assert.equal(fs.readFileSync(path.join(sb.root, 'b.txt'), 'utf8'), 'beta modified\n');
    assert.equal(fs.readFileSync(path.join(sb.root, 'c.txt'), 'utf8'), 'gamma staged\n');
    assert.equal(fs.readFileSync(path.join(sb.root, 'new.txt'), 'utf8'), 'untracked\n');
    assert.equal(fs.existsSync(path.join(sb.root, 'debug.log')), false);
    assert.ok(fs.lstatSync(path.join(sb.root, 'node_modules')).isSymbolicLink());
    assert.equal(fs.readFileSync(path.join(sb.root, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 1;\n');
    assert.deepEqual(await sb.changes(), []);

    write(sb.root, 'a.txt', 'alpha edited\n');
    write(sb.root, 'new.txt', 'untracked edited\n');
    write(sb.root, 'src/x.ts', 'export const x = 1;\n');
    write(sb.root, 'img.bin', Buffer.from([0x89, 0x50, 0x00, 0x01]));
    write(sb.root, 'out.log', 'ignored in the sandbox too\n');
    fs.rmSync(path.join(sb.root, 'del.txt'));
    const changes = byPath(await sb.changes());
    assert.deepEqual(Object.keys(changes).sort(), ['a.txt', 'del.txt', 'img.bin', 'new.txt', 'src/x.ts']);
    assert.deepEqual(changes['a.txt'], { path: 'a.txt', kind: 'modify', baseContent: 'alpha\n', proposedContent: 'alpha edited\n' });
    assert.deepEqual(changes['new.txt'], { path: 'new.txt', kind: 'modify', baseContent: 'untracked\n', proposedContent: 'untracked edited\n' });
    assert.deepEqual(changes['src/x.ts'], { path: 'src/x.ts', kind: 'add', baseContent: null, proposedContent: 'export const x = 1;\n' });
    assert.deepEqual(changes['del.txt'], { path: 'del.txt', kind: 'delete', baseContent: 'to delete\n', proposedContent: null });
    assert.deepEqual(changes['img.bin'], { path: 'img.bin', kind: 'add', baseContent: null, proposedContent: null, binary: true });

    const reopened = await openSandbox(ws, path.join(base, 'sandboxes', 'm1'));
    assert.equal(reopened.baseRef, sb.baseRef);
    assert.deepEqual(byPath(await reopened.changes()), changes);

    await sb.dispose();
    // The user's working tree, index, status and stash list are exactly as before.
    assert.deepEqual(tree(ws), filesBefore);
    assert.deepEqual(fs.readFileSync(path.join(ws, '.git', 'index')), indexBefore);
    assert.equal(git(ws, 'status', '--porcelain'), statusBefore);
    assert.equal(git(ws, 'ls-files', '--stage'), stagedBefore);
    assert.equal(git(ws, 'stash', 'list'), stashBefore);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('git repo: dispose() removes the worktree and keeps the linked node_modules', async () => {
  const base = tmp('dispose');
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  makeRepo(ws);
  try {
    const dir = path.join(base, 'sb');
    const sb = await createSandbox(ws, dir);
    const realDir = fs.realpathSync(dir);
    assert.ok(git(ws, 'worktree', 'list', '--porcelain').includes(`worktree ${realDir}\n`));
    await sb.dispose();
    assert.ok(!git(ws, 'worktree', 'list', '--porcelain').includes(realDir));
    assert.equal(fs.existsSync(dir), false);
    assert.equal(fs.readFileSync(path.join(ws, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 1;\n');
    await sb.dispose(); // Idempotent.
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('git repo: a workspace in a subfolder maps to the same subfolder, with workspace-relative paths', async () => {
  const base = tmp('subdir');
  const repo = path.join(base, 'repo');
  write(repo, 'top.txt', 'top\n');
  write(repo, '.gitignore', 'node_modules\n'); // No trailing slash: it also matches the link.
  write(repo, 'pkg/lib.js', 'one\n');
  git(repo, 'init', '-q');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'init');
  write(repo, 'pkg/lib.js', 'one dirty\n');
  write(repo, 'pkg/node_modules/dep/index.js', 'dep\n');
  try {
    const sb = await createSandbox(path.join(repo, 'pkg'), path.join(base, 'sb'));
    assert.equal(sb.root, path.join(base, 'sb', 'pkg'));
    assert.equal(fs.readFileSync(path.join(sb.root, 'lib.js'), 'utf8'), 'one dirty\n');
    assert.deepEqual(sb.links, ['node_modules']);
    assert.ok(fs.lstatSync(path.join(sb.root, 'node_modules')).isSymbolicLink());
    write(sb.root, 'lib.js', 'two\n');
    write(sb.root, 'sub/new.js', 'n\n');
    assert.deepEqual(await sb.changes(), [
      { path: 'lib.js', kind: 'modify', baseContent: 'one dirty\n', proposedContent: 'two\n' },
      { path: 'sub/new.js', kind: 'add', baseContent: null, proposedContent: 'n\n' },
    ]);
    await sb.dispose();
    assert.equal(fs.readFileSync(path.join(repo, 'pkg/lib.js'), 'utf8'), 'one dirty\n');
    assert.equal(fs.readFileSync(path.join(repo, 'pkg/node_modules/dep/index.js'), 'utf8'), 'dep\n');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('git repo without commits: the snapshot holds the untracked files and has no parent', async () => {
  const base = tmp('nohead');
  const ws = path.join(base, 'ws');
  write(ws, 'readme.md', '# hi\n');
  git(ws, 'init', '-q');
  try {
    const sb = await createSandbox(ws, path.join(base, 'sb'));
    assert.equal(sb.kind, 'git-worktree');
    assert.equal(git(ws, 'rev-list', '--parents', '-n', '1', sb.baseRef).trim(), sb.baseRef);
    assert.equal(fs.readFileSync(path.join(sb.root, 'readme.md'), 'utf8'), '# hi\n');
    write(sb.root, 'readme.md', '# hello\n');
    assert.deepEqual(await sb.changes(), [{ path: 'readme.md', kind: 'modify', baseContent: '# hi\n', proposedContent: '# hello\n' }]);
    await sb.dispose();
    assert.equal(git(ws, 'status', '--porcelain'), '?? readme.md\n');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('non-git folder: copy honours nested .gitignore files, links node_modules, and changes() works', async () => {
  const base = tmp('copy');
  const ws = path.join(base, 'ws');
  write(ws, '.gitignore', '*.log\nbuild/\n');
  write(ws, 'main.py', 'print(1)\n');
  write(ws, 'gone.py', 'x = 1\n');
  write(ws, 'app.log', 'ignored\n');
  write(ws, 'build/out.js', 'ignored\n');
  write(ws, 'sub/.gitignore', 'secret.txt\n!keep.log\n');
  write(ws, 'sub/secret.txt', 'ignored\n');
  write(ws, 'sub/keep.log', 'kept by a nested negation\n');
  write(ws, 'sub/code.py', 'pass\n');
  write(ws, 'node_modules/dep/index.js', 'module.exports = 1;\n');
  const filesBefore = tree(ws);
  try {
    const sb = await createSandbox(ws, path.join(base, 'sb'));
    assert.equal(sb.kind, 'copy');
    assert.equal(sb.root, path.join(base, 'sb'));
    assert.match(sb.baseRef, /^[0-9a-f]{40}$/);
    assert.ok(fs.lstatSync(path.join(sb.root, 'node_modules')).isSymbolicLink());
    assert.equal(fs.realpathSync(path.join(sb.root, 'node_modules')), fs.realpathSync(path.join(ws, 'node_modules')));
    assert.deepEqual(Object.keys(tree(sb.root)).sort(), [
      '.gitignore', 'gone.py', 'main.py', 'node_modules', 'sub/.gitignore', 'sub/code.py', 'sub/keep.log',
    ]);
    assert.deepEqual(await sb.changes(), []);

    write(sb.root, 'main.py', 'print(2)\n');
    write(sb.root, 'lib/util.py', 'def f(): pass\n');
    write(sb.root, 'new.log', 'ignored\n');
    fs.rmSync(path.join(sb.root, 'gone.py'));
    assert.deepEqual(await sb.changes(), [
      { path: 'gone.py', kind: 'delete', baseContent: 'x = 1\n', proposedContent: null },
      { path: 'lib/util.py', kind: 'add', baseContent: null, proposedContent: 'def f(): pass\n' },
      { path: 'main.py', kind: 'modify', baseContent: 'print(1)\n', proposedContent: 'print(2)\n' },
    ]);
    await sb.dispose();
    assert.equal(fs.existsSync(path.join(base, 'sb')), false);
    assert.deepEqual(tree(ws), filesBefore);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('GIT_DIR and GIT_INDEX_FILE inherited from the environment (e.g. a git hook) are ignored', async () => {
  const base = tmp('env');
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  makeRepo(ws);
  const other = path.join(base, 'other');
  fs.mkdirSync(other);
  git(other, 'init', '-q');
  const saved = { dir: process.env.GIT_DIR, index: process.env.GIT_INDEX_FILE };
  process.env.GIT_DIR = path.join(other, '.git');
  process.env.GIT_INDEX_FILE = path.join(other, '.git', 'index');
  try {
    const sb = await createSandbox(ws, path.join(base, 'sb'));
    write(sb.root, 'a.txt', 'changed\n');
    const [a, ...rest] = await sb.changes();
    assert.deepEqual(a, { path: 'a.txt', kind: 'modify', baseContent: 'alpha\n', proposedContent: 'changed\n' });
    assert.equal(rest.length, 0);
    await Promise.all([sb.changes(), sb.changes()]); // Serialized: no index.lock collision.
    await sb.dispose();
    assert.equal(fs.existsSync(path.join(other, '.git', 'index')), false);
  } finally {
    if (saved.dir === undefined) delete process.env.GIT_DIR; else process.env.GIT_DIR = saved.dir;
    if (saved.index === undefined) delete process.env.GIT_INDEX_FILE; else process.env.GIT_INDEX_FILE = saved.index;
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('CRLF files keep their bytes in base and proposal', async () => {
  const base = tmp('crlf');
  const ws = path.join(base, 'ws');
  write(ws, 'win.txt', 'one\r\ntwo\r\n');
  try {
    const sb = await createSandbox(ws, path.join(base, 'sb'));
    write(sb.root, 'win.txt', 'one\r\nTWO\r\n');
    assert.deepEqual(await sb.changes(), [{ path: 'win.txt', kind: 'modify', baseContent: 'one\r\ntwo\r\n', proposedContent: 'one\r\nTWO\r\n' }]);
    await sb.dispose();
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('errors name the failing git command and its stderr; a sandbox inside the workspace is refused', async () => {
  const base = tmp('errors');
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  makeRepo(ws);
  try {
    await assert.rejects(createSandbox(ws, path.join(ws, 'inside')), /must not be inside the workspace/);
    const blocker = path.join(base, 'file');
    fs.writeFileSync(blocker, 'not a folder');
    await assert.rejects(createSandbox(ws, blocker), /exists and is not a folder/);
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'not a folder');
    const notEmpty = path.join(base, 'full');
    write(notEmpty, 'keep.txt', 'mine\n');
    await assert.rejects(createSandbox(ws, notEmpty), /is not empty/);
    assert.equal(fs.readFileSync(path.join(notEmpty, 'keep.txt'), 'utf8'), 'mine\n');
    // A corrupt index makes the snapshot's `git add` fail: the error names the command and
    // quotes git's stderr, the user's index is left as it was, and no sandbox remains.
    const indexPath = path.join(ws, '.git', 'index');
    fs.writeFileSync(indexPath, 'garbage');
    const target = path.join(base, 'sb');
    await assert.rejects(createSandbox(ws, target), (err: Error) => {
      assert.equal(err.name, 'GitError');
      assert.match(err.message, /^git add -A -- :\/ failed \(exit \d+\) in .*: .*index/s);
      return true;
    });
    assert.equal(fs.readFileSync(indexPath, 'utf8'), 'garbage');
    assert.equal(fs.existsSync(target), false);
    await assert.rejects(openSandbox(ws, path.join(base, 'missing')), /No Taskforce sandbox/);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
