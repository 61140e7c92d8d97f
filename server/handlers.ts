/**
 * Request handlers: one function per method of ServerRequests. Params are checked before
 * use; bad params get a JSON-RPC InvalidParams error that says what and why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResponseError, ErrorCodes } from 'vscode-languageserver/node';
import type { MissionConfig, ServerRequestMethod, ServerRequests } from '../protocol/protocol';
import type { Store } from './store/store';
import type { MissionEngine } from './engine/missionEngine';
import type { InboxStore } from './store/inbox';
import type { Inbox } from './engine/inbox';

type Register = <M extends ServerRequestMethod>(
  method: M,
  fn: (p: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']> | ServerRequests[M]['result'],
) => void;

function invalid(message: string): never {
  throw new ResponseError(ErrorCodes.InvalidParams, message);
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${name} must be a non-empty string`);
  return value;
}

function requireMission(store: Store, missionId: unknown) {
  const id = requireString(missionId, 'missionId');
  const m = store.getMission(id);
  if (!m) invalid(`no mission with id "${id}"`);
  return m;
}

function checkConfig(config: unknown): MissionConfig {
  if (!config || typeof config !== 'object') invalid('config must be an object');
  const c = config as MissionConfig;
  if (!['openai', 'anthropic', 'replay'].includes(c.provider)) invalid(`config.provider must be openai, anthropic or replay (got ${String(c.provider)})`);
  if (!Array.isArray(c.allowedCommands) || !c.allowedCommands.every((x) => typeof x === 'string')) invalid('config.allowedCommands must be an array of strings');
  if (!c.models || typeof c.models !== 'object') invalid('config.models must be an object (role → model)');
  for (const k of ['maxParallelWorkers', 'maxTaskAttempts', 'maxReplans', 'maxTurnsPerAgent', 'commandTimeoutMs'] as const) {
    const v = c[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) invalid(`config.${k} must be a positive integer (got ${JSON.stringify(v)})`);
  }
  if (c.provider === 'replay' && (typeof c.cassette !== 'string' || !path.isAbsolute(c.cassette))) invalid('config.cassette must be an absolute path for the replay provider');
  return c;
}

/** Registers every ServerRequests handler. */
export function registerHandlers(
  on: Register,
  store: Store,
  engine: MissionEngine,
  inbox: { store: InboxStore; inbox: Inbox },
  /** Announces a mission's changed change states (change/didChange and mission/didChange). */
  announceChanges: (missionId: string) => void,
): void {
  on('mission/start', async (p) => {
    const goal = requireString(p.goal, 'goal');
    const root = requireString(p.workspaceRoot, 'workspaceRoot');
    if (!path.isAbsolute(root)) invalid(`workspaceRoot must be an absolute path (got "${root}")`);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) invalid(`workspaceRoot "${root}" is not a folder`);
    const config = checkConfig(p.config);
    return { missionId: await engine.start({ goal, workspaceRoot: root, config }) };
  });
  on('mission/list', () => ({ missions: store.listMissions() }));
  on('mission/get', (p) => {
    const m = requireMission(store, p.missionId);
    const { config: _config, plan, sandboxPath: _sandbox, ...mission } = m;
    return { mission, plan, tasks: store.listTasks(m.id), agents: store.listAgents(m.id), changes: store.listChanges(m.id) };
  });
  on('mission/cancel', async (p) => ({ cancelled: await engine.cancel(requireMission(store, p.missionId).id) }));
  on('mission/pause', (p) => ({ paused: engine.pause(requireMission(store, p.missionId).id) }));
  on('mission/resume', (p) => ({ resumed: engine.resume(requireMission(store, p.missionId).id) }));
  on('mission/events', (p) => {
    const m = requireMission(store, p.missionId);
    return { events: store.listEvents(m.id, { afterSeq: p.afterSeq, agentId: p.agentId, limit: p.limit }) };
  });
  on('change/list', (p) => ({ changes: store.listChanges(requireMission(store, p.missionId).id) }));
  on('change/get', (p) => {
    if (typeof p.changeId !== 'number') invalid('changeId must be a number');
    const c = store.getChange(p.changeId);
    if (!c) invalid(`no change with id ${p.changeId}`);
    return c;
  });
  const decide = (state: 'accepted' | 'rejected') => (p: ServerRequests['change/accept']['params']) => {
    const m = requireMission(store, p.missionId);
    if (p.changeIds !== undefined && (!Array.isArray(p.changeIds) || !p.changeIds.every((x) => typeof x === 'number'))) {
      invalid('changeIds must be an array of numbers');
    }
    store.decideChanges(m.id, state, p.changeIds);
    announceChanges(m.id);
    return { changes: store.listChanges(m.id) };
  };
  on('change/accept', decide('accepted'));
  on('change/reject', decide('rejected'));
  on('agent/sendMessage', (p) => {
    const m = requireMission(store, p.missionId);
    const agentId = requireString(p.agentId, 'agentId');
    const text = requireString(p.text, 'text');
    try {
      return { delivery: engine.sendMessage(m.id, agentId, text) };
    } catch (err) {
      invalid((err as Error).message);
    }
  });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    on(`task/${action}`, (p) => {
      const m = requireMission(store, p.missionId);
      return { ok: engine.controlTask(m.id, requireString(p.taskId, 'taskId'), action) };
    });
  }
  on('inbox/list', (p) => ({ items: inbox.store.list({ missionId: p.missionId, openOnly: p.openOnly === true }) }));
  on('inbox/respond', (p) => {
    if (typeof p.itemId !== 'number') invalid('itemId must be a number');
    if (!p.response || typeof p.response !== 'object') invalid('response must be an object: {approved} or {answer}');
    const item = inbox.store.get(p.itemId);
    if (!item) invalid(`no inbox item with id ${p.itemId}`);
    if (item.state !== 'open') invalid(`inbox item ${p.itemId} is already ${item.state}`);
    if (item.kind === 'question' ? p.response.answer === undefined : typeof p.response.approved !== 'boolean') {
      invalid(item.kind === 'question' ? 'a question needs response.answer (a string, or null to decline)' : 'an approval needs response.approved (true or false)');
    }
    return { item: inbox.inbox.respond(p.itemId, p.response) };
  });
  on('hunk/decide', (p) => {
    if (typeof p.changeId !== 'number') invalid('changeId must be a number');
    if (!Array.isArray(p.decisions) || p.decisions.length === 0) invalid('decisions must be a non-empty array');
    for (const d of p.decisions) {
      if (typeof d?.index !== 'number' || !['accepted', 'rejected', 'conflicting'].includes(d.state)) {
        invalid('each decision needs an index (number) and a state: accepted, rejected or conflicting');
      }
    }
    let detail;
    try {
      detail = store.decideHunks(p.changeId, p.decisions);
    } catch (err) {
      invalid((err as Error).message);
    }
    announceChanges(detail.missionId);
    return detail;
  });
}
