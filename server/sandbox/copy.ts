/**
 * Copies a folder that is not in a git repository into a sandbox, honouring `.gitignore`
 * files (root and nested, git precedence) with the `ignore` package, never copying `.git`,
 * and linking large dependency folders instead of copying them.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Folder names that are always linked, never copied (wherever they occur). */
const ALWAYS_LINKED = new Set(['node_modules', '.venv', 'venv']);
/**
 * Folder names linked only when a .gitignore ignores them: `vendor` holds installed
 * dependencies for PHP/Ruby, but Go projects commit their `vendor` as source.
 */
const LINKED_IF_IGNORED = new Set(['vendor']);

/** Result of {@link copyWorkspace}. */
export interface CopyResult {
  /** Sandbox-relative paths (forward slashes) that are symlinks to the user's folders. */
  links: string[];
  /** Number of regular files copied. */
  files: number;
}

/** One .gitignore level: the folder it lives in (relative, '' for root) and its rules. */
interface IgnoreLevel {
  dir: string;
  rules: Ignore;
}

/** Max concurrent file copies. */
const COPY_CONCURRENCY = 32;

/**
 * Copies `src` into `dest` (which must exist and be empty).
 * Regular files are copied with their mode (copy-on-write where the file system allows);
 * symlinks inside `src` are recreated as symlinks with the same target; `.git` entries are
 * skipped; ignored entries are skipped; dependency folders are linked by absolute path.
 * @throws filesystem errors (ENOENT, EACCES, ...) from reading `src` or writing `dest`.
 */
export async function copyWorkspace(src: string, dest: string): Promise<CopyResult> {
  const links: string[] = [];
  const pending: Array<() => Promise<void>> = [];
  let files = 0;

  async function walk(relDir: string, levels: IgnoreLevel[]): Promise<void> {
    const absDir = path.join(src, relDir);
    const entries = await fs.readdir(absDir, { withFileTypes: true });
    const own = entries.find((e) => e.name === '.gitignore' && e.isFile());
    const here = own
      ? [...levels, { dir: relDir, rules: ignore().add(await fs.readFile(path.join(absDir, '.gitignore'), 'utf8')) }]
      : levels;
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const from = path.join(src, rel);
      const to = path.join(dest, rel);
      const isDir = entry.isDirectory();
      const ignored = isIgnored(here, rel, isDir);
      if (isDir && (ALWAYS_LINKED.has(entry.name) || (ignored && LINKED_IF_IGNORED.has(entry.name)))) {
        await fs.symlink(from, to, 'dir');
        links.push(rel);
        continue;
      }
      if (ignored) continue;
      if (isDir) {
        await fs.mkdir(to);
        await walk(rel, here);
      } else if (entry.isSymbolicLink()) {
        await fs.symlink(await fs.readlink(from), to);
      } else if (entry.isFile()) {
        files++;
        pending.push(() => fs.copyFile(from, to, fs.constants.COPYFILE_FICLONE));
      }
      // Sockets, FIFOs and devices are not copied.
    }
  }

  await walk('', []);
  await runLimited(pending, COPY_CONCURRENCY);
  return { links, files };
}

/**
 * Git precedence: the deepest .gitignore with a matching rule decides (within one file the
 * last matching rule wins, which `ignore` implements); a file inside an ignored folder is
 * never reached because the walk does not descend into ignored folders.
 */
function isIgnored(levels: IgnoreLevel[], rel: string, isDir: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i];
    const local = level.dir ? rel.slice(level.dir.length + 1) : rel;
    const result = level.rules.test(isDir ? `${local}/` : local);
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
