/**
 * End-to-end harness: a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by
 * Playwright through Debian's Chromium. See shared/recipes/code-server-e2e.md.
 *
 * Everything a run creates lives in one temp dir (user data, extensions, logs, config),
 * removed by stop() unless TASKFORCE_E2E_KEEP=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitFor } from './workbench';

export * from './workbench';

// The package is CommonJS (no "type": "module"), so tsx runs this file as CJS: __dirname.
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const VSIX = join(REPO_ROOT, 'dist', 'taskforce.vsix');

/** Typed view of scripts/ensure-code-server.mjs. */
interface EnsureCodeServerModule {
  ensureCodeServer(): string;
  installVsix(vsix: string, extensionsDir: string, options?: { userDataDir?: string; quiet?: boolean }): {
    method: 'install-extension' | 'unpacked';
    dir: string | null;
  };
}
/** Typed view of scripts/example-workspace.mjs. */
interface ExampleWorkspaceModule {
  prepareExampleWorkspace(dir?: string, options?: { fresh?: boolean; verify?: boolean; git?: boolean }): string;
}

async function importScript<T>(name: string): Promise<T> {
  const url = pathToFileURL(join(REPO_ROOT, 'scripts', name)).href;
  return (await import(url)) as T;
}

/** Installs code-server (and apt packages) when missing; returns its binary. */
export async function ensureCodeServer(): Promise<string> {
  return (await importScript<EnsureCodeServerModule>('ensure-code-server.mjs')).ensureCodeServer();
}

/** Makes a fresh copy of the example workspace (left-pad@1.3.0, installed) in dir. */
export async function prepareExampleWorkspace(dir: string): Promise<string> {
  const mod = await importScript<ExampleWorkspaceModule>('example-workspace.mjs');
  return mod.prepareExampleWorkspace(dir, { fresh: true });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface StartCodeServerOptions {
  /** Folder to open (absolute). */
  workspace: string;
  /** Extensions dir; default: a fresh one in the run's temp dir. */
  extensionsDir?: string;
  /** VSIX to install into the extensions dir; default dist/taskforce.vsix; null installs nothing. */
  vsix?: string | null;
  /** Extra environment for code-server (and so the extension host and its children). */
  env?: NodeJS.ProcessEnv;
  /** Extra user settings, merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Startup timeout (ms); default 60000. */
  timeoutMs?: number;
}

export interface CodeServerHandle {
  url: string;
  port: number;
  /** Temp dir holding everything of this run. */
  root: string;
  userDataDir: string;
  extensionsDir: string;
  /** VS Code's log folder (userDataDir/logs): exthost and output-channel logs. */
  logsDir: string;
  /** code-server's own stdout+stderr. */
  logFile: string;
  process: ChildProcess;
  /** Kills code-server's whole process group (extension host and its children too). */
  stop(): Promise<void>;
}

/** Harness default user settings: no trust prompt, no welcome page, the replay provider. */
export const E2E_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'taskforce.provider': 'replay',
};

/**
 * Starts code-server on a free loopback port with a fresh user-data dir and settings,
 * installs the VSIX into the extensions dir, and waits until /healthz answers.
 */
export async function startCodeServer(options: StartCodeServerOptions): Promise<CodeServerHandle> {
  const bin = await ensureCodeServer();
  const root = mkdtempSync(join(tmpdir(), 'taskforce-e2e-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = options.extensionsDir ?? join(root, 'extensions');
  const logsDir = join(userDataDir, 'logs');
  const logFile = join(root, 'code-server.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...E2E_SETTINGS, ...options.settings }, null, 2),
  );
  const vsix = options.vsix === undefined ? VSIX : options.vsix;
  if (vsix) {
    const mod = await importScript<EnsureCodeServerModule>('ensure-code-server.mjs');
    mod.installVsix(vsix, extensionsDir, { userDataDir });
  }
  const port = await freePort();
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--config', join(root, 'config.yaml'),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    options.workspace,
  ];
  const out = openSync(logFile, 'a');
  // detached: its own process group, so stop() can kill the extension host and the
  // Taskforce server with it.
  // A key set to undefined in options.env is removed (e.g. OPENAI_API_KEY for replay runs).
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(bin, args, {
    cwd: options.workspace,
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && exited === undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await waitFor(() => exited !== undefined, 5000, 'code-server to exit').catch(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      });
    }
    // Stragglers of the group (e.g. a server that ignored SIGTERM).
    for (const pid of pidsMatching((argv) => argv.some((a) => a.includes(root) || a.includes(extensionsDir)))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (process.env.TASKFORCE_E2E_KEEP === '1') console.log(`[e2e] kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (exited !== undefined) throw new Error(`code-server exited with ${exited}: ${tail(logFile)}`);
        const res = await fetch(`${url}/healthz`).catch(() => null);
        return res?.ok ?? false;
      },
      options.timeoutMs ?? 60_000,
      `code-server to answer on ${url}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, root, userDataDir, extensionsDir, logsDir, logFile, process: child, stop };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Pids of live processes whose argv satisfies the predicate (reads /proc). */
export function pidsMatching(predicate: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length && predicate(argv)) pids.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/**
 * Pids of the Taskforce server (dist/server.js) started by the extension host from an
 * extension installed in extensionsDir.
 */
export function serverPids(extensionsDir: string): number[] {
  return pidsMatching((argv) => argv.some((a) => a.startsWith(extensionsDir) && a.endsWith(join('dist', 'server.js'))));
}

/** sha256 of every file under dir (node_modules and .git aside), for before/after comparisons. */
export function snapshotFiles(dir: string, base = dir): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) for (const [k, v] of snapshotFiles(p, base)) files.set(k, v);
    else if (entry.isFile()) files.set(p.slice(base.length + 1), createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return files;
}

/** Files of a directory tree (absolute paths). */
function walk(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * The last lines of the logs that explain an e2e failure: code-server's own output, the
 * extension host log, and every output channel whose name mentions Taskforce.
 */
export function collectLogs(handle: CodeServerHandle, lines = 40): string {
  const files = [
    handle.logFile,
    ...walk(handle.logsDir).filter((f) => /exthost\.log$|remoteexthost\.log$|taskforce/i.test(f)),
  ];
  return files.map((f) => `──── ${f}\n${tail(f, lines)}`).join('\n');
}
