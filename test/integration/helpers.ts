/**
 * Helpers for server integration tests: temporary workspaces, cassettes written to disk,
 * and a real server process (dist/server.js over stdio) with its notifications recorded.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  AgentDidStreamParams,
  InboxItem,
  MissionConfig,
  MissionState,
  MissionSummary,
  TaskInfo,
} from '../../protocol/protocol';
import { startServer, type ServerHandle } from '../../cli/serverConnection';

/** A temporary folder removed by cleanup(). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tf-${prefix}-`));
}

/** Writes files (relative path → content) under root. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** Reads every file under root (skipping .git and node_modules) as path → content. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else out[r] = fs.readFileSync(path.join(dir, e.name), 'utf8');
    }
  };
  walk(root, '');
  return out;
}

/** A small Node project used as a workspace: a sum() module and a node:test suite. */
export function makeProject(root: string): void {
  writeFiles(root, {
    'package.json': JSON.stringify({ name: 'calc', version: '1.0.0', scripts: { test: 'node --test' } }, null, 2) + '\n',
    'index.js': 'function sum(a, b) {\n  return a + b;\n}\n\nmodule.exports = { sum };\n',
    'test/sum.test.js': "const test = require('node:test');\nconst assert = require('node:assert');\nconst { sum } = require('../index.js');\n\ntest('sum', () => assert.strictEqual(sum(1, 2), 3));\n",
    'README.md': '# calc\n\nAdds numbers.\n',
  });
}

/** One cassette entry (see docs/cassettes.md). */
export type Entry =
  | { text?: string; toolCalls?: { name: string; arguments: object | string }[]; usage?: { inputTokens: number; outputTokens: number }; delayMs?: number }
  | { error: { status: number; message?: string; times?: number } };

/** Writes a cassette and returns its absolute path. */
export function writeCassette(dir: string, agents: Record<string, Entry[]>, wireFormat: 'openai' | 'anthropic' = 'openai'): string {
  const file = path.join(dir, `cassette-${wireFormat}.json`);
  fs.writeFileSync(file, JSON.stringify({ version: 1, wireFormat, agents }, null, 2));
  return file;
}

/** A replay MissionConfig for a cassette. */
export function replayConfig(cassette: string, extra: Partial<MissionConfig> = {}): MissionConfig {
  return { provider: 'replay', models: {}, cassette, allowedCommands: ['node --test', 'npm test'], ...extra };
}

const TERMINAL: MissionState[] = ['completed', 'failed', 'cancelled', 'stopped_budget', 'interrupted'];

/** A server process with every notification it sent recorded. */
export interface TestServer {
  server: ServerHandle;
  missions: MissionSummary[];
  tasks: TaskInfo[];
  streams: AgentDidStreamParams[];
  /** Approval items the user was asked (not those a policy decided). */
  approvals: InboxItem[];
  /** Every inbox item announcement. */
  inbox: InboxItem[];
  /** Resolves with the mission's final summary. */
  waitForEnd(missionId: string, timeoutMs?: number): Promise<MissionSummary>;
  close(): Promise<void>;
}

/**
 * Starts dist/server.js over stdio.
 * @param approve decides approval items in the inbox (default: deny).
 * @param answer answers questions (default: no answer).
 * @param manual leave inbox items open: the test answers them itself.
 * @param env the server's environment; when given, its stderr is piped (server.process.stderr).
 */
export async function startTestServer(
  dataDir: string,
  opts: { dbPath?: string | null; approve?: (p: InboxItem) => boolean; answer?: (p: InboxItem) => string | null; env?: NodeJS.ProcessEnv; manual?: boolean } = {},
): Promise<TestServer> {
  const server = await startServer(
    { dbPath: opts.dbPath === undefined ? path.join(dataDir, 'taskforce.db') : opts.dbPath, dataDir },
    opts.env ? 'pipe' : 'ignore',
    opts.env,
  );
  const t: TestServer = {
    server,
    missions: [],
    tasks: [],
    streams: [],
    approvals: [],
    inbox: [],
    waitForEnd: (missionId, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`mission ${missionId} did not end within ${timeoutMs} ms`)), timeoutMs);
        const check = async () => {
          const { mission } = await server.request('mission/get', { missionId });
          if (TERMINAL.includes(mission.state)) {
            clearTimeout(timer);
            resolve(mission);
            return true;
          }
          return false;
        };
        const poll = async () => {
          try {
            if (!(await check())) setTimeout(poll, 50);
          } catch (err) {
            clearTimeout(timer);
            reject(err);
          }
        };
        void poll();
      }),
    close: () => server.close(),
  };
  server.onNotification('mission/didChange', (p) => t.missions.push(p.mission));
  server.onNotification('task/didChange', (p) => t.tasks.push(p.task));
  server.onNotification('agent/didStream', (p) => t.streams.push(p));
  server.onNotification('inbox/didChange', ({ item }) => {
    t.inbox.push(item);
    if (item.state !== 'open' || opts.manual) return;
    if (item.kind === 'question') {
      void server.request('inbox/respond', { itemId: item.id, response: { answer: opts.answer ? opts.answer(item) : null } });
      return;
    }
    t.approvals.push(item);
    void server.request('inbox/respond', { itemId: item.id, response: { approved: opts.approve ? opts.approve(item) : false } });
  });
  return t;
}
