/**
 * run_command: runs a shell command in the sandbox root, gated by the allow-list policy
 * (otherwise the user is asked), with a timeout, cancellation, process-tree kill and an
 * output tail capped to `ctx.outputCapChars`.
 */
import type { Tool, ToolContext, ToolOutcome } from './types';

/**
 * Loads execa (ESM-only) with a dynamic import, so this module also loads when the server
 * runs as CommonJS (tsx in tests; esbuild bundles it either way).
 */
export async function loadExeca(): Promise<typeof import('execa')> {
  return import('execa');
}

/** Characters that chain, redirect or substitute in a shell; never auto-allowed after a prefix. */
export const SHELL_METACHARACTERS = /[;&|<>$`\n\r()]/;

/** Grace period (ms) between SIGTERM and SIGKILL of the process group. */
export const KILL_GRACE_MS = 2000;

/**
 * True when `command` may run without asking: it equals an entry of `allowed` (after
 * trimming), or starts with an entry followed by a space and the rest contains no shell
 * metacharacters (`; & | < > $ \` ( )` or a newline), so `npm test -- foo` is allowed by
 * "npm test" but `npm test && curl x` is not.
 */
export function isCommandAllowed(command: string, allowed: readonly string[]): boolean {
  const cmd = command.trim();
  for (const raw of allowed) {
    const entry = raw.trim();
    if (!entry) continue;
    if (cmd === entry) return true;
    if (cmd.startsWith(`${entry} `) && !SHELL_METACHARACTERS.test(cmd.slice(entry.length))) {
      return true;
    }
  }
  return false;
}

/** Process groups still running; killed if the server exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Sends `signal` to the whole process tree of `pid`: its process group on POSIX (the child
 * was spawned detached, so it leads its own group), `taskkill /T` on Windows. Never throws.
 */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    if (process.platform === 'win32') {
      void loadExeca().then(({ execa }) =>
        execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false }),
      );
    } else {
      process.kill(-pid, signal);
    }
  } catch {
    // Already gone.
  }
}

/** Strips ANSI colour/cursor escape sequences. */
function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)/g, '');
}

/** A rolling tail of a text stream: keeps at least the last `cap` characters. */
class Tail {
  private text = '';
  total = 0;
  constructor(private readonly cap: number) {}
  push(chunk: string): void {
    this.total += chunk.length;
    this.text += chunk;
    if (this.text.length > this.cap * 2 + 4096) this.text = this.text.slice(-this.cap - 4096);
  }
  /** The final tail (ANSI stripped) and whether earlier output was dropped. */
  result(): { text: string; truncated: boolean; total: number } {
    const clean = stripAnsi(this.text);
    const truncated = this.total > this.text.length || clean.length > this.cap;
    return { text: clean.length > this.cap ? clean.slice(-this.cap) : clean, truncated, total: this.total };
  }
}

/**
 * Runs `command` through the shell in `ctx.root` with `ctx.env`.
 * @param timeoutMs wall-clock limit (ms); clamped to `ctx.commandTimeoutMs`.
 * @returns ok:true with the exit code when the command ran to completion (even non-zero);
 *   ok:false when it was denied, timed out, cancelled or could not start. `command` is set
 *   in every case (exitCode null when there is none).
 */
