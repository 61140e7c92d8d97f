/**
 * Mission sandboxes (see ../../shared/design.md "Sandboxes and changes"). Agents never touch
 * the user's files: they work in a sandbox, and what differs from the base at the end
 * becomes the proposed changes.
 *
 * - In a git repository the sandbox is a detached `git worktree` of a snapshot commit of
 *   the user's working state (HEAD + uncommitted + untracked, see ./worktree.ts).
 * - Otherwise it is a copy honouring .gitignore (see ./copy.ts) with a private git
 *   repository whose first commit is the base, so both kinds diff the same way.
 *
 * Large ignored dependency folders (node_modules, ...) are symlinked to the user's, so
 * `npm test` works; they are excluded from changes. Writing through such a link does
 * modify the user's folder: that is the price of not copying them.
 *
 * Metadata lives in `<sandbox git dir>/taskforce-sandbox.json` (the worktree's private git
 * dir, or the private repository's `.git`), never in the sandbox's files.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ChangeKind } from '../../protocol/protocol';
import type { ProposedChange } from '../changes/changes';
import { copyWorkspace } from './copy';
import { git, gitBytes, splitNul, TASKFORCE_IDENTITY } from './git';
import {
  addWorktree, ignoredDependencyDirs, locateRepo, removeWorktree, snapshotWorkingState, type RepoLocation,
} from './worktree';

export type SandboxKind = 'git-worktree' | 'copy';

/** A mission's sandbox. */
export interface Sandbox {
  /** Absolute path where agents work: the counterpart of the user's workspace root. */
  readonly root: string;
  readonly kind: SandboxKind;
  /** Commit id (40 hex digits) of the base the agents started from. */
  readonly baseRef: string;
  /** Absolute path of the user's workspace root the sandbox was made from. */
  readonly workspaceRoot: string;
  /** Root-relative paths (forward slashes) symlinked to the user's dependency folders. */
  readonly links: readonly string[];
  /**
   * What differs between the base and the sandbox's current files, sorted by path.
   * Stages everything in the sandbox's own index (never the user's). Files whose content
   * is unchanged (mode-only changes) and submodule entries are left out.
   * @throws {GitError} if git fails.
   */
  changes(): Promise<ProposedChange[]>;
  /**
   * Removes the sandbox (for git: `git worktree remove --force` + `git worktree prune`).
   * Links are unlinked first, so the user's dependency folders are never deleted. Idempotent.
   */
  dispose(): Promise<void>;
}

/** What is stored in the sandbox's git dir so {@link openSandbox} can reattach. */
interface SandboxMeta {
  version: 1;
  kind: SandboxKind;
  baseRef: string;
  workspaceRoot: string;
  /** Git mode: the user's repository top level. */
  toplevel?: string;
  /** Path of the root inside the sandbox dir ('' or ending in '/'). */
  prefix: string;
  links: string[];
}

const META_FILE = 'taskforce-sandbox.json';

/**
 * Creates a sandbox of `workspaceRoot` at `sandboxDir` (must not exist, or be empty, and must
 * not be inside `workspaceRoot`). The user's files, index, refs and stash are not modified.
 * @throws {Error} if `sandboxDir` is inside the workspace, not a folder, or not empty.
 *   On any failure after that check, whatever was created at `sandboxDir` is removed.
 * @throws {GitError} if a git command fails (the message names the command and its stderr).
 */
