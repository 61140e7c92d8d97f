/**
 * Server integration: the real server process (dist/server.js) driven over JSON-RPC,
 * the replay provider speaking the real OpenAI / Anthropic wire formats to the real
 * SDKs, a real sql.js database file and real files in temporary folders.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  makeProject,
  replayConfig,
  snapshot,
  startTestServer,
  tempDir,
  writeCassette,
  type Entry,
  type TestServer,
} from './helpers';

const PLAN = {
  summary: 'Add a product function, then test it.',
  tasks: [
    { id: 't1', title: 'Add product()', role: 'coder', instructions: 'Add product(a, b) to index.js and export it.', acceptance: ['product is exported'], dependsOn: [], writeSet: ['index.js'] },
    { id: 't2', title: 'Test product()', role: 'tester', instructions: 'Add test/product.test.js and run node --test.', acceptance: ['tests pass'], dependsOn: ['t1'], writeSet: ['test/**'] },
  ],
};

const CODER: Entry[] = [
  { text: 'Reading index.js first.', toolCalls: [{ name: 'read_file', arguments: { path: 'index.js' } }] },
  {
    text: 'Adding product().',
    toolCalls: [
      {
        name: 'edit_file',
        arguments: {
          path: 'index.js',
          oldText: 'module.exports = { sum };',
          newText: 'function product(a, b) {\n  return a * b;\n}\n\nmodule.exports = { sum, product };',
        },
      },
    ],
  },
  { toolCalls: [{ name: 'finish_task', arguments: { summary: 'Added product()', filesChanged: ['index.js'], commands: [], openQuestions: [] } }] },
];

const TESTER: Entry[] = [
  {
    text: 'Writing the test.',
    toolCalls: [
      {
        name: 'write_file',
        arguments: {
          path: 'test/product.test.js',
          content: "const test = require('node:test');\nconst assert = require('node:assert');\nconst { product } = require('../index.js');\n\ntest('product', () => assert.strictEqual(product(3, 4), 12));\n",
        },
      },
    ],
  },
  { toolCalls: [{ name: 'run_command', arguments: { command: 'node --test' } }] },
  {
    toolCalls: [
      { name: 'finish_task', arguments: { summary: 'Tests pass', filesChanged: ['test/product.test.js'], commands: [{ command: 'node --test', exitCode: 0 }], openQuestions: [] } },
    ],
  },
];

const PLANNER: Entry[] = [
  { text: 'Looking at the workspace.', toolCalls: [{ name: 'list_files', arguments: { path: '.' } }] },
  { text: 'Here is the plan.', toolCalls: [{ name: 'submit_plan', arguments: PLAN }] },
];

let dir: string;
let ts: TestServer;

before(async () => {
  dir = tempDir('mission');
  ts = await startTestServer(path.join(dir, 'data'));
});
after(async () => {
  await ts.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh project folder and a cassette for it. */
function setup(name: string, agents: Record<string, Entry[]>, wire: 'openai' | 'anthropic' = 'openai') {
  const ws = path.join(dir, name);
  fs.mkdirSync(ws);
  makeProject(ws);
  return { ws, cassette: writeCassette(path.join(dir), { ...agents }, wire), before: snapshot(ws) };
}

async function runMission(ws: string, cassette: string, goal = 'Add product() with a test') {
  const { missionId } = await ts.server.request('mission/start', { goal, workspaceRoot: ws, config: replayConfig(cassette) });
  const mission = await ts.waitForEnd(missionId);
  return { missionId, mission };
}

for (const wire of ['openai', 'anthropic'] as const) {
  test(`a full mission over the ${wire} wire format plans, runs both tasks in the sandbox and proposes changes without touching the workspace`, async () => {
    const { ws, cassette, before: files } = setup(`full-${wire}`, { planner: PLANNER, t1: CODER, t2: TESTER }, wire);
    const { missionId, mission } = await runMission(ws, cassette);
    assert.equal(mission.state, 'completed', mission.error);

    const detail = await ts.server.request('mission/get', { missionId });
    assert.deepEqual(detail.tasks.map((t) => [t.id, t.state]), [['t1', 'done'], ['t2', 'done']]);
    assert.equal(detail.tasks[1].report?.commands[0].exitCode, 0);
    assert.deepEqual(detail.plan?.tasks.map((t) => t.id), ['t1', 't2']);

    const changes = detail.changes.map((c) => [c.path, c.kind, c.state]);
    assert.deepEqual(changes, [['index.js', 'modify', 'pending'], ['test/product.test.js', 'add', 'pending']]);
    const indexChange = await ts.server.request('change/get', { changeId: detail.changes[0].id });
    assert.equal(indexChange.baseContent, files['index.js']);
    assert.match(indexChange.proposedContent ?? '', /module\.exports = \{ sum, product \};/);
    assert.ok(indexChange.hunks.length >= 1);

    // The user's files are byte-for-byte unchanged.
    assert.deepEqual(snapshot(ws), files);

    // The tester's run_command really ran in the sandbox and passed.
    const { events } = await ts.server.request('mission/events', { missionId });
    const run = events.find((e) => e.kind === 'tool_result' && e.tool === 'run_command');
    assert.ok(run?.ok, 'run_command result recorded');
    assert.match(run.text, /exit code 0|exited with 0|exit 0/i);
    assert.ok(events.some((e) => e.kind === 'tool_call' && e.tool === 'edit_file'));
    assert.ok(events.filter((e) => e.kind === 'turn').length >= 7, 'each turn is recorded');

    // Streaming deltas reached the client, and usage was recorded per model call.
    assert.ok(ts.streams.some((s) => s.missionId === missionId && s.kind === 'delta' && s.delta), 'streamed text deltas');
    assert.equal(detail.mission.usage.calls, 8, "2 planner turns + 3 coder turns + 3 tester turns");
    assert.ok(detail.mission.usage.inputTokens > 0);
    assert.ok(detail.agents.some((a) => a.role === 'planner') && detail.agents.some((a) => a.taskId === 't2'));
  });
}

