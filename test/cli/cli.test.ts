/**
 * The `taskforce` CLI (dist/cli.js) on the real example package, left-pad@1.3.0, with
 * the bundled demo cassette replayed through the real OpenAI SDK.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { prepareExampleWorkspace, REPO_ROOT } from '../e2e/harness';
import { snapshot, tempDir } from '../integration/helpers';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const GOAL = 'Add a rightPad function to left-pad, with tests and docs';
let dir: string;

/** Runs the CLI without provider keys in its environment. */
function cli(args: string[], cwd = dir) {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.ANTHROPIC_API_KEY;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  dir = tempDir('cli');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('usage errors exit 2 with a message that says what is wrong', () => {
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no command given/);
  assert.match(none.stderr, /Usage:/);

  const noGoal = cli(['run']);
  assert.equal(noGoal.code, 2);
  assert.match(noGoal.stderr, /run takes exactly one mission text/);

  const badFlag = cli(['run', 'x', '--frobnicate']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /frobnicate/);

  const badProvider = cli(['run', 'x', '--provider', 'gemini']);
  assert.equal(badProvider.code, 2);
  assert.match(badProvider.stderr, /--provider must be openai, anthropic or replay \(got "gemini"\)/);

  const badWorkers = cli(['run', 'x', '--provider', 'replay', '--max-workers', 'two']);
  assert.equal(badWorkers.code, 2);
  assert.match(badWorkers.stderr, /--max-workers must be a positive integer \(got "two"\)/);

  const noKey = cli(['run', 'x', '--workspace', dir]);
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /OPENAI_API_KEY/);

  const badWorkspace = cli(['run', 'x', '--provider', 'replay', '--workspace', path.join(dir, 'missing')]);
  assert.equal(badWorkspace.code, 2);
  assert.match(badWorkspace.stderr, /is not a folder/);
});

test('without --apply the CLI prints the unified diff and writes nothing to the workspace', async () => {
  const ws = await prepareExampleWorkspace(path.join(dir, 'dry'));
  const before = snapshot(ws);
  const db = path.join(dir, 'dry.db');
  const r = cli(['run', GOAL, '--workspace', ws, '--provider', 'replay', '--db', db]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /--- a\/index\.js\n\+\+\+ b\/index\.js/);
  assert.match(r.stdout, /\+function rightPad/);
  assert.match(r.stdout, /\+\+\+ b\/README\.md/);
  assert.match(r.stdout, /nothing was written/);
  assert.deepEqual(snapshot(ws), before);

  const list = cli(['missions', 'list', '--db', db]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /completed\s+\S+ \S+\s+Add a rightPad function/);
  const id = /^(m-\S+)/.exec(list.stdout)?.[1];
  assert.ok(id);
  const show = cli(['missions', 'show', id, '--db', db, '--json']);
  assert.equal(show.code, 0);
  const detail = JSON.parse(show.stdout) as { tasks: { id: string; state: string }[]; events: unknown[]; mission: { usage: { calls: number } } };
  assert.deepEqual(detail.tasks.map((t) => t.state), ['done', 'done', 'done']);
  assert.ok(detail.events.length > 10);
  assert.ok(detail.mission.usage.calls >= 10);
  const human = cli(['missions', 'show', id, '--db', db]);
  assert.match(human.stdout, /Tasks:\n {2}t1 \[done\] coder/);
  assert.equal(cli(['missions', 'show', 'm-nope', '--db', db]).code, 2);
});

test('with --apply the changes land in the workspace and its own tests pass', async () => {
  const ws = await prepareExampleWorkspace(path.join(dir, 'apply'));
  const r = cli(['run', GOAL, '--workspace', ws, '--provider', 'replay', '--db', path.join(dir, 'apply.db'), '--apply']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /applied modify index\.js/);
  assert.match(fs.readFileSync(path.join(ws, 'index.js'), 'utf8'), /function rightPad/);
  assert.match(fs.readFileSync(path.join(ws, 'test.js'), 'utf8'), /rightPad/);
  const out = execFileSync('npm', ['test'], { cwd: ws, encoding: 'utf8' });
  assert.match(out, /# fail {2}0|# ok/);
});

test('--json prints one JSON event per line, ending with the completed mission and the changes', async () => {
  const ws = await prepareExampleWorkspace(path.join(dir, 'json'));
  const r = cli(['run', GOAL, '--workspace', ws, '--provider', 'replay', '--db', path.join(dir, 'json.db'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; mission?: { state: string }; path?: string });
  assert.ok(lines.some((l) => l.type === 'event'));
  assert.ok(lines.some((l) => l.type === 'task'));
  assert.ok(lines.some((l) => l.type === 'mission' && l.mission?.state === 'completed'));
  assert.deepEqual(lines.filter((l) => l.type === 'change').map((l) => l.path).sort(), ['README.md', 'index.d.ts', 'index.js', 'test.js']);
});

test('a failed mission exits 1', () => {
  const ws = path.join(dir, 'fail');
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, 'a.txt'), 'a\n');
  const cassette = path.join(dir, 'fail.json');
  fs.writeFileSync(cassette, JSON.stringify({ version: 1, agents: { planner: [{ text: 'I will not plan.' }] } }));
  const r = cli(['run', 'x', '--workspace', ws, '--cassette', cassette, '--db', path.join(dir, 'fail.db')]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /mission failed: .*planner/);
});