export async function createSandbox(workspaceRoot: string, sandboxDir: string): Promise<Sandbox> {
  const ws = await fs.realpath(path.resolve(workspaceRoot));
  const dir = path.resolve(sandboxDir);
  await assertUsableDir(ws, dir);
  const repo = await locateRepo(ws);
  try {
    return await populate(ws, dir, repo);
  } catch (err) {
    // Leave nothing half-made behind. `dir` was checked to be absent or empty, and fs.rm
    // unlinks symlinks without following them.
    if (repo) await removeWorktree(repo.toplevel, dir).catch(() => undefined);
    else await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

async function populate(ws: string, dir: string, repo: RepoLocation | null): Promise<Sandbox> {
  let meta: SandboxMeta;
  if (repo) {
    const baseRef = await snapshotWorkingState(repo.toplevel);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await addWorktree(repo.toplevel, dir, baseRef);
    const root = path.join(dir, ...repo.prefix.split('/').filter(Boolean));
    const links: string[] = [];
    for (const rel of await ignoredDependencyDirs(ws)) {
      const at = path.join(root, rel);
      if ((await exists(path.dirname(at))) && !(await exists(at))) {
        await fs.symlink(path.join(ws, rel), at, 'dir');
        links.push(rel);
      }
    }
    meta = { version: 1, kind: 'git-worktree', baseRef, workspaceRoot: ws, toplevel: repo.toplevel, prefix: repo.prefix, links };
  } else {
    await fs.mkdir(dir, { recursive: true });
    const { links } = await copyWorkspace(ws, dir);
    const baseRef = await initPrivateRepo(dir, links);
    meta = { version: 1, kind: 'copy', baseRef, workspaceRoot: ws, prefix: '', links };
  }
  await fs.writeFile(path.join(await gitDirOf(dir), META_FILE), JSON.stringify(meta, null, 2));
  return sandboxFrom(dir, meta);
}

/**
 * Reattaches to a sandbox made by {@link createSandbox} (e.g. after a server restart).
 * @throws {Error} if `sandboxDir` holds no Taskforce sandbox or one of another workspace.
 */
export async function openSandbox(workspaceRoot: string, sandboxDir: string): Promise<Sandbox> {
  const dir = path.resolve(sandboxDir);
  let meta: SandboxMeta;
  try {
    meta = JSON.parse(await fs.readFile(path.join(await gitDirOf(dir), META_FILE), 'utf8')) as SandboxMeta;
  } catch (err) {
    throw new Error(`No Taskforce sandbox at ${dir}: ${(err as Error).message}`);
  }
  const ws = await fs.realpath(path.resolve(workspaceRoot));
  if (meta.version !== 1 || meta.workspaceRoot !== ws) {
    throw new Error(`The sandbox at ${dir} belongs to ${meta.workspaceRoot}, not ${ws}`);
  }
  return sandboxFrom(dir, meta);
}

function sandboxFrom(dir: string, meta: SandboxMeta): Sandbox {
  const root = path.join(dir, ...meta.prefix.split('/').filter(Boolean));
  // changes() and dispose() use the sandbox's index: run them one at a time so concurrent
  // calls do not collide on its index.lock.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    root,
    kind: meta.kind,
    baseRef: meta.baseRef,
    workspaceRoot: meta.workspaceRoot,
    links: meta.links,
    changes: () => serial(() => listChanges(root, meta)),
    dispose: () => serial(() => disposeSandbox(dir, root, meta)),
  };
}

/** `git init` in the copy, commit it as the base, return the commit id. */
async function initPrivateRepo(dir: string, links: readonly string[]): Promise<string> {
  await git(['init', '-q'], { cwd: dir });
  // Byte-exact: no line-ending conversion, and the user's global excludes file must not
  // hide copied files from the base.
  await git(['config', 'core.autocrlf', 'false'], { cwd: dir });
  await git(['config', 'core.excludesFile', path.join(dir, '.git', 'info', 'exclude')], { cwd: dir });
  await fs.mkdir(path.join(dir, '.git', 'info'), { recursive: true });
  const exclude = links.map((l) => `/${escapeGitignore(l)}\n`).join('');
  await fs.appendFile(path.join(dir, '.git', 'info', 'exclude'), `# Taskforce: linked dependency folders\n${exclude}`);
  await git(['add', '-A'], { cwd: dir });
  const tree = await git(['write-tree'], { cwd: dir });
  const commit = await git([...TASKFORCE_IDENTITY, 'commit-tree', '--no-gpg-sign', tree, '-m', 'Taskforce sandbox base'], { cwd: dir });
  await git(['update-ref', 'HEAD', commit], { cwd: dir });
  return commit;
}

/** One entry of `git diff --raw -z`. */
export interface RawEntry {
  oldMode: string;
  newMode: string;
  status: string;
  path: string;
}

/** Git tree modes of symlinks and submodules (gitlinks). */
export const SYMLINK_MODE = '120000';
export const GITLINK_MODE = '160000';

async function listChanges(root: string, meta: SandboxMeta): Promise<ProposedChange[]> {
  await git(['add', '-A', '--', '.'], { cwd: root });
  if (meta.links.length > 0) {
    // Take the dependency links back out of the index. (An exclude pathspec on `add` would
    // fail with "paths are ignored" whenever a link is also matched by a .gitignore.)
    const literal = meta.links.map((l) => `:(literal)${l}`);
    await git(['rm', '-r', '--cached', '-q', '--ignore-unmatch', '--', ...literal], { cwd: root });
  }
  // `--raw` is `--name-status` plus modes, which tell symlinks and submodules apart;
  // `--relative` limits the diff to the workspace subfolder and makes paths relative to it.
  const out = await git(
    ['diff', '--cached', '--raw', '-z', '--no-renames', '--relative', '--no-ext-diff', meta.baseRef, '--'],
    { cwd: root },
  );
  const result: ProposedChange[] = [];
  for (const entry of parseRaw(out)) {
    if (entry.oldMode === GITLINK_MODE || entry.newMode === GITLINK_MODE) continue;
    const change = await readChange(root, meta, entry);
    if (change) result.push(change);
  }
  return result.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Parses `:oldmode newmode oldsha newsha status\0path\0` records (`--raw -z` output). */
export function parseRaw(out: string): RawEntry[] {
  const fields = splitNul(out);
  const entries: RawEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode, newMode, , , status] = fields[i].slice(1).split(' ');
    entries.push({ oldMode, newMode, status, path: fields[i + 1] });
  }
  return entries;
}

