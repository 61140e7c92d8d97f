/**
 * Done only on evidence, through the real server: check commands gate finish_task, a
 * failing check goes back to the worker, a task that fails every attempt makes the
 * planner replan the rest (keeping finished work), a reviewer sends work back, and
 * pause stops every worker at its next turn.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replayConfig, startTestServer, tempDir, writeCassette, writeFiles, type Entry, type TestServer } from './helpers';

let dir: string;
let ts: TestServer;

before(async () => {
  dir = tempDir('evidence');
  ts = await startTestServer(path.join(dir, 'data'));
});
after(async () => {
  await ts.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const finish = (summary = 'done', delayMs = 0): Entry => ({ delayMs, toolCalls: [{ name: 'finish_task', arguments: { summary, filesChanged: [], commands: [], openQuestions: [] } }] });
const write = (p: string, content: string, delayMs = 0): Entry => ({ delayMs, toolCalls: [{ name: 'write_file', arguments: { path: p, content } }] });
const submit = (tasks: object[]): Entry => ({ toolCalls: [{ name: 'submit_plan', arguments: { summary: 'plan', tasks } }] });
const task = (id: string, extra: object = {}) => ({ id, title: `Task ${id}`, role: 'coder', instructions: `do ${id}`, acceptance: [], dependsOn: [], writeSet: [`${id}.txt`], ...extra });
/** A check that passes only when ok.txt holds "yes". */
const CHECK = 'node check.js';
const CHECK_JS = "const fs = require('fs');\nconst ok = fs.existsSync('ok.txt') && fs.readFileSync('ok.txt', 'utf8').trim() === 'yes';\nconsole.log(ok ? 'check passed' : 'check failed: ok.txt must say yes');\nprocess.exit(ok ? 0 : 1);\n";

function workspace(name: string): string {
  const ws = path.join(dir, name);
  fs.mkdirSync(ws);
  writeFiles(ws, { 'check.js': CHECK_JS, 'README.md': '# w\n' });
  return ws;
}

async function run(ws: string, agents: Record<string, Entry[]>, extra: Parameters<typeof replayConfig>[1] = {}) {
  const cassette = writeCassette(dir, agents);
  const { missionId } = await ts.server.request('mission/start', {
    goal: 'evidence',
    workspaceRoot: ws,
    config: replayConfig(cassette, { allowedCommands: [CHECK], ...extra }),
  });
  const mission = await ts.waitForEnd(missionId, 60_000);
  const detail = await ts.server.request('mission/get', { missionId });
  const { events } = await ts.server.request('mission/events', { missionId, limit: 10_000 });
  return { missionId, mission, detail, events };
}

