/**
 * Parallel tasks on one mission sandbox (see ../../shared/design.md "Sandboxes and changes":
 * "Parallel workers get their own sandboxes, which are merged back with a three-way merge").
 *
 * The mission's *integrated state* is a commit in the mission sandbox's repository (the
 * private repository of a 'copy' sandbox, or the user's repository for a 'git-worktree'
 * sandbox). Each task works in its own detached `git worktree` started from the integrated
 * state; when it is done its work is committed (parent: the commit it started from) and
 * merged into the integrated state by git itself: `git merge-tree --write-tree`, i.e. git's
 * "ort" merge strategy, which finds the merge base(s) from the commits' parents (criss-cross
 * histories get a virtual merge base, renames are detected). No merge algorithm of our own.
 *
 * The user's branches, index, HEAD, working tree and stash are never touched: commits are
 * made with `commit-tree` (no branch moves), worktrees are detached, hooks are off. Commits
 * stay reachable (safe from `git gc`) through refs under `refs/taskforce/<key>/`, one key per
 * mission sandbox, which {@link Integrator.dispose} deletes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChangeKind } from '../../protocol/protocol';
import type { ProposedChange } from '../changes/changes';
import { git, gitBytes, gitStatus, splitNul, TASKFORCE_IDENTITY } from './git';
import { decodeText, GITLINK_MODE, parseRaw, SYMLINK_MODE, toProposedChange, type RawEntry, type Sandbox } from './sandbox';
import { addWorktree, locateRepo, removeWorktree } from './worktree';

/** A task's own worktree, started from the integrated state. */
export interface TaskWorktree {
  /** Absolute path where the task's agents work: the counterpart of the workspace root. */
  readonly root: string;
  /** Absolute path of the worktree's top level (equals `root` unless the workspace is a subfolder). */
  readonly dir: string;
  /** Commit id (40 hex) the worktree was checked out at. */
  readonly startRef: string;
  /**
   * Commits everything in the worktree (tracked, untracked, deletions; not ignored files, not
   * the dependency links) with the previous commit of this worktree (initially `startRef`) as
   * parent, using the worktree's own index. Returns the commit id; when nothing changed, the
   * previous commit (so `startRef` for an untouched worktree).
   * @throws {GitError} if git fails.
   */
  commit(message: string): Promise<string>;
  /** Removes the worktree (links unlinked first, then `git worktree remove` + prune). Idempotent. */
  dispose(): Promise<void>;
}

/** One conflicted file of a merge. ours = the integrated side, theirs = the task side. */
export interface ConflictInfo {
  /**
   * Workspace-relative path, forward slashes (a path outside a subfolder workspace starts
   * with `../`).
   */
  path: string;
  /** Merge-base content (index stage 1); null when absent (add/add) or binary. */
  base: string | null;
  /** Integrated side (stage 2); null when deleted there or binary. */
  ours: string | null;
  /** Task side (stage 3); null when deleted there or binary. */
  theirs: string | null;
  /**
   * The file as git's merge left it in the conflict commit: for content conflicts, both
   * sides between `<<<<<<< integrated`, `=======` and `>>>>>>> <task label>` markers; for
   * modify/delete, the modified version (git keeps it); '' for binary files or when no
   * file is left at `path` (e.g. file/directory conflicts, where git moves it aside).
   */
  merged: string;
  /** True when a side is not text (see decodeText); contents are then null. */
  binary?: boolean;
}

/** Result of {@link Integrator.merge}. Every `ref` is a commit id (40 hex). */
export type MergeResult =
  | { clean: true; ref: string }
  | { clean: false; ref: string; conflicts: ConflictInfo[] };

/** Conflict marker labels (single line each). */
export interface MergeLabels {
  /** Label of the integrated side, default `integrated`. */
  ours?: string;
  /** Label of the task side, e.g. `task t3`; default `task`. */
  theirs?: string;
}

/** Marker file in a task worktree's git admin dir, so a later process can clean it up. */
const TASK_MARKER = 'taskforce-task.json';
interface TaskMarker {
  key: string;
  root: string;
  links: string[];
}

/** Merges and task worktrees for one mission sandbox. */
export class Integrator {
  private readonly tasks = new Map<string, TaskWorktree>();

