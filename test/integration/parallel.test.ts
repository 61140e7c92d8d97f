/**
 * The parallel team, through the real server: workers overlapping in time, each in its
 * own task worktree from the integrated state; three-way merges; conflicts resolved by a
 * resolve-conflict task; cancel stopping every worker and cleaning every sandbox.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MissionEvent } from '../../protocol/protocol';
import { replayConfig, snapshot, startTestServer, tempDir, writeCassette, writeFiles, type Entry, type TestServer } from './helpers';

let dir: string;
let data: string;
let ts: TestServer;

before(async () => {
  dir = tempDir('parallel');
  data = path.join(dir, 'data');
  ts = await startTestServer(data);
});
after(async () => {
  await ts.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const finish = (summary = 'done'): Entry => ({ toolCalls: [{ name: 'finish_task', arguments: { summary, filesChanged: [], commands: [], openQuestions: [] } }] });
const write = (p: string, content: string, delayMs = 0): Entry => ({ delayMs, toolCalls: [{ name: 'write_file', arguments: { path: p, content } }] });
const edit = (p: string, oldText: string, newText: string, delayMs = 0): Entry => ({ delayMs, toolCalls: [{ name: 'edit_file', arguments: { path: p, oldText, newText } }] });
const read = (p: string, delayMs = 0): Entry => ({ delayMs, toolCalls: [{ name: 'read_file', arguments: { path: p } }] });
const task = (id: string, writeSet: string[], dependsOn: string[] = []) => ({ id, title: `Task ${id}`, role: 'coder', instructions: `do ${id}`, acceptance: [], dependsOn, writeSet });
const planner = (tasks: object[]): Entry[] => [{ toolCalls: [{ name: 'submit_plan', arguments: { summary: 'plan', tasks } }] }];

function workspace(name: string, files: Record<string, string>): string {
  const ws = path.join(dir, name);
  fs.mkdirSync(ws);
  writeFiles(ws, files);
  return ws;
}

async function run(ws: string, agents: Record<string, Entry[]>, extra: Parameters<typeof replayConfig>[1] = {}) {
  const cassette = writeCassette(dir, agents);
  const { missionId } = await ts.server.request('mission/start', { goal: 'parallel', workspaceRoot: ws, config: replayConfig(cassette, extra) });
  const mission = await ts.waitForEnd(missionId, 60_000);
  const detail = await ts.server.request('mission/get', { missionId });
  const { events } = await ts.server.request('mission/events', { missionId, limit: 10_000 });
  return { missionId, mission, detail, events };
}

async function proposed(missionId: string, file: string): Promise<string | null> {
  const { changes } = await ts.server.request('change/list', { missionId });
  const c = changes.find((x) => x.path === file);
  if (!c) return null;
  return (await ts.server.request('change/get', { changeId: c.id })).proposedContent;
}

/** [first, last] event time of each task's agent. */
function spans(events: MissionEvent[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const e of events) {
    if (!e.taskId || !e.agentId) continue;
    const s = out.get(e.taskId);
    out.set(e.taskId, s ? [Math.min(s[0], e.ts), Math.max(s[1], e.ts)] : [e.ts, e.ts]);
  }
  return out;
}

test('four independent tasks run on four workers that really overlap in time', async () => {
  const ws = workspace('four', { 'README.md': '# four\n' });
  const ids = ['a', 'b', 'c', 'd'];
  const agents: Record<string, Entry[]> = { planner: planner(ids.map((id) => task(id, [`${id}.txt`]))) };
  for (const id of ids) agents[id] = [write(`${id}.txt`, `${id}\n`, 300), { ...finish(), delayMs: 300 }];
  const { mission, detail, events, missionId } = await run(ws, agents, { maxParallelWorkers: 4 });
  assert.equal(mission.state, 'completed', mission.error);
  const s = spans(events);
  const latestStart = Math.max(...ids.map((id) => s.get(id)![0]));
  const earliestEnd = Math.min(...ids.map((id) => s.get(id)![1]));
  assert.ok(latestStart < earliestEnd, `all four workers were active at once (last start ${latestStart} < first end ${earliestEnd})`);
  assert.deepEqual(detail.changes.map((c) => c.path), ['a.txt', 'b.txt', 'c.txt', 'd.txt']);
  for (const id of ids) assert.equal(await proposed(missionId, `${id}.txt`), `${id}\n`);
  assert.deepEqual(snapshot(ws), { 'README.md': '# four\n' }, 'the user files are untouched');
});

