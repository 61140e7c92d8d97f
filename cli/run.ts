/**
 * `taskforce run`: starts a mission on a workspace, prints its progress (or NDJSON with
 * --json), then prints the proposed changes as a unified diff — or, with --apply, writes
 * them to the workspace and records them as accepted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import type { ChangeDetail, InboxItem, InboxResponse, MissionConfig, MissionState, ProviderName } from '../protocol/protocol';
import { unifiedDiff } from '../server/changes/changes';
import manifest from '../package.json';
import { startServer, type ServerHandle } from './serverConnection';
import { EXIT, UsageError, exitCodeFor, demoCassette } from './common';

/** Options of `taskforce run`, already parsed. */
export interface RunOptions {
  goal: string;
  workspace: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  cassette?: string;
  db: string;
  apply: boolean;
  json: boolean;
  allow: string[];
  yes: boolean;
  /** --max-workers as typed (validated here). */
  maxWorkers?: string;
}

const TERMINAL: MissionState[] = ['completed', 'failed', 'cancelled', 'stopped_budget', 'interrupted'];

function pickProvider(o: RunOptions): ProviderName {
  if (o.provider !== undefined) {
    if (o.provider !== 'openai' && o.provider !== 'anthropic' && o.provider !== 'replay') {
      throw new UsageError(`--provider must be openai, anthropic or replay (got "${o.provider}")`);
    }
    return o.provider;
  }
  if (o.cassette) return 'replay';
  if (process.env.OPENAI_API_KEY) return 'openai';
  if (process.env.ANTHROPIC_API_KEY) return 'anthropic';
  throw new UsageError('no provider: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --provider replay [--cassette FILE]');
}

/** Builds the mission config from the flags. */
export function configFrom(o: RunOptions): MissionConfig {
  const provider = pickProvider(o);
  if (!fs.existsSync(o.workspace) || !fs.statSync(o.workspace).isDirectory()) {
    throw new UsageError(`--workspace "${o.workspace}" is not a folder`);
  }
  const cassette = provider === 'replay' ? (o.cassette ?? demoCassette()) : undefined;
  if (cassette && !fs.existsSync(cassette)) throw new UsageError(`--cassette "${cassette}" does not exist`);
  const defaults = manifest.contributes.configuration.properties['taskforce.allowedCommands'].default;
  let maxParallelWorkers: number | undefined;
  if (o.maxWorkers !== undefined) {
    maxParallelWorkers = Number(o.maxWorkers);
    if (!Number.isInteger(maxParallelWorkers) || maxParallelWorkers < 1) throw new UsageError(`--max-workers must be a positive integer (got "${o.maxWorkers}")`);
  }
  return {
    provider,
    models: {},
    defaultModel: o.model,
    openaiBaseURL: provider === 'openai' ? o.baseUrl : undefined,
    anthropicBaseURL: provider === 'anthropic' ? o.baseUrl : undefined,
    cassette,
    allowedCommands: [...defaults, ...o.allow],
    maxParallelWorkers,
  };
}

