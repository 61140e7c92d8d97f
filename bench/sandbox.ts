/**
 * Sandbox figures for `npm run bench` (bench/run.ts prints them as `sandbox_create_ms`):
 * what a mission pays at start to get its sandbox on a 5,000-file git repository, and what
 * each parallel task pays for its own worktree.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createSandbox } from '../server/sandbox/sandbox';
import { Integrator } from '../server/sandbox/integration';

/** Result of {@link sandboxCreateMs}; times in milliseconds. */
export interface SandboxBench {
  /** Median wall time of `createSandbox` (the mission sandbox) over {@link RUNS} runs. */
  median: number;
  /** Tracked files in the benchmark repository. */
  files: number;
  /** Median wall time of `Integrator.createTaskWorktree` (a task's own worktree). */
  taskWorktreeMs: number;
}

const DIRS = 50;
const FILES_PER_DIR = 100;
const RUNS = 5;

/** Environment without variables that would point git at another repository. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^GIT_(DIR|WORK_TREE|INDEX_FILE|PREFIX|COMMON_DIR|OBJECT_DIRECTORY)$/.test(k)));

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgSign=false', ...args], { cwd, env, stdio: 'ignore' });
}

/**
 * A git repository of DIRS × FILES_PER_DIR small committed text files, plus 3 uncommitted
 * edits (one staged), 2 untracked files and an ignored node_modules.
 */
function buildRepo(ws: string): number {
  fs.mkdirSync(ws, { recursive: true });
  git(ws, 'init', '-q');
  fs.writeFileSync(path.join(ws, '.gitignore'), 'node_modules/\n');
  let files = 1;
  for (let d = 0; d < DIRS; d++) {
    const dir = path.join(ws, `dir${d}`);
    fs.mkdirSync(dir);
    for (let f = 0; f < FILES_PER_DIR; f++) {
      fs.writeFileSync(path.join(dir, `file${f}.txt`), `dir ${d} file ${f}\n${'x'.repeat(64)}\n`);
      files++;
    }
  }
  fs.mkdirSync(path.join(ws, 'node_modules', 'dep'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'bench');
  fs.appendFileSync(path.join(ws, 'dir0', 'file0.txt'), 'edit\n');
  fs.appendFileSync(path.join(ws, 'dir1', 'file1.txt'), 'edit\n');
  fs.appendFileSync(path.join(ws, 'dir2', 'file2.txt'), 'staged edit\n');
  git(ws, 'add', 'dir2/file2.txt');
  fs.writeFileSync(path.join(ws, 'dir3', 'new.txt'), 'untracked\n');
  fs.writeFileSync(path.join(ws, 'untracked.txt'), 'untracked\n');
  return files;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10;
};

/**
 * Builds the repository once in a temporary folder, then times {@link RUNS} mission
 * sandbox creations (each disposed) and {@link RUNS} task worktree creations on one of them.
 * Removes everything it created.
 * @throws {GitError} or filesystem errors if the setup fails.
 */
export async function sandboxCreateMs(): Promise<SandboxBench> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'taskforce-bench-sandbox-'));
  try {
    const ws = path.join(base, 'ws');
    const files = buildRepo(ws);
    // Like a user's repository: the index was written a while after the files changed, so
    // git's stat cache is trusted (no "racily clean" entries that must be re-hashed).
    await new Promise((r) => setTimeout(r, 1100));
    git(ws, 'update-index', '-q', '--refresh');
    const create: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const sb = await createSandbox(ws, path.join(base, `sb${i}`));
      create.push(performance.now() - t0);
      await sb.dispose();
    }
    const sb = await createSandbox(ws, path.join(base, 'mission'));
    const it = await Integrator.for(sb);
    const task: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const wt = await it.createTaskWorktree(sb.baseRef, path.join(base, 'tasks', `t${i}`));
        task.push(performance.now() - t0);
        await wt.dispose();
      }
    } finally {
      await it.dispose();
      await sb.dispose();
    }
    return { median: median(create), files, taskWorktreeMs: median(task) };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

if (require.main === module) {
  sandboxCreateMs().then((r) => console.log(JSON.stringify(r)), (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
