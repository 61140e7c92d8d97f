#!/usr/bin/env node
// `npm start`: build, package the VSIX, and run a local code-server (a real VS Code in the
// browser) with Taskforce installed, on the example workspace (left-pad@1.3.0). Prints the
// URL and runs until Ctrl+C.
//
//   npm start                  port from $PORT, else 8080 (the next free one if busy)
//   npm start -- --fresh       reset example/workspace to pristine left-pad@1.3.0 first
//   npm start -- --no-build    reuse dist/taskforce.vsix as it is
//
// Without OPENAI_API_KEY / ANTHROPIC_API_KEY the extension replays the bundled demo
// cassette (media/demo/cassette.json); with one set, it is passed through to the
// extension host and so to the Taskforce server. Keys can also be set in VS Code with
// "Taskforce: Set API Key".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, installVsix } from './ensure-code-server.mjs';
import { DEFAULT_WORKSPACE, isPristine, prepareExampleWorkspace } from './example-workspace.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START_DIR = join(ROOT, '.vscode-test', 'start');
const EXTENSIONS_DIR = join(START_DIR, 'extensions');
const USER_DATA_DIR = join(START_DIR, 'user-data');
const VSIX = join(ROOT, 'dist', 'taskforce.vsix');
const HOST = '127.0.0.1';

const args = process.argv.slice(2);
const fresh = args.includes('--fresh');
const noBuild = args.includes('--no-build');

function log(msg) {
  console.log(`[start] ${msg}`);
}

function step(cmd, cmdArgs) {
  log(`$ ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] FAILED: ${cmd} ${cmdArgs.join(' ')} exited with ${r.status}`);
    process.exit(1);
  }
}

/** True when HOST:port can be bound right now. */
function portFree(port) {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, HOST, () => srv.close(() => res(true)));
  });
}

/** The wanted port if free, else the next free one of the following 50, else any free one. */
async function choosePort(wanted) {
  for (let p = wanted; p < wanted + 50 && p < 65536; p++) {
    if (await portFree(p)) {
      if (p !== wanted) log(`port ${wanted} is busy; using ${p}`);
      return p;
    }
  }
  return new Promise((res) => {
    const srv = createServer();
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => res(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** User settings for the demo, written once; later edits by the user are kept. */
function ensureUserSettings() {
  const file = join(USER_DATA_DIR, 'User', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  // Workspace trust stays on: a user should be asked before an unknown folder is trusted.
  const defaults = {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
  };
  let current = {};
  if (existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      log(`keeping ${file} as it is (not plain JSON)`);
      return;
    }
  }
  const merged = { ...defaults, ...current };
  if (JSON.stringify(merged) !== JSON.stringify(current)) writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
}

async function main() {
  const started = Date.now();
  if (!noBuild) {
    step('node', ['esbuild.mjs']);
    step('npm', ['run', 'package']);
  }
  if (!existsSync(VSIX)) {
    console.error(`[start] ${VSIX} is missing: run without --no-build`);
    process.exit(1);
  }
  const bin = ensureCodeServer();
  const workspace = prepareExampleWorkspace(DEFAULT_WORKSPACE, { fresh });
  if (!isPristine(workspace)) {
    log(`note: ${workspace} differs from left-pad@1.3.0 (changes accepted in an earlier run?).`);
    log('      The demo cassette edits the original files; `npm start -- --fresh` resets the workspace.');
  }
  const how = installVsix(VSIX, EXTENSIONS_DIR, { userDataDir: USER_DATA_DIR });
  log(`extension installed (${how.method}) into ${EXTENSIONS_DIR}`);
  ensureUserSettings();

  const wanted = Number(process.env.PORT || 8080);
  const port = await choosePort(Number.isInteger(wanted) && wanted > 0 ? wanted : 8080);
  const keys = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'].filter((k) => process.env[k]);
  log(
    keys.length
      ? `passing ${keys.join(' and ')} through to the extension`
      : 'no OPENAI_API_KEY / ANTHROPIC_API_KEY: missions replay the bundled demo cassette',
  );

  const child = spawn(
    bin,
    [
      '--auth', 'none',
      '--bind-addr', `${HOST}:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--user-data-dir', USER_DATA_DIR,
      '--extensions-dir', EXTENSIONS_DIR,
      workspace,
    ],
    { cwd: workspace, env: process.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true },
  );
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`stopping code-server (${signal})`);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      process.exit(0);
    }, 3000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`[start] code-server exited (${signal ?? code})`);
    process.exit(stopping ? 0 : 1);
  });

  const base = `http://${HOST}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      console.error('[start] code-server did not answer within 60 s');
      stop('timeout');
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const url = `${base}/?folder=${encodeURI(workspace)}`;
  console.log('');
  console.log(`  Taskforce is running in code-server (ready in ${((Date.now() - started) / 1000).toFixed(1)} s):`);
  console.log(`    ${url}`);
  console.log('  Open the Taskforce view in the activity bar, or run "Taskforce: Start Mission".');
  console.log('  Demo mission: "Add a rightPad function to left-pad, with tests and docs"');
  console.log('  Ctrl+C stops it.');
  console.log('');
}

main().catch((err) => {
  console.error(`[start] FAILED: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