test('a failing check goes back to the worker with its output; the retry passes and the evidence is stored', async () => {
  const ws = workspace('retry');
  const { mission, detail, events } = await run(ws, {
    planner: [submit([task('t1', { writeSet: ['ok.txt'], checks: [CHECK] })])],
    t1: [write('ok.txt', 'no\n'), finish('first try'), write('ok.txt', 'yes\n'), finish('fixed')],
  });
  assert.equal(mission.state, 'completed', mission.error);
  const t1 = detail.tasks[0];
  assert.equal(t1.state, 'done');
  assert.equal(t1.attempts, 2);
  assert.deepEqual(
    t1.evidence.map((e) => [e.attempt, e.command, e.exitCode, e.passed]),
    [
      [1, CHECK, 1, false],
      [2, CHECK, 0, true],
    ],
  );
  assert.match(t1.evidence[0].outputTail, /check failed: ok\.txt must say yes/);
  assert.ok(t1.evidence.every((e) => e.durationMs > 0));
  const rejected = events.find((e) => e.kind === 'tool_result' && e.tool === 'finish_task' && e.ok === false);
  assert.match(rejected?.text ?? '', /Check `node check\.js` failed \(exit code 1/);
  assert.match(rejected?.text ?? '', /check failed: ok\.txt must say yes/, 'the worker sees the output');
  assert.equal(t1.report?.summary, 'fixed');
});

test('a task that fails every attempt fails, and the planner replans the rest, keeping finished work', async () => {
  const ws = workspace('replan');
  const { mission, detail, events, missionId } = await run(
    ws,
    {
      planner: [
        submit([task('keep'), task('bad', { writeSet: ['ok.txt'], checks: [CHECK] }), task('later', { dependsOn: ['bad'] })]),
        submit([task('alt', { dependsOn: ['keep'], writeSet: ['alt.txt'] })]),
      ],
      keep: [write('keep.txt', 'kept\n'), finish()],
      bad: [write('ok.txt', 'no\n', 150), finish('try 1'), finish('try 2')],
      alt: [write('alt.txt', 'alternative\n'), finish()],
    },
    { maxTaskAttempts: 2 },
  );
  assert.equal(mission.state, 'completed', mission.error);
  const byId = new Map(detail.tasks.map((t) => [t.id, t]));
  assert.equal(byId.get('keep')?.state, 'done');
  assert.equal(byId.get('bad')?.state, 'failed');
  assert.match(byId.get('bad')?.error ?? '', /checks failed on all 2 attempts/);
  assert.equal(byId.get('bad')?.evidence.length, 2);
  assert.equal(byId.get('later')?.state, 'skipped', 'the unstarted task is replaced');
  assert.equal(byId.get('alt')?.state, 'done');
  const replanMessage = (await ts.server.request('mission/events', { missionId })).events;
  assert.ok(replanMessage.some((e) => e.kind === 'info' && /replan 1: alt/.test(e.text)));
  assert.ok(events.some((e) => e.kind === 'tool_result' && e.tool === 'submit_plan' && e.ok && e.seq > (events.find((x) => x.taskId === 'bad' && x.kind === 'error')?.seq ?? Infinity)));
  const paths = detail.changes.map((c) => c.path);
  assert.ok(paths.includes('keep.txt'), 'finished work is kept');
  assert.ok(paths.includes('alt.txt'));
  assert.ok(!paths.includes('ok.txt'), 'the failed task is not integrated');
});

test('replans are bounded: when the replacement fails too and the budget is used up, the mission fails', async () => {
  const ws = workspace('replan-limit');
  const { mission } = await run(
    ws,
    {
      planner: [submit([task('bad', { writeSet: ['ok.txt'], checks: [CHECK] })]), submit([task('bad2', { writeSet: ['ok.txt'], checks: [CHECK] })])],
      bad: [finish('no')],
      bad2: [finish('no')],
    },
    { maxTaskAttempts: 1, maxReplans: 1 },
  );
  assert.equal(mission.state, 'failed');
  assert.match(mission.error ?? '', /bad2.*failed.*already replanned 1 times/);
});

test('a reviewer sends the task back with findings; the coder revises; the second review passes', async () => {
  const ws = workspace('review');
  const { mission, detail, events, missionId } = await run(ws, {
    planner: [submit([task('code', { writeSet: ['feature.txt'] }), { ...task('review', { dependsOn: ['code'], writeSet: [] }), role: 'reviewer' }])],
    code: [write('feature.txt', 'feature v1\n'), finish('v1'), write('feature.txt', 'feature v2 with tests\n'), finish('v2')],
    review: [
      { toolCalls: [{ name: 'request_changes', arguments: { taskId: 'code', findings: ['feature.txt: add tests'] } }] },
      finish('looks good now'),
    ],
  });
  assert.equal(mission.state, 'completed', mission.error);
  const byId = new Map(detail.tasks.map((t) => [t.id, t]));
  assert.equal(byId.get('code')?.attempts, 2);
  assert.equal(byId.get('code')?.report?.summary, 'v2');
  assert.equal(byId.get('review')?.report?.summary, 'looks good now');
  const opening = events.filter((e) => e.taskId === 'code');
  assert.ok(opening.length > 0);
  const reviewerFirst = events.find((e) => e.taskId === 'review' && e.tool === 'request_changes' && e.kind === 'tool_result');
  assert.equal(reviewerFirst?.ok, true);
  const { changes } = await ts.server.request('change/list', { missionId });
  const change = await ts.server.request('change/get', { changeId: changes.find((c) => c.path === 'feature.txt')!.id });
  assert.equal(change.proposedContent, 'feature v2 with tests\n');
});

test('pause stops every worker at its next turn; resume lets them finish', async () => {
  const ws = workspace('pause');
  const slow = (id: string): Entry[] => [write(`${id}.txt`, 'a\n', 200), write(`${id}.txt`, 'b\n', 200), write(`${id}.txt`, 'c\n', 200), finish()];
  const cassette = writeCassette(dir, { planner: [submit([task('p1'), task('p2')])], p1: slow('p1'), p2: slow('p2') });
  const { missionId } = await ts.server.request('mission/start', { goal: 'pause', workspaceRoot: ws, config: replayConfig(cassette) });
  for (let i = 0; i < 200; i++) {
    const { tasks } = await ts.server.request('mission/get', { missionId });
    if (tasks.length === 2 && tasks.every((t) => t.state === 'running')) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.deepEqual(await ts.server.request('mission/pause', { missionId }), { paused: true });
  assert.equal((await ts.server.request('mission/get', { missionId })).mission.state, 'paused');
  await new Promise((r) => setTimeout(r, 600)); // let in-flight turns end at their boundary
  const count = async () => (await ts.server.request('mission/events', { missionId, limit: 10_000 })).events.filter((e) => e.kind === 'turn').length;
  const frozen = await count();
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(await count(), frozen, 'no turn starts while paused');
  assert.deepEqual(await ts.server.request('mission/resume', { missionId }), { resumed: true });
  const mission = await ts.waitForEnd(missionId, 30_000);
  assert.equal(mission.state, 'completed', mission.error);
  assert.ok((await count()) > frozen);
});
