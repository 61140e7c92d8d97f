/**
 * The real `openai` and `@anthropic-ai/sdk` clients, through OpenAIProvider and
 * AnthropicProvider, against a real ReplayServer on loopback.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { ReplayWireFormat } from '../../protocol/protocol';
import { AnthropicProvider } from '../../server/providers/anthropic';
import { createProvider, defaultModel } from '../../server/providers/index';
import { OpenAIProvider } from '../../server/providers/openai';
import { ProviderError, type ChatMessage, type ModelProvider, type ToolSpec, type TurnRequest, type TurnResult } from '../../server/providers/types';
import { parseCassette, type CassetteEntry } from '../../server/replay/cassette';
import { ReplayServer } from '../../server/replay/server';

const servers: ReplayServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(agents: Record<string, CassetteEntry[]>): Promise<ReplayServer> {
  const server = await ReplayServer.start(parseCassette({ version: 1, agents }, 'inline'));
  servers.push(server);
  return server;
}

function providerFor(wire: ReplayWireFormat, server: ReplayServer, opts: { maxRetries?: number; apiKey?: string } = {}): ModelProvider {
  const apiKey = opts.apiKey ?? 'replay';
  return wire === 'openai'
    ? new OpenAIProvider({ apiKey, baseURL: `${server.url}/v1`, maxRetries: opts.maxRetries })
    : new AnthropicProvider({ apiKey, baseURL: server.url, maxRetries: opts.maxRetries });
}

const readFileTool: ToolSpec = {
  name: 'read_file',
  description: 'Reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

function turn(agentKey: string, messages: ChatMessage[], extra: Partial<TurnRequest> = {}): TurnRequest {
  return { agentKey, model: 'replay', system: 'You are a test agent.', messages, tools: [readFileTool], ...extra };
}

/** The conversation after `result`, answering each of its tool calls (in `order`, default as called). */
function answered(history: ChatMessage[], result: TurnResult, order?: number[]): ChatMessage[] {
  const calls = (order ?? result.toolCalls.map((_, i) => i)).map((i) => result.toolCalls[i]);
  return [
    ...history,
    { role: 'assistant', content: result.text, toolCalls: result.toolCalls },
    ...calls.map((c): ChatMessage => ({ role: 'tool', toolCallId: c.id, toolName: c.name, content: `contents of ${c.id}`, isError: false })),
  ];
}

