#!/usr/bin/env node
// `npm test`: every test, in order, failing fast with a summary and per-stage durations.
//   build → typecheck → unit → integration+CLI → e2e setup (code-server, VSIX) → e2e
// TASKFORCE_SKIP_E2E=1 skips the last two stages, for quick local runs only: CI never sets it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const skipE2e = process.env.TASKFORCE_SKIP_E2E === '1';

/** @typedef {{ name: string, cmd: string, args: string[] }} Stage */
/** @type {Stage[]} */
const stages = [
  { name: 'build', cmd: 'node', args: ['esbuild.mjs'] },
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-p', '.', '--noEmit'] },
  { name: 'unit', cmd: 'npm', args: ['run', 'test:unit'] },
  { name: 'integration+cli', cmd: 'npm', args: ['run', 'test:integration'] },
  { name: 'e2e setup: code-server', cmd: 'node', args: ['scripts/ensure-code-server.mjs'] },
  { name: 'e2e setup: example workspace', cmd: 'node', args: ['scripts/example-workspace.mjs'] },
  { name: 'e2e setup: package VSIX', cmd: 'npm', args: ['run', 'package'] },
  { name: 'e2e', cmd: 'npm', args: ['run', 'test:e2e'] },
];

function fmt(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function banner(text) {
  const line = '─'.repeat(Math.max(8, 72 - text.length));
  console.log(`\n── ${text} ${line}`);
}

function runStage(stage) {
  return new Promise((resolveStage) => {
    const child = spawn(stage.cmd, stage.args, { stdio: 'inherit', env: process.env });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`[test] cannot start ${stage.cmd}: ${err.message}`);
      resolveStage(127);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolveStage(code ?? (signal ? 128 : 1));
    });
  });
}

/** Test files matching a stage's folder; an empty folder is reported, not an error. */
function hasTests(dir) {
  return existsSync(join(ROOT, dir));
}

const results = [];
const started = Date.now();
let failed = null;
for (const stage of stages) {
  const isE2e = stage.name.startsWith('e2e');
  if (isE2e && skipE2e) {
    results.push({ name: stage.name, status: 'skipped (TASKFORCE_SKIP_E2E=1)', ms: 0 });
    continue;
  }
  if (stage.name === 'e2e' && !hasTests('test/e2e')) {
    results.push({ name: stage.name, status: 'no test/e2e folder', ms: 0 });
    continue;
  }
  banner(`${stage.name}: ${stage.cmd} ${stage.args.join(' ')}`);
  const t0 = Date.now();
  const code = await runStage(stage);
  const ms = Date.now() - t0;
  results.push({ name: stage.name, status: code === 0 ? 'ok' : `FAILED (exit ${code})`, ms });
  console.log(`[test] ${stage.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${fmt(ms)}`);
  if (code !== 0) {
    failed = stage;
    break;
  }
}

banner('summary');
const width = Math.max(...stages.map((s) => s.name.length));
for (const s of stages) {
  const r = results.find((x) => x.name === s.name);
  const status = r ? r.status : 'not run';
  console.log(`  ${s.name.padEnd(width)}  ${status.padEnd(32)} ${r && r.ms ? fmt(r.ms) : ''}`);
}
console.log(`  ${'total'.padEnd(width)}  ${''.padEnd(32)} ${fmt(Date.now() - started)}`);
if (failed) {
  console.log(`\nnpm test FAILED at stage "${failed.name}" (${failed.cmd} ${failed.args.join(' ')}).`);
  process.exit(1);
}
if (skipE2e) console.log('\nnpm test passed WITHOUT e2e (TASKFORCE_SKIP_E2E=1). CI runs everything.');
else console.log('\nnpm test passed.');
