/**
 * Sandbox path resolution for agent tools. Every path a model sends is workspace-relative;
 * `resolveInRoot` turns it into an absolute path that is guaranteed (at the time of the
 * check) to stay inside the sandbox root, following symlinks.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A path the model may touch: absolute on disk, and normalised relative to the root. */
export interface ResolvedPath {
  /** Absolute path inside the root (not symlink-resolved; what the tool should open). */
  absPath: string;
  /** Workspace-relative path with forward slashes; '.' for the root itself. */
  relPath: string;
}

/** A path refused by the sandbox rules. The message says which path and why. */
export class PathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathError';
  }
}

const HINT = 'Use a path relative to the workspace root, e.g. "src/index.ts".';

/** Max symlink hops followed when resolving dangling links (same order as the OS limit). */
const MAX_LINK_HOPS = 40;

/**
 * Resolves `relPath` (workspace-relative; '/' or '\\' separators; '' means '.') inside `root`.
 *
 * Refuses, with a {@link PathError} naming the path and the reason: NUL bytes, `~` paths,
 * absolute paths, Windows drive (`C:\`, `C:foo`) and UNC (`\\server\share`) forms, paths whose
 * `..` segments leave the root, and paths whose real location (symlinks resolved, for the
 * deepest existing ancestor; dangling links are followed to their target) is outside the
 * real root.
 * @param root absolute path of the sandbox root (may itself be or contain a symlink).
 * @returns the absolute path to operate on and the normalised relative path.
 * @throws PathError when the path is refused; other fs errors only for an unreadable root.
 */
export async function resolveInRoot(root: string, relPath: string): Promise<ResolvedPath> {
  const relPathNorm = normaliseRelative(relPath);
  const absRoot = path.resolve(root);
  const absPath = relPathNorm === '.' ? absRoot : path.join(absRoot, ...relPathNorm.split('/'));

  const realRoot = await fs.realpath(absRoot);
  const real = await realLocation(absPath, 0);
  if (!isInside(realRoot, real)) {
    throw new PathError(
      `Refused path "${relPath}": it resolves through a symbolic link to "${real}", which is ` +
        `outside the workspace root. Tools may only touch files inside the workspace.`,
    );
  }
  return { absPath, relPath: relPathNorm };
}

/**
 * Lexical checks and normalisation of a model-supplied relative path.
 * @returns the normalised path with forward slashes, '.' for the root.
 * @throws PathError for NUL, `~`, absolute, drive/UNC forms and `..` escapes.
 */
export function normaliseRelative(relPath: string): string {
  if (typeof relPath !== 'string') {
    throw new PathError(`Refused path: expected a string, got ${typeof relPath}. ${HINT}`);
  }
  const shown = JSON.stringify(relPath);
  if (relPath.includes('\0')) {
    throw new PathError(`Refused path ${shown}: it contains a NUL byte. ${HINT}`);
  }
  if (relPath.startsWith('~')) {
    throw new PathError(
      `Refused path ${shown}: "~" (home directory) is not expanded and points outside the ` +
        `workspace. ${HINT}`,
    );
  }
  if (/^[a-zA-Z]:/.test(relPath)) {
    throw new PathError(
      `Refused path ${shown}: Windows drive paths are not allowed; paths are relative to the ` +
        `workspace root. ${HINT}`,
    );
  }
  if (/^[\\/]{2}/.test(relPath)) {
    throw new PathError(
      `Refused path ${shown}: UNC/network paths are not allowed; paths are relative to the ` +
        `workspace root. ${HINT}`,
    );
  }
  if (relPath.startsWith('/') || relPath.startsWith('\\') || path.isAbsolute(relPath)) {
    throw new PathError(
      `Refused path ${shown}: absolute paths are not allowed; paths are relative to the ` +
        `workspace root. ${HINT}`,
    );
  }
  const slashed = relPath.replace(/\\/g, '/');
  const normal = path.posix.normalize(slashed === '' ? '.' : slashed).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) {
    throw new PathError(
      `Refused path ${shown}: its ".." segments escape the workspace root. ${HINT}`,
    );
  }
  return normal === '' ? '.' : normal;
}

/** True when `p` is `root` or below it (both absolute, already real paths). */
function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Where `p` really is: realpath of the deepest existing ancestor joined with the missing
 * tail. Dangling symlinks are followed to their (lexically resolved) target so that a write
 * through them cannot land outside the root.
 */
async function realLocation(p: string, hops: number): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    if (isErrno(err, 'ELOOP')) {
      throw new PathError(`Refused path "${p}": too many levels of symbolic links (a loop).`);
    }
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  let linkTarget: string | null = null;
  try {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) linkTarget = await fs.readlink(p);
  } catch {
    // Does not exist: fall through to the parent.
  }
  if (linkTarget !== null) {
    if (hops >= MAX_LINK_HOPS) {
      throw new PathError(`Refused path "${p}": too many levels of symbolic links.`);
    }
    const realParent = await realLocation(parent, hops + 1);
    return realLocation(path.resolve(realParent, linkTarget), hops + 1);
  }
  return path.join(await realLocation(parent, hops), path.basename(p));
}

/** True when `err` is a Node system error with the given code. */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
