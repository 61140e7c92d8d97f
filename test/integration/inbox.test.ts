/**
 * The inbox, policies and chat through the real server: questions and approvals wait in
 * the inbox and resume exactly the waiting worker; the policy matrix decides what asks;
 * chat messages steer running workers, reopen finished tasks and make the planner replan.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InboxItem, MissionConfig } from '../../protocol/protocol';
import { replayConfig, startTestServer, tempDir, writeCassette, writeFiles, type Entry, type TestServer } from './helpers';

let dir: string;
let ts: TestServer;

before(async () => {
  dir = tempDir('inbox');
  // Deny commands containing "deny", approve everything else; answer questions.
  ts = await startTestServer(path.join(dir, 'data'), {
    approve: (item) => !item.detail.includes('deny') && !item.detail.includes('forbidden'),
    answer: (item) => (item.detail.includes('port') ? '8080' : null),
  });
});
after(async () => {
  await ts.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const finish = (summary = 'done', extra: Partial<Entry & object> = {}): Entry => ({ ...extra, toolCalls: [{ name: 'finish_task', arguments: { summary, filesChanged: [], commands: [], openQuestions: [] } }] });
const call = (name: string, args: object, extra: object = {}): Entry => ({ ...extra, toolCalls: [{ name, arguments: args }] });
const task = (id: string, extra: object = {}) => ({ id, title: `Task ${id}`, role: 'coder', instructions: `do ${id}`, acceptance: [], dependsOn: [], writeSet: [`${id}.txt`], ...extra });
const submit = (tasks: object[]): Entry => call('submit_plan', { summary: 'plan', tasks });

async function start(name: string, agents: Record<string, Entry[]>, extra: Partial<MissionConfig> = {}) {
  const ws = path.join(dir, name);
  fs.mkdirSync(ws);
  writeFiles(ws, { 'README.md': '# r\n', 'old.txt': 'old\n' });
  const cassette = writeCassette(dir, agents);
  const { missionId } = await ts.server.request('mission/start', { goal: name, workspaceRoot: ws, config: replayConfig(cassette, { allowedCommands: ['node --version'], ...extra }) });
  return missionId;
}

async function finished(missionId: string) {
  const mission = await ts.waitForEnd(missionId, 60_000);
  const detail = await ts.server.request('mission/get', { missionId });
  const { events } = await ts.server.request('mission/events', { missionId, limit: 10_000 });
  const { items } = await ts.server.request('inbox/list', { missionId });
  return { mission, detail, events, items };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const bySubject = (items: InboxItem[], subject: string) => items.filter((i) => i.subject === subject);

test('supervised: one command approved, one denied, a deletion and an outside write asked; a question answered; all stored with who and when', async () => {
  const id = await start('supervised', {
    planner: [submit([task('t1')])],
    t1: [
      call('run_command', { command: 'node -e "console.log(1)"' }),
      call('run_command', { command: 'node -e "console.log(\'deny me\')"' }),
      call('run_command', { command: 'node --version' }),
      call('delete_file', { path: 'old.txt' }),
      call('write_file', { path: 'forbidden.txt', content: 'x' }),
      call('write_file', { path: 't1.txt', content: 'inside the write-set' }),
      call('ask_user', { question: 'Which port should it use?' }),
      finish(),
    ],
  });
  const { mission, events, items, detail } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  const results = events.filter((e) => e.kind === 'tool_result' && e.taskId === 't1');
  assert.deepEqual(
    results.map((e) => [e.tool, e.ok]),
    [
      ['run_command', true],
      ['run_command', false],
      ['run_command', true],
      ['delete_file', true],
      ['write_file', false],
      ['write_file', true],
      ['ask_user', true],
      ['finish_task', true],
    ],
  );
  assert.match(results[6].text, /The user answered: 8080/);
  const commands = bySubject(items, 'command');
  assert.equal(commands.length, 2, 'the allowlisted command did not ask');
  assert.ok(commands.every((i) => i.state === 'answered' && i.respondedBy === 'user' && i.respondedAt));
  assert.deepEqual(commands.map((i) => i.response?.approved).sort(), [false, true]);
  assert.equal(bySubject(items, 'delete').length, 1);
  assert.equal(bySubject(items, 'write_outside_write_set').length, 1, 'writes inside the write-set do not ask');
  const question = items.find((i) => i.kind === 'question');
  assert.equal(question?.response?.answer, '8080');
  assert.deepEqual(detail.changes.map((c) => [c.path, c.kind]), [['old.txt', 'delete'], ['t1.txt', 'add']]);
});

test('autonomous: nothing asks, and every decision is recorded as made by the policy', async () => {
  const id = await start('autonomous', { planner: [submit([task('t1')])], t1: [call('run_command', { command: 'node -e "1"' }), call('delete_file', { path: 'old.txt' }), finish()] }, { policy: 'autonomous' });
  const { mission, items } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  assert.equal(mission.policy, 'autonomous');
  assert.equal(ts.approvals.filter((a) => a.missionId === id).length, 0, 'the user was asked nothing');
  assert.deepEqual(items.map((i) => [i.subject, i.respondedBy, i.response?.approved]).sort(), [['command', 'policy', true], ['delete', 'policy', true]]);
});

test('human-required: the plan and even allowlisted commands wait for approval', async () => {
  const id = await start('human', { planner: [submit([task('t1')])], t1: [call('run_command', { command: 'node --version' }), finish()] }, { policy: 'human-required' });
  const { mission, items, events } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  const plan = bySubject(items, 'plan')[0];
  assert.equal(plan?.respondedBy, 'user');
  assert.match(plan?.detail ?? '', /t1 \(coder\): Task t1/);
  assert.equal(bySubject(items, 'command').length, 1);
  assert.ok(events.some((e) => e.kind === 'state' && e.text === 'awaiting_plan_approval'));
});

test('a rejected plan goes back to the planner with the reason', async () => {
  const id = await start(
    'reject-plan',
    {
      planner: [submit([task('forbidden')]), submit([task('t2')])],
      t2: [finish()],
    },
    { policy: 'human-required' },
  );
  const { mission, detail, items } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  const plans = bySubject(items, 'plan');
  assert.equal(plans.length, 2);
  assert.deepEqual(detail.tasks.map((t) => [t.id, t.state]), [['forbidden', 'skipped'], ['t2', 'done']]);
});

test('an answer resumes exactly the waiting worker while the others keep running', async () => {
  const manual = await startTestServer(path.join(dir, 'manual'), { manual: true });
  try {
    const ws = path.join(dir, 'answer');
    fs.mkdirSync(ws);
    writeFiles(ws, { 'README.md': '# r\n' });
    const cassette = writeCassette(dir, {
      planner: [submit([task('a'), task('b')])],
      a: [call('ask_user', { question: 'Which port?' }), call('write_file', { path: 'a.txt', content: 'port' }), finish('asked')],
      b: [...Array.from({ length: 6 }, (_, i) => call('write_file', { path: 'b.txt', content: `${i}` }, { delayMs: 150 })), finish('worked')],
    });
    const { missionId } = await manual.server.request('mission/start', { goal: 'answer', workspaceRoot: ws, config: replayConfig(cassette) });
    const item = await waitFor('the question', async () => manual.inbox.find((i) => i.missionId === missionId && i.kind === 'question' && i.state === 'open'));
    const bTurns = async () => (await manual.server.request('mission/events', { missionId, limit: 10_000 })).events.filter((e) => e.kind === 'turn' && e.taskId === 'b').length;
    const before = await bTurns();
    await waitFor('b to go on while a waits', async () => ((await bTurns()) > before ? true : undefined));
    const waiting = (await manual.server.request('mission/get', { missionId })).tasks.find((t) => t.id === 'a');
    assert.equal(waiting?.state, 'awaiting_input');
    const { item: answered } = await manual.server.request('inbox/respond', { itemId: item.id, response: { answer: '8080' } });
    assert.equal(answered.respondedBy, 'user');
    const m = await manual.waitForEnd(missionId, 30_000);
    assert.equal(m.state, 'completed', m.error);
    const { events } = await manual.server.request('mission/events', { missionId, limit: 10_000 });
    assert.match(events.find((e) => e.taskId === 'a' && e.tool === 'ask_user' && e.kind === 'tool_result')?.text ?? '', /The user answered: 8080/);
  } finally {
    await manual.close();
  }
});

test('a chat message steers a running worker at its next turn (the cassette keys on it)', async () => {
  const id = await start('steer', {
    planner: [submit([task('t1')])],
    t1: [
      call('write_file', { path: 't1.txt', content: 'v1' }, { delayMs: 400 }),
      call('write_file', { path: 't1.txt', content: 'blue' }, { delayMs: 100, expectUserMessage: 'use blue' }),
      finish(),
    ],
  });
  await waitFor('t1 running', async () => ((await ts.server.request('mission/get', { missionId: id })).tasks[0]?.state === 'running' ? true : undefined));
  const { delivery } = await ts.server.request('agent/sendMessage', { missionId: id, agentId: `${id}:t1`, text: 'Please use blue instead.' });
  assert.equal(delivery, 'queued');
  const { mission, events } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  const said = events.find((e) => e.kind === 'user_message');
  assert.equal(said?.agentId, `${id}:t1`);
  assert.equal(said?.text, 'Please use blue instead.');
  const { changes } = await ts.server.request('change/list', { missionId: id });
  const c = await ts.server.request('change/get', { changeId: changes.find((x) => x.path === 't1.txt')!.id });
  assert.equal(c.proposedContent, 'blue');
});

test('a message to a finished worker reopens its task; a message to the planner replans the rest', async () => {
  const id = await start('reopen', {
    planner: [submit([task('quick'), task('slow')]), submit([task('extra', { dependsOn: ['quick'] })])],
    quick: [call('write_file', { path: 'quick.txt', content: 'one' }), finish('v1'), call('write_file', { path: 'quick.txt', content: 'two' }, { expectUserMessage: 'make it two' }), finish('v2')],
    slow: Array.from({ length: 8 }, (_, i) => call('write_file', { path: 'slow.txt', content: `${i}` }, { delayMs: 150 })).concat([finish('slow')]),
    extra: [call('write_file', { path: 'extra.txt', content: 'extra' }), finish()],
  });
  await waitFor('quick done', async () => ((await ts.server.request('mission/get', { missionId: id })).tasks.find((t) => t.id === 'quick')?.state === 'done' ? true : undefined));
  assert.deepEqual(await ts.server.request('agent/sendMessage', { missionId: id, agentId: `${id}:quick`, text: 'Please make it two.' }), { delivery: 'reopened' });
  assert.deepEqual(await ts.server.request('agent/sendMessage', { missionId: id, agentId: `${id}:planner`, text: 'Also add extra.txt.' }), { delivery: 'replanning' });
  const { mission, detail } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  const byId = new Map(detail.tasks.map((t) => [t.id, t]));
  assert.equal(byId.get('quick')?.attempts, 2);
  assert.equal(byId.get('quick')?.report?.summary, 'v2');
  assert.equal(byId.get('extra')?.state, 'done');
  assert.deepEqual(detail.changes.map((c) => c.path), ['extra.txt', 'quick.txt', 'slow.txt']);
});

test('per-worker pause, resume and cancel', async () => {
  const long = (f: string) => Array.from({ length: 10 }, (_, i) => call('write_file', { path: f, content: `${i}` }, { delayMs: 120 }));
  const id = await start('control', { planner: [submit([task('p'), task('c'), task('after', { dependsOn: ['c'] })])], p: [...long('p.txt'), finish()], c: [...long('c.txt'), finish()] });
  await waitFor('both running', async () => {
    const { tasks } = await ts.server.request('mission/get', { missionId: id });
    return tasks.filter((t) => t.state === 'running').length === 2 ? true : undefined;
  });
  assert.deepEqual(await ts.server.request('task/pause', { missionId: id, taskId: 'p' }), { ok: true });
  const turns = async (taskId: string) => (await ts.server.request('mission/events', { missionId: id, limit: 10_000 })).events.filter((e) => e.kind === 'turn' && e.taskId === taskId).length;
  await new Promise((r) => setTimeout(r, 300));
  const frozen = await turns('p');
  const cBefore = await turns('c');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await turns('p'), frozen, 'the paused worker takes no turn');
  assert.ok((await turns('c')) > cBefore, 'the other worker keeps running');
  assert.deepEqual(await ts.server.request('task/cancel', { missionId: id, taskId: 'c' }), { ok: true });
  assert.deepEqual(await ts.server.request('task/resume', { missionId: id, taskId: 'p' }), { ok: true });
  const { mission, detail } = await finished(id);
  assert.equal(mission.state, 'completed', mission.error);
  const byId = new Map(detail.tasks.map((t) => [t.id, t]));
  assert.equal(byId.get('p')?.state, 'done');
  assert.equal(byId.get('c')?.state, 'skipped');
  assert.equal(byId.get('c')?.error, 'cancelled by the user');
  assert.equal(byId.get('after')?.state, 'skipped', 'its dependent does not run');
});

test('a response to an unknown or answered item is refused with a clear error', async () => {
  await assert.rejects(ts.server.request('inbox/respond', { itemId: 999_999, response: { approved: true } }), /no inbox item with id 999999/);
  const { items } = await ts.server.request('inbox/list', {});
  const answered = items.find((i) => i.state === 'answered');
  assert.ok(answered);
  await assert.rejects(ts.server.request('inbox/respond', { itemId: answered.id, response: { approved: true } }), /already answered/);
});