test('a malformed tool call (bad JSON, unknown tool) becomes an error observation and the agent continues', async () => {
  const coder: Entry[] = [
    { toolCalls: [{ name: 'read_file', arguments: '{"path": "index.js"' }] },
    { toolCalls: [{ name: 'launch_rockets', arguments: { count: 3 } }] },
    ...CODER,
  ];
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const { ws, cassette } = setup('malformed', { planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }], t1: coder });
  const { missionId, mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'completed', mission.error);
  const { events } = await ts.server.request('mission/events', { missionId });
  const failures = events.filter((e) => e.kind === 'tool_result' && e.ok === false);
  assert.equal(failures.length, 2);
  assert.match(failures[0].text, /Invalid JSON in arguments for read_file/);
  assert.match(failures[1].text, /launch_rockets/);
  assert.match(failures[1].text, /read_file/, 'lists the tools that exist');
});

test('HTTP 500 from the provider is retried with backoff, then fails the task with a clear message', async () => {
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const { ws, cassette } = setup('http500', {
    planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }],
    t1: [{ error: { status: 500, message: 'upstream exploded', times: 10 } }],
  });
  const { missionId, mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'failed');
  assert.match(mission.error ?? '', /t1/);
  assert.match(mission.error ?? '', /500/);
  const detail = await ts.server.request('mission/get', { missionId });
  assert.equal(detail.tasks[0].state, 'failed');
  assert.match(detail.tasks[0].error ?? '', /500/);
});

test('HTTP 500 once is retried and the mission still completes', async () => {
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const { ws, cassette } = setup('http500-once', {
    planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }],
    t1: [{ error: { status: 500, times: 1 } }, ...CODER],
  });
  const { mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'completed', mission.error);
});

test('an invalid plan is returned to the planner with the validation errors, and a corrected plan runs', async () => {
  const bad = {
    summary: 'bad',
    tasks: [
      { id: 't1', title: 'A', role: 'wizard', instructions: 'x', acceptance: [], dependsOn: ['t2'], writeSet: [] },
      { id: 't2', title: 'B', role: 'coder', instructions: 'y', acceptance: [], dependsOn: ['t1'], writeSet: [] },
    ],
  };
  const cyclic = { ...bad, tasks: bad.tasks.map((t) => ({ ...t, role: 'coder' })) };
  const good = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const { ws, cassette } = setup('invalid-plan', {
    planner: [
      { toolCalls: [{ name: 'submit_plan', arguments: bad }] },
      { toolCalls: [{ name: 'submit_plan', arguments: cyclic }] },
      { toolCalls: [{ name: 'submit_plan', arguments: good }] },
    ],
    t1: CODER,
  });
  const { missionId, mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'completed', mission.error);
  const { events } = await ts.server.request('mission/events', { missionId });
  const results = events.filter((e) => e.kind === 'tool_result' && e.tool === 'submit_plan');
  assert.equal(results.length, 3);
  assert.equal(results[0].ok, false);
  assert.match(results[0].text, /role/);
  assert.equal(results[1].ok, false);
  assert.match(results[1].text, /cycle/);
  assert.equal(results[2].ok, true);
});

test('a planner that keeps submitting invalid plans fails the mission after the bounded retries', async () => {
  const cyclic = {
    summary: 'loop',
    tasks: [
      { id: 'a', title: 'A', role: 'coder', instructions: 'x', acceptance: [], dependsOn: ['b'], writeSet: [] },
      { id: 'b', title: 'B', role: 'coder', instructions: 'y', acceptance: [], dependsOn: ['a'], writeSet: [] },
    ],
  };
  const { ws, cassette } = setup('invalid-plan-limit', {
    planner: [1, 2, 3, 4].map(() => ({ toolCalls: [{ name: 'submit_plan', arguments: cyclic }] })),
  });
  const { mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'failed');
  assert.match(mission.error ?? '', /invalid plans/);
});