  private constructor(
    private readonly sandbox: Sandbox,
    /** Top level of the mission sandbox's work tree; most git commands run here. */
    private readonly top: string,
    /** Path of the workspace inside the repository ('' or ending in '/'). */
    private readonly prefix: string,
    /** Absolute common git dir (shared by all worktrees); used when `top` may be gone. */
    private readonly commonDir: string,
    /** Unique per mission sandbox: refs live under `refs/taskforce/<key>/`. */
    private readonly key: string,
  ) {}

  private get refPrefix(): string {
    return `refs/taskforce/${this.key}`;
  }

  /**
   * The integrator of `sandbox` (either kind). Keeps `sandbox.baseRef` referenced. The
   * mission sandbox must exist while the integrator is used (only dispose() works without it).
   * @throws {Error} if `sandbox.root` is not in a git work tree; {@link GitError} if git fails.
   */
  static async for(sandbox: Sandbox): Promise<Integrator> {
    const loc = await locateRepo(sandbox.root);
    if (!loc) throw new Error(`The sandbox at ${sandbox.root} is not in a git work tree`);
    const commonDir = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: loc.toplevel });
    const hash = createHash('sha1').update(loc.toplevel).digest('hex').slice(0, 12);
    const key = `${path.basename(loc.toplevel).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${hash}`;
    const it = new Integrator(sandbox, loc.toplevel, loc.prefix, commonDir, key);
    await it.keep(sandbox.baseRef, 'base');
    return it;
  }

  /**
   * Checks out `startRef` as a detached worktree at `dir` (must be absent or empty; hooks
   * off), links the mission sandbox's dependency folders into it, and registers it for
   * {@link dispose}. `root` is `dir` plus the workspace's subfolder, if any.
   * @throws {Error} if `dir` exists and is not an empty folder (it is left alone).
   * @throws {GitError} if `startRef` is not a commit or `git worktree add` fails (nothing
   *   is left behind).
   */
  async createTaskWorktree(startRef: string, dir: string): Promise<TaskWorktree> {
    const start = await this.resolveCommit(startRef);
    const abs = path.resolve(dir);
    const stat = await fs.lstat(abs).catch(() => null);
    if (stat && (!stat.isDirectory() || (await fs.readdir(abs)).length > 0)) {
      throw new Error(`The task worktree folder ${abs} exists and is not an empty folder`);
    }
    await fs.mkdir(path.dirname(abs), { recursive: true });
    const root = path.join(abs, ...this.prefix.split('/').filter(Boolean));
    const links: string[] = [];
    try {
      await addWorktree(this.commonDir, abs, start);
      for (const rel of this.sandbox.links) {
        const at = path.join(root, rel);
        if ((await exists(path.dirname(at))) && !(await exists(at))) {
          await fs.symlink(path.join(this.sandbox.workspaceRoot, rel), at, 'dir');
          links.push(rel);
        }
      }
      const marker: TaskMarker = { key: this.key, root, links };
      const adminDir = await git(['rev-parse', '--absolute-git-dir'], { cwd: abs });
      await fs.writeFile(path.join(adminDir, TASK_MARKER), JSON.stringify(marker));
    } catch (err) {
      await unlinkLinks(root, links);
      await removeWorktree(this.commonDir, abs).catch(() => undefined);
      throw err;
    }
    const task = this.taskWorktree(abs, root, start, links);
    this.tasks.set(abs, task);
    return task;
  }

  private taskWorktree(dir: string, root: string, startRef: string, links: string[]): TaskWorktree {
    let head = startRef;
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(job: () => Promise<T>): Promise<T> => {
      const run = queue.then(job, job);
      queue = run.catch(() => undefined);
      return run;
    };
    const linkSpecs = links.map((l) => `:(literal)${this.prefix}${l}`);
    const commit = async (message: string): Promise<string> => {
      await git(['add', '-A', '--', ':/'], { cwd: dir });
      if (linkSpecs.length > 0) {
        await git(['rm', '-r', '--cached', '-q', '--ignore-unmatch', '--', ...linkSpecs], { cwd: dir });
      }
      const tree = await git(['write-tree'], { cwd: dir });
      if (tree === (await git(['rev-parse', `${head}^{tree}`], { cwd: dir }))) return head;
      const id = await git([...TASKFORCE_IDENTITY, 'commit-tree', '--no-gpg-sign', tree, '-p', head, '-m', message], { cwd: dir });
      await this.keep(id);
      // Move this worktree's own (detached) HEAD so `git status` there is clean again.
      await git(['update-ref', '--no-deref', 'HEAD', id], { cwd: dir });
      head = id;
      return id;
    };
    let disposed = false;
    const dispose = async (): Promise<void> => {
      if (disposed) return;
      await unlinkLinks(root, links);
      await removeWorktree(this.commonDir, dir);
      disposed = true;
      this.tasks.delete(dir);
    };
    return { root, dir, startRef, commit: (m) => serial(() => commit(m)), dispose: () => serial(dispose) };
  }

  /**
   * Merges `taskCommit` into `integratedRef` with git's ort merge (`git merge-tree
   * --write-tree`, conflict style `merge`), the merge base found from the commits' history.
   * - `taskCommit` already contained in `integratedRef`: clean, `ref` = integratedRef.
   * - `integratedRef` an ancestor of `taskCommit`: fast-forward, `ref` = taskCommit.
   * - Clean merge: a merge commit with parents (integratedRef, taskCommit) and `message`.
   * - Conflicts: `ref` is a commit with the same parents whose tree is git's merged tree,
   *   conflict markers included (labels rewritten to `labels`); nothing of either side is
   *   dropped (and both sides stay reachable as its parents).
   * @throws {GitError} if a ref does not name a commit or git fails (merge-tree exit > 1).
   */
  async merge(integratedRef: string, taskCommit: string, message: string, labels: MergeLabels = {}): Promise<MergeResult> {
    const ours = await this.resolveCommit(integratedRef);
    const theirs = await this.resolveCommit(taskCommit);
    if (ours === theirs || (await this.isAncestor(theirs, ours))) return { clean: true, ref: ours };
    if (await this.isAncestor(ours, theirs)) return { clean: true, ref: theirs };
    const { exitCode, stdout } = await gitBytes(
      ['-c', 'merge.conflictStyle=merge', 'merge-tree', '--write-tree', '--no-messages', '-z', ours, theirs],
      { cwd: this.top, okExitCodes: [1] },
    );
    const [tree, ...entries] = splitNul(Buffer.from(stdout).toString('utf8'));
    if (exitCode === 0) return { clean: true, ref: await this.commitMerge(tree, ours, theirs, message) };

    // Conflicted file info: "<mode> <oid> <stage>\t<path>" per index stage.
    const stages = new Map<string, Map<number, { mode: string; oid: string }>>();
    for (const entry of entries) {
      const tab = entry.indexOf('\t');
      const [mode, oid, stage] = entry.slice(0, tab).split(' ');
      const file = entry.slice(tab + 1);
      if (!stages.has(file)) stages.set(file, new Map());
      stages.get(file)?.set(Number(stage), { mode, oid });
    }
    const oursLabel = oneLine(labels.ours ?? 'integrated');
    const theirsLabel = oneLine(labels.theirs ?? 'task');
    const relabeled = await this.relabel(tree, [...stages.keys()], [[ours, oursLabel], [theirs, theirsLabel]]);
    const ref = await this.commitMerge(relabeled, ours, theirs, message);
    const conflicts: ConflictInfo[] = [];
    for (const [file, byStage] of stages) {
      const sides = [1, 2, 3].map((s) => byStage.get(s));
      const contents = await Promise.all(sides.map((s) => (s ? this.blobText(s.oid, file, s.mode) : null)));
      const left = await this.entryAt(ref, file);
      const merged = left && left.type === 'blob' ? await this.blobText(left.oid, file, left.mode) : '';
      const binary = contents.some((c) => c === undefined) || merged === undefined;
      const rel = path.posix.relative(this.prefix || '.', file);
      conflicts.push(binary
        ? { path: rel, base: null, ours: null, theirs: null, merged: '', binary: true }
        : { path: rel, base: contents[0] ?? null, ours: contents[1] ?? null, theirs: contents[2] ?? null, merged: merged ?? '' });
    }
    conflicts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { clean: false, ref, conflicts };
  }

  /**
   * Per-file changes from `fromRef` to `toRef` inside the workspace (workspace-relative
   * paths), sorted by path, with the semantics of Sandbox.changes(): kinds add/modify/delete,
   * submodules and content-identical (mode-only) changes left out, symlinks and non-text
   * files reported with `binary: true` and null contents. Contents come from
   * `git cat-file --filters` (the bytes a checkout writes). Uses `git diff-tree --no-renames`.
   * @throws {GitError} if a ref is not a commit or git fails.
   */
  async changesBetween(fromRef: string, toRef: string): Promise<ProposedChange[]> {
    const [from, to] = await Promise.all([this.resolveCommit(fromRef), this.resolveCommit(toRef)]);
    const relative = this.prefix ? [`--relative=${this.prefix}`] : [];
    const out = await git(['diff-tree', '-r', '-z', '--no-renames', '--no-ext-diff', ...relative, from, to], { cwd: this.top });
    const entries = parseRaw(out).filter((e) => e.oldMode !== GITLINK_MODE && e.newMode !== GITLINK_MODE);
    // Files are read 8 at a time: each is up to two `git cat-file` processes.
    const result: ProposedChange[] = [];
    for (let i = 0; i < entries.length; i += 8) {
      const read = await Promise.all(entries.slice(i, i + 8).map((entry) => this.readChange(from, to, entry)));
      for (const c of read) if (c) result.push(c);
    }
    return result.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }

  /**
   * The text of workspace-relative `file` at commit `ref` (`cat-file --filters`, decoded as
   * UTF-8, invalid bytes replaced), a symlink's target, or null when `ref` has no file there.
   * @throws {GitError} if `ref` is not a commit or git fails.
   */
  async readFile(ref: string, file: string): Promise<string | null> {
    const bytes = await this.readFileBytes(ref, file);
    return bytes ? Buffer.from(bytes).toString('utf8') : null;
  }

  /** As {@link readFile}, the exact bytes. */
  async readFileBytes(ref: string, file: string): Promise<Uint8Array | null> {
    const full = path.posix.normalize(`${this.prefix}${file}`);
    const entry = await this.entryAt(await this.resolveCommit(ref), full);
    if (!entry || entry.type !== 'blob') return null;
    return this.blobBytes(entry.oid, full, entry.mode);
  }

  /**
   * Removes every task worktree still registered (this process's and those a previous
   * process left for the same sandbox, found by their marker), prunes worktree records, and
   * deletes the refs under `refs/taskforce/<key>/`. Works after the mission sandbox is gone.
   * @throws {GitError} if pruning or deleting the refs fails.
   */
  async dispose(): Promise<void> {
    if (!(await exists(this.commonDir))) {
      // The repository went first (a disposed 'copy' sandbox): just delete the folders.
      for (const [dir, task] of this.tasks) {
        await unlinkLinks(task.root, this.sandbox.links);
        await fs.rm(dir, { recursive: true, force: true });
      }
      this.tasks.clear();
      return;
    }
    for (const task of [...this.tasks.values()]) await task.dispose();
    await git(['worktree', 'prune'], { cwd: this.commonDir });
    const admin = path.join(this.commonDir, 'worktrees');
    for (const name of await fs.readdir(admin).catch(() => [] as string[])) {
      const marker = await fs.readFile(path.join(admin, name, TASK_MARKER), 'utf8')
        .then((text) => JSON.parse(text) as TaskMarker, () => null);
      if (!marker || marker.key !== this.key) continue;
      const gitFile = (await fs.readFile(path.join(admin, name, 'gitdir'), 'utf8')).trim();
      await unlinkLinks(marker.root, marker.links);
      await removeWorktree(this.commonDir, path.dirname(gitFile));
    }
    const refs = splitNul(await git(['for-each-ref', '--format=%(refname)%00', `${this.refPrefix}/`], { cwd: this.commonDir }));
    for (const ref of refs) {
      const name = ref.trim();
      if (name) await git(['update-ref', '-d', name], { cwd: this.commonDir });
    }
  }

  private async commitMerge(tree: string, ours: string, theirs: string, message: string): Promise<string> {
    const id = await git([...TASKFORCE_IDENTITY, 'commit-tree', '--no-gpg-sign', tree, '-p', ours, '-p', theirs, '-m', message], { cwd: this.top });
    await this.keep(id);
    return id;
  }

  /**
   * merge-tree labels markers with the revisions it was given (`<<<<<<< <commit id>`, or
   * `<commit id>:<path>` after renames). Rewrites those marker lines of the conflicted files
   * to the human labels and returns the new tree (built in a temporary index). Only lines
   * that are exactly a marker followed by one of the 40-hex ids are touched.
   */
  private async relabel(tree: string, files: string[], labels: Array<[string, string]>): Promise<string> {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'taskforce-merge-'));
    const env = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    try {
      let changed = false;
      await git(['read-tree', tree], { cwd: this.top, env });
      for (const file of files) {
        const entry = await this.entryAt(tree, file);
        if (!entry || entry.type !== 'blob' || entry.mode === SYMLINK_MODE) continue;
        const text = decodeText((await gitBytes(['cat-file', 'blob', entry.oid], { cwd: this.top })).stdout);
        if (text === undefined) continue;
        let next = text;
        for (const [id, label] of labels) {
          const marker = new RegExp(`^(<{7,}|>{7,}) ${id}(:[^\\r\\n]*)?(?=\\r?$)`, 'gm');
          next = next.replace(marker, (_m, arrows: string, where: string | undefined) => `${arrows} ${label}${where ?? ''}`);
        }
        if (next === text) continue;
        const blobFile = path.join(tmp, 'blob');
        await fs.writeFile(blobFile, next);
        const oid = await git(['hash-object', '-w', '--no-filters', blobFile], { cwd: this.top });
        await git(['update-index', '--cacheinfo', `${entry.mode},${oid},${file}`], { cwd: this.top, env });
        changed = true;
      }
      return changed ? await git(['write-tree'], { cwd: this.top, env }) : tree;
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }

  private async readChange(from: string, to: string, e: RawEntry): Promise<ProposedChange | null> {
    const kind: ChangeKind = e.status === 'A' ? 'add' : e.status === 'D' ? 'delete' : 'modify';
    const full = `${this.prefix}${e.path}`;
    const read = async (ref: string): Promise<Uint8Array> =>
      (await gitBytes(['cat-file', '--filters', `${ref}:${full}`], { cwd: this.top })).stdout;
    const base = kind === 'add' ? null : await read(from);
    const proposed = kind === 'delete' ? null : await read(to);
    return toProposedChange(e, kind, base, proposed);
  }

  /** Blob text as checked out (undefined when binary, a symlink or a submodule). */
  private async blobText(oid: string, file: string, mode: string): Promise<string | undefined> {
    if (mode === SYMLINK_MODE || mode === GITLINK_MODE) return undefined;
    return decodeText(await this.blobBytes(oid, file, mode));
  }

  private async blobBytes(oid: string, file: string, mode: string): Promise<Uint8Array> {
    const args = mode === SYMLINK_MODE ? ['cat-file', 'blob', oid] : ['cat-file', '--filters', `--path=${file}`, oid];
    return (await gitBytes(args, { cwd: this.top })).stdout;
  }

  /** The tree entry at repository path `file` of a commit or tree, or null. */
  private async entryAt(treeish: string, file: string): Promise<{ mode: string; type: string; oid: string } | null> {
    const out = splitNul(await git(['ls-tree', '-z', '--full-tree', treeish, '--', file], { cwd: this.top }));
    const hit = out.map((line) => line.split('\t')).find(([, p]) => p === file);
    if (!hit) return null;
    const [mode, type, oid] = hit[0].split(' ');
    return { mode, type, oid };
  }

  private async resolveCommit(ref: string): Promise<string> {
    return git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`], { cwd: this.top });
  }

  private async isAncestor(a: string, b: string): Promise<boolean> {
    return (await gitStatus(['merge-base', '--is-ancestor', a, b], { cwd: this.top, okExitCodes: [1] })) === 0;
  }

  /** Keeps commit `id` reachable while the mission runs (`refs/taskforce/<key>/<name>`). */
  private async keep(id: string, name = `c/${id}`): Promise<void> {
    await git(['update-ref', `${this.refPrefix}/${name}`, id], { cwd: this.top });
  }
}

/** Removes the dependency links (symlinks only) so nothing after can delete the user's folders. */
async function unlinkLinks(root: string, links: readonly string[]): Promise<void> {
  for (const rel of links) {
    const at = path.join(root, rel);
    try {
      if ((await fs.lstat(at)).isSymbolicLink()) await fs.unlink(at);
    } catch {
      // Already gone.
    }
  }
}

function oneLine(label: string): string {
  return label.replace(/[\r\n]+/g, ' ').trim() || 'task';
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false);
}