test('maxParallelWorkers bounds how many workers run at once', async () => {
  const ws = workspace('bounded', { 'README.md': '# b\n' });
  const ids = ['a', 'b', 'c'];
  const agents: Record<string, Entry[]> = { planner: planner(ids.map((id) => task(id, [`${id}.txt`]))) };
  for (const id of ids) agents[id] = [write(`${id}.txt`, `${id}\n`, 200), finish()];
  const { mission, events } = await run(ws, agents, { maxParallelWorkers: 1 });
  assert.equal(mission.state, 'completed', mission.error);
  const s = [...spans(events).values()].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < s.length; i++) assert.ok(s[i][0] >= s[i - 1][1], 'with one worker, tasks do not overlap');
});

test("a diamond (A → B, C → D): D's sandbox holds both B's and C's results", async () => {
  const ws = workspace('diamond', { 'base.txt': 'base\n' });
  const { mission, events, missionId } = await run(ws, {
    planner: planner([task('A', ['a.txt']), task('B', ['b.txt'], ['A']), task('C', ['c.txt'], ['A']), task('D', ['d.txt'], ['B', 'C'])]),
    A: [write('a.txt', 'from A\n'), finish()],
    B: [read('a.txt'), write('b.txt', 'from B\n', 100), finish()],
    C: [read('a.txt'), write('c.txt', 'from C\n', 100), finish()],
    D: [read('b.txt'), read('c.txt'), write('d.txt', 'from D\n'), finish()],
  });
  assert.equal(mission.state, 'completed', mission.error);
  const dReads = events.filter((e) => e.taskId === 'D' && e.kind === 'tool_result' && e.tool === 'read_file');
  assert.equal(dReads.length, 2);
  assert.ok(dReads.every((e) => e.ok), 'D could read both files');
  assert.match(dReads[0].text, /from B/);
  assert.match(dReads[1].text, /from C/);
  const bReads = events.find((e) => e.taskId === 'B' && e.tool === 'read_file' && e.kind === 'tool_result');
  assert.match(bReads?.text ?? '', /from A/, "B started from A's result");
  for (const f of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) assert.ok(await proposed(missionId, f), `${f} is proposed`);
});

test('two workers editing the same file in different places are merged cleanly', async () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const ws = workspace('sameFile', { 'shared.txt': lines });
  const { mission, missionId, detail } = await run(ws, {
    planner: planner([task('top', ['top.txt']), task('bottom', ['bottom.txt'])]),
    top: [edit('shared.txt', 'line 1\n', 'line 1 (edited by top)\n', 100), finish()],
    bottom: [edit('shared.txt', 'line 20\n', 'line 20 (edited by bottom)\n', 100), finish()],
  }, { policy: 'autonomous' }); // both write outside their write-sets, on purpose
  assert.equal(mission.state, 'completed', mission.error);
  assert.ok(!detail.tasks.some((t) => t.kind === 'resolve_conflict'), 'no conflict task');
  const merged = await proposed(missionId, 'shared.txt');
  assert.match(merged ?? '', /^line 1 \(edited by top\)\n/);
  assert.match(merged ?? '', /line 20 \(edited by bottom\)\n$/);
  assert.equal(merged?.split('\n').length, 21);
});