/** Runs the mission to its end and returns the process exit code. */
export async function runMission(o: RunOptions): Promise<number> {
  const config = configFrom(o);
  const server = await startServer({ dbPath: o.db, dataDir: path.dirname(o.db) });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const emit = (type: string, data: object) => out(JSON.stringify({ type, ...data }));
  let missionId: string | undefined;
  const finished = new Map<string, MissionState>();
  let resolveDone: (state: MissionState) => void = () => undefined;
  const done = new Promise<MissionState>((r) => (resolveDone = r));
  try {
    server.onNotification('mission/didChange', ({ mission }) => {
      if (TERMINAL.includes(mission.state)) finished.set(mission.id, mission.state);
      if (missionId && mission.id !== missionId) return;
      if (o.json) emit('mission', { mission });
      else out(`● mission ${mission.state}${mission.error ? `: ${mission.error}` : ''}`);
      if (missionId && TERMINAL.includes(mission.state)) resolveDone(mission.state);
    });
    server.onNotification('task/didChange', ({ task }) => {
      if (o.json) emit('task', { task });
      else out(`▸ ${task.id} ${task.role} [${task.state}] ${task.title}${task.error ? ` — ${task.error}` : ''}`);
    });
    server.onNotification('agent/didStream', (p) => {
      if (p.kind !== 'event' || !p.event) return;
      if (o.json) return emit('event', { event: p.event });
      const e = p.event;
      const who = p.taskId ?? 'planner';
      if (e.kind === 'tool_call') out(`  ${who} → ${e.text}`);
      else if (e.kind === 'tool_result' && e.ok === false) out(`  ${who} ✗ ${e.text.split('\n')[0].slice(0, 160)}`);
      else if (e.kind === 'text') out(`  ${who}: ${e.text.split('\n')[0].slice(0, 160)}`);
      else if (e.kind === 'error') out(`  ${who} error: ${e.text}`);
    });
    server.onNotification('inbox/didChange', ({ item }) => {
      if (item.state !== 'open' || (missionId && item.missionId !== missionId)) {
        if (o.json && item.state !== 'open') emit('inbox', { item });
        return;
      }
      if (o.json) emit('inbox', { item });
      void answerInboxItem(server, item, o).catch((err: Error) => process.stderr.write(`taskforce: could not answer inbox item ${item.id}: ${err.message}\n`));
    });

    const started = await server.request('mission/start', { goal: o.goal, workspaceRoot: o.workspace, config });
    missionId = started.missionId;
    if (!o.json) out(`Mission ${missionId} on ${o.workspace} (${config.provider}${config.provider === 'replay' ? `: ${path.basename(config.cassette ?? '')}` : ''})`);
    const early = finished.get(missionId);
    if (early) resolveDone(early);
    const onSigint = () => {
      if (missionId) void server.request('mission/cancel', { missionId });
    };
    process.once('SIGINT', onSigint);
    const state = await done;
    process.off('SIGINT', onSigint);

    const { changes } = await server.request('change/list', { missionId });
    const details: ChangeDetail[] = [];
    for (const c of changes.filter((x) => x.state === 'pending')) details.push(await server.request('change/get', { changeId: c.id }));
    if (state === 'completed') await reportChanges(server, o, missionId, details);
    return exitCodeFor(state);
  } finally {
    await server.close();
  }
}

/** Answers an inbox item from the terminal: --yes approves, a TTY asks, otherwise deny / no answer. */
async function answerInboxItem(server: ServerHandle, item: InboxItem, o: RunOptions): Promise<void> {
  const ask = async (prompt: string) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(prompt)).trim();
    } finally {
      rl.close();
    }
  };
  let response: InboxResponse;
  if (item.kind === 'question') {
    response = { answer: process.stdin.isTTY ? (await ask(`${item.title}: ${item.detail}\n> `)) || null : null };
  } else if (o.yes) {
    response = { approved: true, reason: 'approved by --yes' };
  } else if (process.stdin.isTTY) {
    response = { approved: /^y(es)?$/i.test(await ask(`${item.title}\nAllow? [y/N] `)) };
  } else {
    response = { approved: false, reason: 'No user is available to approve this (headless run without --yes or --allow).' };
  }
  await server.request('inbox/respond', { itemId: item.id, response });
}

async function reportChanges(server: ServerHandle, o: RunOptions, missionId: string, details: ChangeDetail[]): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (details.length === 0) {
    if (!o.json) out('No changes proposed.');
    return;
  }
  if (!o.apply) {
    for (const d of details) {
      if (o.json) out(JSON.stringify({ type: 'change', path: d.path, kind: d.kind, diff: unifiedDiff(d) }));
      else process.stdout.write(unifiedDiff(d));
    }
    if (!o.json) out(`\n${details.length} proposed change(s); nothing was written. Run again with --apply to apply them.`);
    return;
  }
  const applied: number[] = [];
  for (const d of details) {
    const target = path.join(o.workspace, ...d.path.split('/'));
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current !== d.baseContent) {
      const msg = `skipped ${d.path}: it changed since the mission started; review it in VS Code or re-run`;
      if (o.json) out(JSON.stringify({ type: 'skipped', path: d.path, reason: msg }));
      else out(msg);
      continue;
    }
    if (d.kind === 'delete') fs.rmSync(target, { force: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, d.proposedContent ?? '');
    }
    applied.push(d.id);
    if (o.json) out(JSON.stringify({ type: 'applied', path: d.path, kind: d.kind }));
    else out(`applied ${d.kind} ${d.path}`);
  }
  if (applied.length) await server.request('change/accept', { missionId, changeIds: applied });
}

export { EXIT };
