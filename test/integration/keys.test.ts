/**
 * API keys reach the provider and nothing else: not the database, not the server's log
 * output, not a notification, not the environment of the agents' commands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReplayServer } from '../../server/replay/server';
import { parseCassette } from '../../server/replay/cassette';
import { makeProject, startTestServer, tempDir } from './helpers';

const KEY = 'sk-test-DO-NOT-LEAK-4f9c2a7b1e';

test('the OpenAI key is sent to the provider but never stored, logged, streamed or passed to commands', async () => {
  const dir = tempDir('keys');
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  makeProject(ws);
  const plan = { summary: 's', tasks: [{ id: 't1', title: 'Env', role: 'coder', instructions: 'print env', acceptance: [], dependsOn: [], writeSet: [] }] };
  const replay = await ReplayServer.start(
    parseCassette(
      {
        version: 1,
        agents: {
          planner: [{ toolCalls: [{ name: 'submit_plan', arguments: plan }] }],
          t1: [
            { toolCalls: [{ name: 'run_command', arguments: { command: 'node -e "console.log(JSON.stringify(process.env))"' } }] },
            { error: { status: 500, message: `upstream echoed the key ${KEY}`, times: 5 } },
          ],
        },
      },
      'keys-test',
    ),
  );
  const ts = await startTestServer(path.join(dir, 'data'), { env: { ...process.env, OPENAI_API_KEY: KEY }, approve: () => true });
  let stderr = '';
  ts.server.process.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const { missionId } = await ts.server.request('mission/start', {
      goal: 'leak test',
      workspaceRoot: ws,
      config: { provider: 'openai', models: {}, openaiBaseURL: `${replay.url}/v1`, allowedCommands: [] },
    });
    const mission = await ts.waitForEnd(missionId);
    assert.equal(mission.state, 'failed', 'the provider error ends the task');
    assert.match(mission.error ?? '', /HTTP 500: upstream echoed the key \[redacted\]/, 'a provider error that echoes the key is redacted');

    // The mission started (createProvider refuses to without the key) and reached the provider.
    assert.ok(replay.requests.length >= 2);
    const { events } = await ts.server.request('mission/events', { missionId });
    const envDump = events.find((e) => e.kind === 'tool_result' && e.tool === 'run_command');
    assert.match(envDump?.text ?? '', /"PATH"/, 'the command ran and printed its environment');

    await ts.close();
    const db = fs.readFileSync(path.join(dir, 'data', 'taskforce.db')).toString('latin1');
    assert.ok(db.includes('leak test'), 'the database holds the mission');
    const everything = [db, stderr, JSON.stringify(ts.streams), JSON.stringify(ts.missions), JSON.stringify(events)];
    everything.forEach((text, i) => assert.ok(!text.includes(KEY), `the key appears nowhere (source ${i}: ${text.slice(Math.max(0, text.indexOf(KEY) - 200), text.indexOf(KEY) + 50)})`));
    assert.ok(!(envDump?.text ?? '').includes('OPENAI_API_KEY'), 'commands get an environment without the key');
  } finally {
    await replay.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