export async function runCommand(
  command: string,
  ctx: ToolContext,
  timeoutMs?: number,
): Promise<ToolOutcome> {
  const cmd = command.trim();
  const notRun = (content: string): ToolOutcome => ({
    ok: false,
    content,
    command: { command: cmd, exitCode: null, durationMs: 0 },
  });
  if (!cmd) return notRun('The command is empty.');
  if (ctx.signal.aborted) return notRun(`Cancelled before \`${cmd}\` ran.`);

  if (!isCommandAllowed(cmd, ctx.allowedCommands)) {
    const decision = await raceAbort(ctx.requestApproval(cmd), ctx.signal);
    if (decision === 'aborted') return notRun(`Cancelled while waiting for approval of \`${cmd}\`.`);
    if (!decision.approved) {
      const why = decision.reason?.trim() ? ` Reason: ${decision.reason.trim()}` : '';
      return notRun(
        `The user denied running \`${cmd}\`.${why} Do not retry it unchanged; find another ` +
          `way or explain in your report what you could not do.`,
      );
    }
  }

  const limit = Math.max(1, Math.min(timeoutMs ?? ctx.commandTimeoutMs, ctx.commandTimeoutMs));
  const win = process.platform === 'win32';
  const started = Date.now();
  const tail = new Tail(Math.max(1, ctx.outputCapChars));
  const { execa } = await loadExeca();
  if (ctx.signal.aborted) return notRun(`Cancelled before \`${cmd}\` ran.`);
  const sub = execa(cmd, {
    shell: true,
    cwd: ctx.root,
    env: ctx.env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    detached: !win,
    cleanup: true,
    timeout: limit,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: KILL_GRACE_MS,
    windowsHide: true,
  });
  const pid = sub.pid;
  if (pid !== undefined && !win) trackGroup(pid);
  sub.all?.setEncoding('utf8');
  sub.all?.on('data', (chunk: string) => tail.push(chunk));

  let timedOut = false;
  let cancelled = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let detachTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (pid === undefined) return;
    killTree(pid, 'SIGTERM');
    graceTimer = setTimeout(() => killTree(pid, 'SIGKILL'), KILL_GRACE_MS);
    graceTimer.unref();
    // Last resort: a process that escaped the group (e.g. via setsid) may hold the pipes
    // open; stop waiting for it so the agent is never stuck.
    detachTimer = setTimeout(() => {
      sub.stdout?.destroy();
      sub.stderr?.destroy();
      sub.all?.destroy();
    }, KILL_GRACE_MS * 2);
    detachTimer.unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, limit);
  const onAbort = (): void => {
    cancelled = true;
    stop();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();

  const result = await sub;
  clearTimeout(timer);
  ctx.signal.removeEventListener('abort', onAbort);
  if (pid !== undefined && !win) {
    // Background children left behind by the command do not outlive it.
    killTree(pid, 'SIGKILL');
    liveGroups.delete(pid);
  }
  if (graceTimer) clearTimeout(graceTimer);
  if (detachTimer) clearTimeout(detachTimer);
  const durationMs = Date.now() - started;
  timedOut ||= result.timedOut;
  cancelled ||= result.isCanceled;

  const out = tail.result();
  const exitCode = timedOut || cancelled ? null : (result.exitCode ?? null);
  const header = `$ ${cmd}`;
  const outputBlock =
    out.total === 0
      ? '(no output)'
      : (out.truncated
          ? `[truncated: showing the last ${out.text.length} of ${out.total} characters of output]\n`
          : '') + out.text.replace(/\n+$/, '');
  const commandInfo = { command: cmd, exitCode, durationMs };

  if (result.failed && !timedOut && !cancelled && result.exitCode === undefined && !result.signal) {
    return {
      ok: false,
      content: `${header}\nCould not start the command: ${result.shortMessage}`,
      command: commandInfo,
    };
  }
  let status: string;
  if (timedOut) status = `timed out after ${limit} ms and was killed`;
  else if (cancelled) status = 'cancelled (the task was stopped) and was killed';
  else if (exitCode === null) status = `terminated by signal ${result.signal ?? 'unknown'}`;
  else status = `exit code ${exitCode}`;
  return {
    ok: !timedOut && !cancelled,
    content: `${header}\n${status} · ${durationMs} ms\n--- output ---\n${outputBlock}`,
    command: commandInfo,
  };
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) killTree(g, 'SIGKILL');
  });
}

/** Resolves with `p`'s value, or 'aborted' as soon as `signal` aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export const runCommandTool: Tool = {
  spec: {
    name: 'run_command',
    description:
      'Run a shell command in the workspace root (e.g. "npm test", "node --test"). Commands ' +
      'on the allow-list run at once; any other command (including any chained with ; && | ' +
      'or redirections) first needs the user\'s approval and may be denied. Returns the exit ' +
      'code, duration and the tail of combined stdout/stderr (long output is cut from the ' +
      'start, with a "[truncated …]" marker). The command is killed when it exceeds its ' +
      'timeout. Do not start servers or watchers that never exit.',
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', minLength: 1, description: 'The shell command line.' },
        timeoutMs: {
          type: 'integer',
          minimum: 1,
          description: 'Timeout in milliseconds; capped at the configured maximum.',
        },
      },
      required: ['command'],
      additionalProperties: false,
    },
  },
  run(args, ctx) {
    return runCommand(args.command as string, ctx, args.timeoutMs as number | undefined);
  },
};
