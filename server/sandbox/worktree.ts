/**
 * Git-repository sandboxes: a commit that snapshots the user's working state, checked out
 * as a detached `git worktree`.
 *
 * Why not `git stash create`: it records tracked changes only, so untracked files (new
 * files the user has not added yet) would be missing from the sandbox, and agents would
 * not see what the user sees. Instead we build the snapshot with a temporary index
 * (GIT_INDEX_FILE pointing at a private file): seed it from the user's index (or HEAD),
 * `git add -A` (tracked + untracked, minus ignored), `git write-tree`, `git commit-tree`.
 * Only new objects are written to the object store; the user's index, working tree, refs
 * and stash list are never touched.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { git, NO_HOOKS, splitNul, TASKFORCE_IDENTITY } from './git';

/** Where `workspaceRoot` sits in its git repository. */
export interface RepoLocation {
  /** Absolute path of the repository's top-level work tree. */
  toplevel: string;
  /** Path of workspaceRoot relative to toplevel, forward slashes, '' at the top, else ending in '/'. */
  prefix: string;
}

/** Dependency folder names linked into sandboxes when present and ignored. */
export const DEPENDENCY_DIRS: ReadonlySet<string> = new Set(['node_modules', '.venv', 'venv', 'vendor']);

/**
 * Finds the git work tree containing `workspaceRoot`, or null when it is not inside one
 * (no repository, a bare repository, or inside a `.git` folder).
 */
export async function locateRepo(workspaceRoot: string): Promise<RepoLocation | null> {
  let inside: string;
  try {
    inside = await git(['rev-parse', '--is-inside-work-tree'], { cwd: workspaceRoot });
  } catch {
    return null; // Not a repository (or git missing: the copy path reports that later).
  }
  if (inside !== 'true') return null;
  const out = await git(['rev-parse', '--show-toplevel', '--show-prefix'], { cwd: workspaceRoot });
  const [toplevel, prefix = ''] = out.split('\n');
  return { toplevel, prefix };
}

/**
 * Makes a commit of the working state of the repository at `toplevel`: HEAD plus staged,
 * unstaged and untracked (non-ignored) changes. Its parent is HEAD, or none in a
 * repository without commits. Returns the commit id (40 hex digits).
 * @throws {GitError} if a git command fails.
 */
export async function snapshotWorkingState(toplevel: string): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'taskforce-index-'));
  const indexFile = path.join(tmp, 'index');
  const env = { GIT_INDEX_FILE: indexFile };
  try {
    const head = await resolveHead(toplevel);
    // Seeding from a copy of the user's index keeps its stat cache (so `add -A` does not
    // rehash every file of a large repository) and its force-added and skip-worktree
    // entries. Without an index, start from HEAD's tree, or empty in a fresh repository.
    const userIndex = path.resolve(toplevel, await git(['rev-parse', '--git-path', 'index'], { cwd: toplevel }));
    if (await copyIfExists(userIndex, indexFile)) {
      // The copied index is used as-is.
    } else if (head) {
      await git(['read-tree', head], { cwd: toplevel, env });
    } else {
      await git(['read-tree', '--empty'], { cwd: toplevel, env });
    }
    await git(['add', '-A', '--', ':/'], { cwd: toplevel, env });
    const tree = await git(['write-tree'], { cwd: toplevel, env });
    const parents = head ? ['-p', head] : [];
    return await git(
      [...TASKFORCE_IDENTITY, 'commit-tree', '--no-gpg-sign', tree, ...parents, '-m', 'Taskforce sandbox snapshot'],
      { cwd: toplevel },
    );
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The commit HEAD points at, or null in a repository without commits. */
async function resolveHead(cwd: string): Promise<string | null> {
  const out = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd, okExitCodes: [1] });
  return out.length > 0 ? out : null;
}

async function copyIfExists(from: string, to: string): Promise<boolean> {
  try {
    await fs.copyFile(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Checks out `commit` as a detached worktree at `dir` (hooks disabled).
 * @throws {GitError} if `git worktree add` fails (e.g. `dir` exists and is not empty).
 */
export async function addWorktree(toplevel: string, dir: string, commit: string): Promise<void> {
  await git([...NO_HOOKS, 'worktree', 'add', '--detach', dir, commit], { cwd: toplevel });
}

/**
 * Removes the worktree at `dir` (`git worktree remove --force`, then `git worktree prune`).
 * Tolerates a worktree that is already gone.
 * @throws {GitError} if pruning fails.
 */
export async function removeWorktree(toplevel: string, dir: string): Promise<void> {
  try {
    await git(['worktree', 'remove', '--force', '--force', dir], { cwd: toplevel });
  } catch {
    // Already removed or never registered; the folder is deleted by the caller and
    // prune drops the registration.
  }
  await fs.rm(dir, { recursive: true, force: true });
  await git(['worktree', 'prune'], { cwd: toplevel });
}

/**
 * Lists ignored dependency folders (see {@link DEPENDENCY_DIRS}) under `workspaceRoot`,
 * at any depth, as workspace-relative paths with forward slashes. Uses
 * `git ls-files --others --ignored --exclude-standard --directory`, which reports an
 * ignored folder once without descending into it.
 * @throws {GitError} if git fails.
 */
export async function ignoredDependencyDirs(workspaceRoot: string): Promise<string[]> {
  const out = await git(
    ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'],
    { cwd: workspaceRoot },
  );
  const found: string[] = [];
  for (const entry of splitNul(out)) {
    if (!entry.endsWith('/')) continue;
    const rel = entry.slice(0, -1);
    if (DEPENDENCY_DIRS.has(path.posix.basename(rel))) found.push(rel);
  }
  return found;
}
