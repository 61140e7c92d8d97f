/**
 * Thin wrapper around the `git` executable for the sandbox code (see ../../shared/design.md
 * "Sandboxes and changes"). Git always runs through `execa` with an argument array, never a
 * shell string, and with an environment scrubbed of the variables that would redirect it to
 * another repository (GIT_DIR, GIT_INDEX_FILE, ... — set, for example, when the server runs
 * inside a git hook).
 */
import type { execa as ExecaFn } from 'execa';

/**
 * execa v9 is ESM-only and one of its dependencies (unicorn-magic) exports no `require`
 * entry, so a static import fails when this CommonJS package runs under tsx (tests).
 * A dynamic import resolves with the `import` condition in both tsx and esbuild bundles.
 */
let execaModule: Promise<typeof ExecaFn> | undefined;
function loadExeca(): Promise<typeof ExecaFn> {
  execaModule ??= import('execa').then((m) => m.execa);
  return execaModule;
}

/** Identity and safety options for commits Taskforce makes (`git -c ...`). */
export const TASKFORCE_IDENTITY: readonly string[] = [
  '-c', 'user.name=Taskforce',
  '-c', 'user.email=taskforce@localhost',
  '-c', 'commit.gpgSign=false',
];

/** Disables repository hooks (post-checkout etc.) for a single git invocation. */
export const NO_HOOKS: readonly string[] = ['-c', 'core.hooksPath=/dev/null'];

/** Thrown when a git command fails; the message names the command and carries its stderr. */
export class GitError extends Error {
  constructor(
    /** The git arguments, e.g. `['worktree', 'add', ...]`. */
    readonly args: readonly string[],
    /** Working directory the command ran in. */
    readonly cwd: string,
    /** Process exit code, or null if it was killed or never started. */
    readonly exitCode: number | null,
    /** Trimmed stderr of the command. */
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${exitCode ?? 'none'}) in ${cwd}: ${stderr || '(no stderr)'}`);
    this.name = 'GitError';
  }
}

/** Options for {@link git} and {@link gitBytes}. */
export interface GitOptions {
  /** Directory git runs in. */
  cwd: string;
  /** Extra environment variables (added to the scrubbed environment), e.g. GIT_INDEX_FILE. */
  env?: Record<string, string>;
  /** Exit codes other than 0 that are not errors (e.g. 1 for `check-ignore`). */
  okExitCodes?: readonly number[];
}

/** Result of {@link gitBytes}. */
export interface GitBytesResult {
  exitCode: number;
  stdout: Uint8Array;
}

/** Variables that point git at a repository, index or object store other than the one in cwd. */
const REDIRECTING_VARS = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_NAMESPACE',
  'GIT_QUARANTINE_PATH', 'GIT_EXEC_PATH_OVERRIDE',
];

function gitEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !REDIRECTING_VARS.includes(key)) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  return { ...env, ...extra };
}

/**
 * `git worktree add/remove/prune` are not safe to run at the same time on one repository
 * (one can read another's half-written `.git/worktrees/<name>` and fail with "failed to
 * read worktrees/…/commondir"), and parallel workers create and remove worktrees at once.
 * So every worktree command of this process runs one at a time.
 */
let worktreeQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `git <args>` and returns its raw stdout bytes (use for file contents). `worktree`
 * commands are serialised (see worktreeQueue).
 * @throws {GitError} when git exits with a code not in `okExitCodes` (0 is always ok) or
 *   cannot be started.
 */
export async function gitBytes(args: readonly string[], opts: GitOptions): Promise<GitBytesResult> {
  if (!args.includes('worktree')) return runGit(args, opts);
  const run = worktreeQueue.then(() => runGit(args, opts));
  worktreeQueue = run.catch(() => undefined);
  return run;
}

async function runGit(args: readonly string[], opts: GitOptions): Promise<GitBytesResult> {
  const execa = await loadExeca();
  const result = await execa('git', args, {
    cwd: opts.cwd,
    env: gitEnv(opts.env),
    extendEnv: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    reject: false,
    stdin: 'ignore',
  });
  const exitCode = result.exitCode ?? null;
  if (exitCode === null || (exitCode !== 0 && !(opts.okExitCodes ?? []).includes(exitCode))) {
    const stderr = Buffer.from(result.stderr).toString('utf8').trim();
    throw new GitError(args, opts.cwd, exitCode, stderr || (result.message ?? ''));
  }
  return { exitCode, stdout: result.stdout };
}

/**
 * Runs `git <args>` and returns stdout as UTF-8 text with the final newline removed.
 * @throws {GitError} as {@link gitBytes}.
 */
export async function git(args: readonly string[], opts: GitOptions): Promise<string> {
  const { stdout } = await gitBytes(args, opts);
  return Buffer.from(stdout).toString('utf8').replace(/\n$/, '');
}

/**
 * Runs `git <args>` and returns only its exit code (for predicates like `check-ignore -q`).
 * @throws {GitError} when the exit code is not 0 and not in `okExitCodes`.
 */
export async function gitStatus(args: readonly string[], opts: GitOptions): Promise<number> {
  return (await gitBytes(args, opts)).exitCode;
}

/** Splits NUL-separated git output (`-z`) into its non-empty fields. */
export function splitNul(text: string): string[] {
  return text.split('\0').filter((s) => s.length > 0);
}
