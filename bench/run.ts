/**
 * `npm run bench`: Taskforce's speed and size figures, printed and written to
 * bench/results.json in one run.
 *
 *   turn_overhead_ms_p50  per agent turn, excluding model time, on a zero-latency replay
 *                         of a 100-turn mission (target ≤ 5 ms); p95 alongside
 *   server_ready_ms       spawn of dist/server.js to its first answered request (median of 5)
 *   activation_ms         the extension's activate(), from its own log line in code-server
 *   vsix_bytes            size of dist/taskforce.vsix
 *   parallel_speedup_4    wall time of a 4-task mission (5 turns each, 300 ms replay latency
 *                         per turn) with 1 worker ÷ with 4 workers (target ≥ 3.5)
 *   sandbox_create_ms     mission sandbox of a 5,000-file git repository (median); the
 *                         task worktree time alongside
 *   hunk_accept_ms        accepting one hunk in a 5,000-line file (three-way, jsdiff)
 *   webview_render_1000_ms  first paint of a 1,000-event mission in the panel, headless Chromium
 *
 * Needs a build (`npm run build`) and, for activation_ms and vsix_bytes, `npm run package`
 * and code-server (scripts/ensure-code-server.mjs); it runs those when missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer } from '../cli/serverConnection';
import { makeProject, replayConfig, writeCassette, type Entry } from '../test/integration/helpers';
import { measureActivation } from './activation';
import { parallelSpeedup } from './parallel';
import { sandboxCreateMs } from './sandbox';
import { hunkAcceptMs } from './hunks';
import { webviewRender1000Ms } from './webview';

const root = path.resolve(__dirname, '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number) => Math.round(n * 100) / 100;

async function turnOverhead(dir: string): Promise<{ p50: number; p95: number; turns: number; modelP50: number }> {
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  makeProject(ws);
  const plan = {
    summary: 'Read a lot.',
    tasks: [{ id: 't1', title: 'Read', role: 'coder', instructions: 'Read index.js many times.', acceptance: [], dependsOn: [], writeSet: [] }],
  };
  const reads: Entry[] = Array.from({ length: 98 }, (_, i) => ({
    text: `Reading again (${i + 1}).`,
    toolCalls: [{ name: 'read_file', arguments: { path: i % 2 ? 'index.js' : 'README.md' } }],
  }));
  const cassette = writeCassette(dir, {
    planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }],
    t1: [...reads, { toolCalls: [{ name: 'finish_task', arguments: { summary: 'done', filesChanged: [], commands: [], openQuestions: [] } }] }],
  });
  const server = await startServer({ dbPath: path.join(dir, 'bench.db'), dataDir: dir });
  try {
    const { missionId } = await server.request('mission/start', { goal: 'bench', workspaceRoot: ws, config: replayConfig(cassette, { maxTurnsPerAgent: 200 }) });
    for (;;) {
      const { mission } = await server.request('mission/get', { missionId });
      if (!['draft', 'planning', 'running'].includes(mission.state)) {
        if (mission.state !== 'completed') throw new Error(`bench mission ended ${mission.state}: ${mission.error}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const { events } = await server.request('mission/events', { missionId, limit: 10_000 });
    const turns = events.filter((e) => e.kind === 'turn' && e.turnMs !== undefined && e.modelMs !== undefined);
    const overhead = turns.map((e) => (e.turnMs ?? 0) - (e.modelMs ?? 0));
    return { p50: percentile(overhead, 50), p95: percentile(overhead, 95), turns: turns.length, modelP50: percentile(turns.map((e) => e.modelMs ?? 0), 50) };
  } finally {
    await server.close();
  }
}

async function serverReady(dir: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const server = await startServer({ dbPath: path.join(dir, `ready-${i}.db`), dataDir: dir });
    await server.request('mission/list', {});
    samples.push(performance.now() - t0);
    await server.close();
  }
  return percentile(samples, 50);
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist', 'server.js'))) execFileSync('node', ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  const vsix = path.join(root, 'dist', 'taskforce.vsix');
  if (!fs.existsSync(vsix)) execFileSync('npm', ['run', 'package'], { cwd: root, stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-'));
  try {
    const turns = await turnOverhead(dir);
    const ready = await serverReady(dir);
    const parallel = await parallelSpeedup(fs.mkdtempSync(path.join(dir, 'parallel-')));
    const sandbox = await sandboxCreateMs();
    const hunkAccept = await hunkAcceptMs();
    const webviewRender = await webviewRender1000Ms();
    const activation = await measureActivation(vsix);
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      turn_overhead_ms_p50: round(turns.p50),
      turn_overhead_ms_p95: round(turns.p95),
      turn_model_ms_p50: round(turns.modelP50),
      turns_measured: turns.turns,
      server_ready_ms: round(ready),
      activation_ms: activation === undefined ? null : round(activation),
      vsix_bytes: fs.statSync(vsix).size,
      turn_overhead_target_ms: 5,
      turn_overhead_vs_target: round(turns.p50 / 5),
      parallel_speedup_4: round(parallel.speedup),
      parallel_wall_ms_1_worker: parallel.sequentialMs,
      parallel_wall_ms_4_workers: parallel.parallelMs,
      parallel_speedup_target: 3.5,
      sandbox_create_ms: round(sandbox.median),
      sandbox_files: sandbox.files,
      task_worktree_ms: round(sandbox.taskWorktreeMs),
      hunk_accept_ms: round(hunkAccept),
      webview_render_1000_ms: round(webviewRender),
    };
    fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(26)} ${v}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