async function providerErrorOf(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProviderError, `expected ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the turn to fail');
}

const start: ChatMessage[] = [{ role: 'user', content: 'Begin.' }];

for (const wire of ['openai', 'anthropic'] as const) {
  const callPrefix = wire === 'openai' ? 'call' : 'toolu';
  const toolStop = wire === 'openai' ? 'tool_calls' : 'tool_use';
  const endStop = wire === 'openai' ? 'stop' : 'end_turn';

  describe(`replay through the ${wire} SDK`, () => {
    it('streams text deltas to onText in several pieces', async () => {
      const text = 'I looked at the repository and everything is in order.';
      const server = await serve({ planner: [{ text, usage: { inputTokens: 120, outputTokens: 12 } }] });
      const deltas: string[] = [];
      const result = await providerFor(wire, server).complete(turn('planner', start, { onText: (d) => deltas.push(d) }));
      assert.ok(deltas.length >= 3, `expected several deltas, got ${JSON.stringify(deltas)}`);
      assert.equal(deltas.join(''), text);
      assert.equal(result.text, text);
      assert.deepEqual(result.toolCalls, []);
      assert.equal(result.stopReason, endStop);
      assert.equal(result.inputTokens, 120);
      assert.equal(result.outputTokens, 12);
      assert.equal(server.requests[0].stream, true);
    });

    it('returns tool calls with their arguments and replay ids', async () => {
      const server = await serve({
        t1: [{ text: 'Reading both.', toolCalls: [{ name: 'read_file', arguments: { path: 'src/a.ts' } }, { name: 'read_file', arguments: { path: 'src/b.ts' } }] }],
      });
      const result = await providerFor(wire, server).complete(turn('t1', start));
      assert.equal(result.stopReason, toolStop);
      assert.deepEqual(result.toolCalls.map((c) => c.id), [`${callPrefix}_t1_1_0`, `${callPrefix}_t1_1_1`]);
      assert.deepEqual(result.toolCalls.map((c) => c.name), ['read_file', 'read_file']);
      assert.deepEqual(result.toolCalls.map((c) => JSON.parse(c.argumentsJson) as unknown), [{ path: 'src/a.ts' }, { path: 'src/b.ts' }]);
      assert.ok(result.outputTokens > 0, 'usage is estimated when the cassette gives none');
    });

    it('passes malformed argument JSON through verbatim', async () => {
      const raw = '{"path": "src/a.ts", "lines": [1, ';
      const server = await serve({ t1: [{ toolCalls: [{ name: 'read_file', arguments: raw }] }] });
      const result = await providerFor(wire, server).complete(turn('t1', start));
      assert.equal(result.toolCalls.length, 1);
      assert.equal(result.toolCalls[0].argumentsJson, raw);
    });

    it('serves each agent its own entries in order when agents interleave', async () => {
      const server = await serve({
        planner: [{ text: 'planner one', toolCalls: [{ name: 'read_file', arguments: { path: 'p' } }] }, { text: 'planner two' }],
        t1: [{ text: 't1 one', toolCalls: [{ name: 'read_file', arguments: { path: 'x' } }] }, { text: 't1 two' }],
      });
      const provider = providerFor(wire, server);
      const t1a = await provider.complete(turn('t1', start));
      const pa = await provider.complete(turn('planner', start));
      const [pb, t1b] = await Promise.all([
        provider.complete(turn('planner', answered(start, pa))),
        provider.complete(turn('t1', answered(start, t1a))),
      ]);
      assert.deepEqual([t1a.text, t1b.text, pa.text, pb.text], ['t1 one', 't1 two', 'planner one', 'planner two']);
      assert.equal(t1a.toolCalls[0].id, `${callPrefix}_t1_1_0`);
      assert.equal(pa.toolCalls[0].id, `${callPrefix}_planner_1_0`);
      assert.deepEqual(server.requestsFor('t1').map((r) => r.turn), [1, 2]);
      assert.deepEqual(server.remaining(), { planner: 0, t1: 0 });
    });

    it('fails an extra turn with a 400 naming the agent and the turn', async () => {
      const server = await serve({ t1: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] });
      const provider = providerFor(wire, server);
      let history = start;
      for (let i = 0; i < 3; i++) {
        const r = await provider.complete(turn('t1', history));
        history = [...answered(history, r), { role: 'user', content: 'continue' }];
      }
      const err = await providerErrorOf(provider.complete(turn('t1', history)));
      assert.equal(err.status, 400);
      assert.equal(err.provider, wire);
      assert.match(err.message, /replay: agent "t1" requested turn 4 but the cassette records 3 turns/);
      assert.equal(server.requests.length, 4, 'a 400 is not retried');
    });

    it('fails tool results in the wrong order with a 400 naming agent, turn and ids', async () => {
      const server = await serve({
        t1: [{ toolCalls: [{ name: 'read_file', arguments: { path: 'a' } }, { name: 'read_file', arguments: { path: 'b' } }] }, { text: 'done' }],
      });
      const provider = providerFor(wire, server);
      const first = await provider.complete(turn('t1', start));
      const err = await providerErrorOf(provider.complete(turn('t1', answered(start, first, [1, 0]))));
      assert.equal(err.status, 400);
      const [a, b] = [`${callPrefix}_t1_1_0`, `${callPrefix}_t1_1_1`];
      assert.ok(
        err.message.includes(`replay: agent "t1" turn 2: expected tool results for [${a}, ${b}] in that order, got [${b}, ${a}]`),
        err.message,
      );
      // The right order is then served: a divergence does not consume the entry.
      const ok = await provider.complete(turn('t1', answered(start, first)));
      assert.equal(ok.text, 'done');
    });

    it('lets the SDK retry a 500 answered once, then succeeds', async () => {
      const server = await serve({ t1: [{ error: { status: 500, message: 'transient glitch' } }, { text: 'recovered' }] });
      const result = await providerFor(wire, server).complete(turn('t1', start));
      assert.equal(result.text, 'recovered');
      assert.deepEqual(server.requestsFor('t1').map((r) => r.status), [500, 200]);
    });

    it('ends in a ProviderError naming status 500 once retries are exhausted', async () => {
      const server = await serve({ t1: [{ error: { status: 500, message: 'database on fire', times: 5 } }, { text: 'never' }] });
      const err = await providerErrorOf(providerFor(wire, server, { maxRetries: 2 }).complete(turn('t1', start)));
      assert.equal(err.status, 500);
      assert.match(err.message, new RegExp(`^${wire === 'openai' ? 'OpenAI' : 'Anthropic'} request failed: HTTP 500: database on fire`));
      assert.match(err.message, /gave up after 3 attempts: 2 retries exhausted/);
      assert.equal(server.requestsFor('t1').length, 3, 'maxRetries 2 means three attempts');
    });

    it("waits out the SDK's own exponential backoff when the server gives no delay", async () => {
      const server = await serve({ t1: [{ error: { status: 503, message: 'busy', retryAfterMs: 0 } }, { text: 'ok' }] });
      await providerFor(wire, server).complete(turn('t1', start));
      const [first, second] = server.requestsFor('t1');
      const gap = second.receivedAt - first.receivedAt;
      // The SDKs wait 0.5 s × (1 − up to 25 % jitter) before the first retry.
      assert.ok(gap >= 350, `retry came after ${gap} ms`);
    });

    it('never puts the API key in an error message', async () => {
      const key = 'sk-test-SECRET-0123456789abcdef';
      const server = await serve({ t1: [{ error: { status: 401, message: `Incorrect API key provided: ${key}` } }] });
      const err = await providerErrorOf(providerFor(wire, server, { apiKey: key }).complete(turn('t1', start)));
      assert.equal(err.status, 401);
      assert.ok(!err.message.includes(key), err.message);
      assert.ok(!err.message.includes('SECRET'), err.message);
      assert.doesNotMatch(err.message, /retries exhausted/, 'a 401 is not retried');
    });
  });
}

describe('request conversion as the replay server receives it', () => {
  const history = (ids: [string, string]): ChatMessage[] => [
    { role: 'user', content: 'Begin.' },
    { role: 'assistant', content: 'Reading.', toolCalls: ids.map((id, i) => ({ id, name: 'read_file', argumentsJson: `{"path":"${i}"}` })) },
    { role: 'tool', toolCallId: ids[0], toolName: 'read_file', content: 'zero', isError: false },
    { role: 'tool', toolCallId: ids[1], toolName: 'read_file', content: 'no such file', isError: true },
    { role: 'user', content: 'Also check the tests.' },
  ];
  const entries: CassetteEntry[] = [
    { toolCalls: [{ name: 'read_file', arguments: { path: '0' } }, { name: 'read_file', arguments: { path: '1' } }] },
    { text: 'ok' },
  ];

  it('openai: system first, assistant tool_calls, tool messages with tool_call_id, agent header', async () => {
    const server = await serve({ t1: entries });
    const provider = providerFor('openai', server);
    await provider.complete(turn('t1', start));
    await provider.complete(turn('t1', history(['call_t1_1_0', 'call_t1_1_1'])));
    const body = server.requests[1].body as { messages: Record<string, unknown>[]; tools: unknown[]; stream_options: unknown };
    assert.equal(server.requests[1].agent, 't1');
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool', 'tool', 'user']);
    assert.equal(body.messages[0].content, 'You are a test agent.');
    assert.deepEqual(body.messages[2].tool_calls, [
      { id: 'call_t1_1_0', type: 'function', function: { name: 'read_file', arguments: '{"path":"0"}' } },
      { id: 'call_t1_1_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"1"}' } },
    ]);
    assert.deepEqual(body.messages[4], { role: 'tool', tool_call_id: 'call_t1_1_1', content: 'no such file' });
    assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'read_file', description: 'Reads a file', parameters: readFileTool.parameters } }]);
  });

  it('anthropic: top-level system, tool results merged into one user message with is_error, default max_tokens', async () => {
    const server = await serve({ t1: entries });
    const provider = providerFor('anthropic', server);
    await provider.complete(turn('t1', start));
    await provider.complete(turn('t1', history(['toolu_t1_1_0', 'toolu_t1_1_1'])));
    const body = server.requests[1].body as { system: string; max_tokens: number; messages: { role: string; content: unknown }[]; tools: unknown[] };
    assert.equal(body.system, 'You are a test agent.');
    assert.equal(body.max_tokens, 8192);
    assert.deepEqual(body.messages.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(body.messages[1].content, [
      { type: 'text', text: 'Reading.' },
      { type: 'tool_use', id: 'toolu_t1_1_0', name: 'read_file', input: { path: '0' } },
      { type: 'tool_use', id: 'toolu_t1_1_1', name: 'read_file', input: { path: '1' } },
    ]);
    assert.deepEqual(body.messages[2].content, [
      { type: 'tool_result', tool_use_id: 'toolu_t1_1_0', content: 'zero', is_error: false },
      { type: 'tool_result', tool_use_id: 'toolu_t1_1_1', content: 'no such file', is_error: true },
      { type: 'text', text: 'Also check the tests.' },
    ]);
    assert.deepEqual(body.tools, [{ name: 'read_file', description: 'Reads a file', input_schema: readFileTool.parameters }]);
  });
});

describe('replay server edges', () => {
  it('answers a request without the agent header with a 400 naming the header', async () => {
    const server = await serve({ t1: [{ text: 'hi' }] });
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /missing the x-taskforce-agent request header/);
  });

  it('answers an agent the cassette does not know with a 400 listing the known ones', async () => {
    const server = await serve({ planner: [{ text: 'hi' }] });
    const err = await providerErrorOf(providerFor('anthropic', server).complete(turn('t9', start)));
    assert.match(err.message, /replay: agent "t9" is not in the cassette \(agents: planner\)/);
  });

  it('serves non-streaming JSON in both wire formats', async () => {
    const server = await serve({ a: [{ text: 'plain', toolCalls: [{ name: 'read_file', arguments: { path: 'z' } }] }], b: [{ text: 'plain too' }] });
    const headers = (agent: string) => ({ headers: { 'x-taskforce-agent': agent } });
    const oa = new OpenAI({ apiKey: 'replay', baseURL: `${server.url}/v1` });
    const chat = await oa.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, headers('a'));
    assert.equal(chat.choices[0].message.content, 'plain');
    assert.equal(chat.choices[0].finish_reason, 'tool_calls');
    const call = chat.choices[0].message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.deepEqual([call.id, call.function.name, call.function.arguments], ['call_a_1_0', 'read_file', '{"path":"z"}']);
    const an = new Anthropic({ apiKey: 'replay', baseURL: server.url });
    const msg = await an.messages.create({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }, headers('b'));
    assert.deepEqual(msg.content.map((c) => c.type), ['text']);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(server.requests.every((r) => !r.stream), true);
  });

  it('waits delayMs before answering', async () => {
    const server = await serve({ t1: [{ text: 'slow', delayMs: 150 }] });
    const t0 = Date.now();
    await providerFor('openai', server).complete(turn('t1', start));
    assert.ok(Date.now() - t0 >= 140, 'answered too early');
  });
});

describe('createProvider', () => {
  const config = { models: {}, allowedCommands: [] };

  it('replay: serves the cassette file over the wire format it names, and close() stops the server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    try {
      const cassette = join(dir, 'demo.json');
      await writeFile(cassette, JSON.stringify({ version: 1, wireFormat: 'anthropic', agents: { planner: [{ text: 'from file' }] } }));
      const handle = await createProvider({ ...config, provider: 'replay', cassette }, {});
      assert.equal(handle.replaying, true);
      assert.equal(handle.provider.name, 'anthropic');
      const result = await handle.provider.complete(turn('planner', start));
      assert.equal(result.text, 'from file');
      const url = handle.replayServer?.url;
      assert.ok(url);
      await handle.close();
      await assert.rejects(fetch(`${url}/v1/messages`, { method: 'POST', body: '{}' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('replay: the config wire format wins over the cassette, and openai is the default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    try {
      const cassette = join(dir, 'demo.json');
      await writeFile(cassette, JSON.stringify({ version: 1, wireFormat: 'anthropic', agents: {} }));
      const forced = await createProvider({ ...config, provider: 'replay', cassette, replayWireFormat: 'openai' }, {});
      assert.equal(forced.provider.name, 'openai');
      await forced.close();
      await writeFile(cassette, JSON.stringify({ version: 1, agents: {} }));
      const plain = await createProvider({ ...config, provider: 'replay', cassette }, {});
      assert.equal(plain.provider.name, 'openai');
      await plain.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the missing key variable and how to set it', async () => {
    await assert.rejects(createProvider({ ...config, provider: 'openai' }, {}), {
      message: "OPENAI_API_KEY is not set: run 'Taskforce: Set API Key' or export it",
    });
    await assert.rejects(createProvider({ ...config, provider: 'anthropic' }, { ANTHROPIC_API_KEY: ' ' }), {
      message: "ANTHROPIC_API_KEY is not set: run 'Taskforce: Set API Key' or export it",
    });
  });

  it('builds live providers from the environment without contacting them', async () => {
    const oa = await createProvider({ ...config, provider: 'openai', openaiBaseURL: 'http://127.0.0.1:9/v1' }, { OPENAI_API_KEY: 'k' });
    assert.deepEqual([oa.provider.name, oa.replaying], ['openai', false]);
    const an = await createProvider({ ...config, provider: 'anthropic' }, { ANTHROPIC_API_KEY: 'k' });
    assert.deepEqual([an.provider.name, an.replaying], ['anthropic', false]);
    assert.deepEqual(['openai', 'anthropic', 'replay'].map((p) => defaultModel(p as 'openai')), ['gpt-4.1', 'claude-sonnet-4-5', 'replay']);
  });

  it('reports a connection failure with the provider name and exhausted retries', async () => {
    const { provider } = await createProvider({ ...config, provider: 'openai', openaiBaseURL: 'http://127.0.0.1:9/v1' }, { OPENAI_API_KEY: 'k' }, { maxRetries: 0 });
    const err = await providerErrorOf(provider.complete(turn('t1', start)));
    assert.match(err.message, /^OpenAI request failed: could not connect: /);
  });
});