async function readChange(root: string, meta: SandboxMeta, e: RawEntry): Promise<ProposedChange | null> {
  const kind: ChangeKind = e.status === 'A' ? 'add' : e.status === 'D' ? 'delete' : 'modify';
  // Base as it was on disk: `--filters` applies the smudge/eol conversion a checkout applies.
  const base = kind === 'add' ? null
    : (await gitBytes(['cat-file', '--filters', `${meta.baseRef}:${meta.prefix}${e.path}`], { cwd: root })).stdout;
  const abs = path.join(root, ...e.path.split('/'));
  const proposed = kind === 'delete' ? null
    : e.newMode === SYMLINK_MODE ? Buffer.from(await fs.readlink(abs)) : await fs.readFile(abs);
  return toProposedChange(e, kind, base, proposed);
}

/**
 * A change from the bytes of both sides of a `--raw` entry: null for a mode-only change;
 * `binary` (no contents) for symlinks and files that are not UTF-8 text.
 */
export function toProposedChange(e: RawEntry, kind: ChangeKind, base: Uint8Array | null, proposed: Uint8Array | null): ProposedChange | null {
  if (base && proposed && Buffer.compare(base, proposed) === 0) return null; // Mode-only change.
  const symlink = e.oldMode === SYMLINK_MODE || e.newMode === SYMLINK_MODE;
  const baseText = base ? decodeText(base) : null;
  const proposedText = proposed ? decodeText(proposed) : null;
  if (symlink || baseText === undefined || proposedText === undefined) {
    return { path: e.path, kind, baseContent: null, proposedContent: null, binary: true };
  }
  return { path: e.path, kind, baseContent: baseText, proposedContent: proposedText };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of `bytes`, or undefined for binary content: a NUL byte in the first 8000 bytes
 * (git's heuristic, `buffer_is_binary`) or invalid UTF-8 (a string could not round-trip it).
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, 8000).includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

async function disposeSandbox(dir: string, root: string, meta: SandboxMeta): Promise<void> {
  // Unlink dependency links first so nothing below can ever delete the user's folders.
  for (const rel of meta.links) {
    const at = path.join(root, rel);
    try {
      if ((await fs.lstat(at)).isSymbolicLink()) await fs.unlink(at);
    } catch {
      // Already gone.
    }
  }
  if (meta.kind === 'git-worktree' && meta.toplevel) {
    await removeWorktree(meta.toplevel, dir);
  } else {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function assertUsableDir(ws: string, dir: string): Promise<void> {
  const parent = await fs.realpath(path.dirname(dir)).catch(() => path.dirname(dir));
  const real = path.join(parent, path.basename(dir));
  const relToWs = path.relative(ws, real);
  if (relToWs === '' || (relToWs.split(path.sep)[0] !== '..' && !path.isAbsolute(relToWs))) {
    throw new Error(`The sandbox folder ${dir} must not be inside the workspace ${ws}`);
  }
  const stat = await fs.lstat(dir).catch(() => null);
  if (stat && !stat.isDirectory()) throw new Error(`The sandbox path ${dir} exists and is not a folder`);
  if (stat && (await fs.readdir(dir)).length > 0) throw new Error(`The sandbox folder ${dir} is not empty`);
}

/** Absolute git dir of the repository or worktree at `dir`. */
async function gitDirOf(dir: string): Promise<string> {
  return git(['rev-parse', '--absolute-git-dir'], { cwd: dir });
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false);
}

/** Escapes gitignore metacharacters so a path matches literally. */
function escapeGitignore(rel: string): string {
  return rel.replace(/[\\*?[\]!# ]/g, (c) => `\\${c}`);
}