test('two workers editing the same lines: a resolve-conflict task, then a resolved file with neither side lost', async () => {
  const ws = workspace('conflict', { 'config.txt': 'port = 80\n' });
  const { mission, missionId, detail, events } = await run(ws, {
    planner: planner([task('fast', ['fast.txt']), task('slow', ['slow.txt'])]),
    fast: [edit('config.txt', 'port = 80', 'port = 8080'), finish()],
    slow: [edit('config.txt', 'port = 80', 'port = 80\nhost = example.org', 400), finish()],
    'slow-merge': [read('config.txt'), write('config.txt', 'port = 8080\nhost = example.org\n'), finish('kept both')],
  }, { policy: 'autonomous' }); // both write outside their write-sets, on purpose
  assert.equal(mission.state, 'completed', mission.error);
  const resolver = detail.tasks.find((t) => t.kind === 'resolve_conflict');
  assert.equal(resolver?.id, 'slow-merge');
  assert.equal(resolver?.state, 'done');
  assert.match(resolver?.instructions ?? '', /port = 8080/, 'the resolver is given the integrated side');
  assert.match(resolver?.instructions ?? '', /host = example\.org/, 'and the task side');
  assert.ok(resolver?.evidence.some((e) => e.passed && /no conflict markers/.test(e.command)));
  const seen = events.find((e) => e.taskId === 'slow-merge' && e.tool === 'read_file' && e.kind === 'tool_result');
  assert.match(seen?.text ?? '', /<<<<<<< integrated[\s\S]*=======[\s\S]*>>>>>>> task slow/, 'its sandbox holds the conflict markers');
  assert.equal(await proposed(missionId, 'config.txt'), 'port = 8080\nhost = example.org\n');
});

test('cancel during a parallel run stops every worker and cleans every sandbox, keeping the integrated state', async () => {
  const ws = workspace('cancel', { 'README.md': '# c\n' });
  const slow = (id: string): Entry[] => [write(`${id}.txt`, `${id}\n`, 300), ...Array.from({ length: 20 }, () => read(`${id}.txt`, 300)), finish()];
  const cassette = writeCassette(dir, {
    planner: planner([task('quick', ['quick.txt']), task('s1', ['s1.txt']), task('s2', ['s2.txt'])]),
    quick: [write('quick.txt', 'kept\n'), finish()],
    s1: slow('s1'),
    s2: slow('s2'),
  });
  const { missionId } = await ts.server.request('mission/start', { goal: 'cancel me', workspaceRoot: ws, config: replayConfig(cassette, { maxParallelWorkers: 3 }) });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { tasks } = await ts.server.request('mission/get', { missionId });
    const byId = new Map(tasks.map((t) => [t.id, t.state]));
    if (byId.get('quick') === 'done' && byId.get('s1') === 'running' && byId.get('s2') === 'running') break;
    assert.ok(Date.now() < deadline, `tasks did not reach quick=done, s1/s2=running: ${JSON.stringify(tasks.map((t) => [t.id, t.state, t.error]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const taskDir = path.join(data, 'sandboxes', `${missionId}.tasks`);
  assert.equal(fs.readdirSync(taskDir).length >= 2, true, 'the running workers have their own sandboxes');
  const { cancelled } = await ts.server.request('mission/cancel', { missionId });
  assert.equal(cancelled, true);
  const detail = await ts.server.request('mission/get', { missionId });
  assert.equal(detail.mission.state, 'cancelled');
  assert.ok(detail.tasks.every((t) => !['running', 'ready', 'pending', 'awaiting_input', 'awaiting_approval'].includes(t.state)), JSON.stringify(detail.tasks.map((t) => [t.id, t.state])));
  const leftovers = fs.existsSync(taskDir) ? fs.readdirSync(taskDir) : [];
  assert.deepEqual(leftovers, [], 'every task sandbox is removed');
  assert.equal(fs.existsSync(path.join(data, 'sandboxes', missionId)), false, 'the mission sandbox is removed');
  assert.deepEqual(detail.changes.map((c) => c.path), ['quick.txt'], 'the integrated state (quick) is kept as a proposed change');
  assert.equal(await proposed(missionId, 'quick.txt'), 'kept\n');
  const before = (await ts.server.request('mission/events', { missionId, limit: 10_000 })).events.length;
  await new Promise((r) => setTimeout(r, 700));
  const afterCount = (await ts.server.request('mission/events', { missionId, limit: 10_000 })).events.length;
  assert.equal(afterCount, before, 'no worker goes on after cancel');
});