test('a command outside the allowlist waits for approval; a denial goes back to the agent', async () => {
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const { ws, cassette } = setup('approval', {
    planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }],
    t1: [
      { toolCalls: [{ name: 'run_command', arguments: { command: 'echo hello > greeting.txt' } }] },
      { toolCalls: [{ name: 'finish_task', arguments: { summary: 'Could not run it', filesChanged: [], commands: [], openQuestions: ['allow echo?'] } }] },
    ],
  });
  const { missionId, mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'completed', mission.error);
  const asked = ts.approvals.filter((a) => a.missionId === missionId);
  assert.equal(asked.length, 1);
  assert.equal(asked[0].detail, 'echo hello > greeting.txt');
  assert.equal(asked[0].subject, 'command');
  const decided = ts.inbox.find((i) => i.id === asked[0].id && i.state === 'answered');
  assert.equal(decided?.respondedBy, 'user', 'the decision is stored with who made it');
  assert.equal(decided?.response?.approved, false);
  assert.ok(decided?.respondedAt);
  const { events } = await ts.server.request('mission/events', { missionId });
  const result = events.find((e) => e.kind === 'tool_result' && e.tool === 'run_command');
  assert.equal(result?.ok, false);
  assert.match(result?.text ?? '', /denied/i);
  const detail = await ts.server.request('mission/get', { missionId });
  assert.equal(detail.changes.length, 0, 'the denied command wrote nothing');
});

test('a request that diverges from the cassette fails with a message naming the agent and the turn', async () => {
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const { ws, cassette } = setup('divergence', {
    planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }],
    t1: [{ toolCalls: [{ name: 'read_file', arguments: { path: 'index.js' } }] }],
  });
  const { mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'failed');
  assert.match(mission.error ?? '', /"t1"/);
  assert.match(mission.error ?? '', /turn 2/);
});

test('in a git repository the sandbox includes uncommitted and untracked work, and the repository is untouched', async () => {
  const ws = path.join(dir, 'gitrepo');
  fs.mkdirSync(ws);
  makeProject(ws);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: ws, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  fs.writeFileSync(path.join(ws, 'index.js'), fs.readFileSync(path.join(ws, 'index.js'), 'utf8') + '// local edit\n');
  fs.writeFileSync(path.join(ws, 'notes.txt'), 'untracked\n');
  const statusBefore = git('status', '--porcelain');
  const files = snapshot(ws);
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const cassette = writeCassette(dir, { planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }], t1: CODER });
  const { missionId, mission } = await runMission(ws, cassette);
  assert.equal(mission.state, 'completed', mission.error);
  const detail = await ts.server.request('mission/get', { missionId });
  assert.deepEqual(detail.changes.map((c) => c.path), ['index.js']);
  const change = await ts.server.request('change/get', { changeId: detail.changes[0].id });
  assert.match(change.baseContent ?? '', /\/\/ local edit/, 'the base includes the uncommitted edit');
  assert.match(change.proposedContent ?? '', /\/\/ local edit/);
  assert.deepEqual(snapshot(ws), files);
  assert.equal(git('status', '--porcelain'), statusBefore);
  assert.equal(git('stash', 'list'), '');
  // Sandboxes are removed right after the outcome is announced.
  for (let i = 0; i < 100 && /sandboxes/.test(git('worktree', 'list')); i++) await new Promise((r) => setTimeout(r, 50));
  assert.doesNotMatch(git('worktree', 'list'), /sandboxes/, 'the worktree is removed at the end');
});

test('history survives a restart of the server', async () => {
  const data = path.join(dir, 'restart-data');
  const plan = { ...PLAN, tasks: [PLAN.tasks[0]] };
  const ws = path.join(dir, 'restart');
  fs.mkdirSync(ws);
  makeProject(ws);
  const cassette = writeCassette(dir, { planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }], t1: CODER });
  const first = await startTestServer(data);
  const { missionId } = await first.server.request('mission/start', { goal: 'persist me', workspaceRoot: ws, config: replayConfig(cassette) });
  await first.waitForEnd(missionId);
  const eventsBefore = (await first.server.request('mission/events', { missionId })).events.length;
  await first.close();

  const second = await startTestServer(data);
  try {
    const { missions } = await second.server.request('mission/list', {});
    const m = missions.find((x) => x.id === missionId);
    assert.equal(m?.state, 'completed');
    assert.equal(m?.goal, 'persist me');
    const { events } = await second.server.request('mission/events', { missionId });
    assert.equal(events.length, eventsBefore);
    const { changes } = await second.server.request('change/list', { missionId });
    assert.equal(changes.length, 1);
  } finally {
    await second.close();
  }
});

test('bad params get a JSON-RPC error that says what is wrong', async () => {
  await assert.rejects(ts.server.request('mission/get', { missionId: 'nope' }), /no mission with id "nope"/);
  await assert.rejects(
    ts.server.request('mission/start', { goal: 'x', workspaceRoot: 'relative/path', config: replayConfig('/tmp/none.json') }),
    /absolute path/,
  );
  await assert.rejects(ts.server.request('change/get', { changeId: 'one' as unknown as number }), /changeId must be a number/);
});
