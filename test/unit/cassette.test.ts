import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CassetteError, isFault, loadCassette, parseCassette, turnCount } from '../../server/replay/cassette';

/** The CassetteError message parseCassette throws for `json`. */
function errorOf(json: unknown, source = 'demo.json'): string {
  try {
    parseCassette(json, source);
  } catch (err) {
    assert.ok(err instanceof CassetteError, `expected CassetteError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the cassette to be rejected');
}

const good = {
  version: 1,
  description: 'every feature once',
  wireFormat: 'anthropic',
  agents: {
    planner: [
      { error: { status: 529, message: 'overloaded', times: 2, retryAfterMs: 0 }, delayMs: 5 },
      { text: 'Plan ready.', toolCalls: [{ name: 'submit_plan', arguments: { summary: 's', tasks: [] } }], usage: { inputTokens: 10, outputTokens: 3 } },
    ],
    t1: [{ toolCalls: [{ name: 'read_file', arguments: '{"path": "a.ts"' }], delayMs: 0 }, { text: 'done' }, {}],
    'task with spaces': [],
  },
};

describe('parseCassette', () => {
  it('accepts a cassette using every field and returns it unchanged', () => {
    const c = parseCassette(structuredClone(good), 'good.json');
    assert.deepEqual(c, good);
    assert.equal(c.wireFormat, 'anthropic');
  });

  it('tells fault entries from turns and counts only turns', () => {
    const c = parseCassette(structuredClone(good), 'good.json');
    assert.deepEqual(c.agents.planner.map(isFault), [true, false]);
    assert.equal(turnCount(c.agents.planner), 1);
    assert.equal(turnCount(c.agents.t1), 3);
  });

  it('names the source and a missing version', () => {
    const msg = errorOf({ agents: {} }, 'missions/demo.json');
    assert.match(msg, /invalid cassette missions\/demo\.json/);
    assert.match(msg, /\(top level\): missing required property "version"/);
  });

  it('rejects another version', () => {
    assert.match(errorOf({ version: 2, agents: {} }), /version: must be 1/);
  });

  it('rejects a top level that is not an object', () => {
    assert.match(errorOf([]), /\(top level\): must be an object/);
  });

  it('rejects an unknown wire format, listing the allowed ones', () => {
    assert.match(errorOf({ version: 1, wireFormat: 'gemini', agents: {} }), /wireFormat: must be one of "openai", "anthropic"/);
  });

  it('names the path of a tool call missing its name', () => {
    const msg = errorOf({ version: 1, agents: { t1: [{ text: 'ok' }, { toolCalls: [{ arguments: {} }] }] } });
    assert.match(msg, /agents\.t1\[1\]\.toolCalls\[0\]: missing required property "name"/);
  });

  it('rejects tool arguments that are neither an object nor a string', () => {
    const msg = errorOf({ version: 1, agents: { t1: [{ toolCalls: [{ name: 'x', arguments: [1, 2] }] }] } });
    assert.match(msg, /agents\.t1\[0\]\.toolCalls\[0\]\.arguments: must be an object or a string/);
  });

  it('names an unknown property of a turn entry', () => {
    assert.match(errorOf({ version: 1, agents: { t1: [{ txt: 'typo' }] } }), /agents\.t1\[0\]: unknown property "txt"/);
  });

  it('explains that a fault entry cannot also carry a response', () => {
    const msg = errorOf({ version: 1, agents: { t1: [{ error: { status: 500, message: 'x' }, text: 'hi' }] } });
    assert.match(msg, /agents\.t1\[0\]: unknown property "text" \(an entry with "error" is a fault entry/);
  });

  it('checks fault fields: status range, message type, times', () => {
    const msg = errorOf({ version: 1, agents: { t1: [{ error: { status: 200, times: 0, message: 7 } }] } });
    assert.match(msg, /agents\.t1\[0\]\.error\.message: must be a string/);
    assert.match(msg, /agents\.t1\[0\]\.error\.status: must be >= 400/);
    assert.match(msg, /agents\.t1\[0\]\.error\.times: must be >= 1/);
  });

  it('requires both usage counts as non-negative integers', () => {
    const msg = errorOf({ version: 1, agents: { t1: [{ text: 'a', usage: { inputTokens: -1 } }] } });
    assert.match(msg, /agents\.t1\[0\]\.usage: missing required property "outputTokens"/);
    assert.match(msg, /agents\.t1\[0\]\.usage\.inputTokens: must be >= 0/);
  });

  it('quotes agent keys that are not identifiers in paths', () => {
    assert.match(errorOf({ version: 1, agents: { 'my task': [{ text: 5 }] } }), /agents\["my task"\]\[0\]\.text: must be a string/);
  });

  it('rejects an empty agent key once', () => {
    const msg = errorOf({ version: 1, agents: { '': [] } });
    assert.match(msg, /agents: agent keys must be non-empty/);
    assert.equal(msg.split('\n').length, 2, msg);
  });

  it('rejects agents that are not arrays of entries', () => {
    assert.match(errorOf({ version: 1, agents: { t1: { text: 'a' } } }), /agents\.t1: must be an array/);
  });

  it('lists every problem, one per line', () => {
    const msg = errorOf({ version: 1, extra: true, agents: { t1: [{ text: 1 }, { delayMs: -5 }] } });
    const lines = msg.split('\n').slice(1);
    assert.equal(lines.length, 3, msg);
    assert.match(msg, /\(top level\): unknown property "extra"/);
    assert.match(msg, /agents\.t1\[0\]\.text: must be a string/);
    assert.match(msg, /agents\.t1\[1\]\.delayMs: must be >= 0/);
  });
});

describe('loadCassette', () => {
  async function withFile(name: string, text: string | null, fn: (path: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'cassette-'));
    try {
      const path = join(dir, name);
      if (text !== null) await writeFile(path, text);
      await fn(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('reads and validates a file', async () => {
    await withFile('ok.json', JSON.stringify(good), async (path) => {
      assert.deepEqual(await loadCassette(path), good);
    });
  });

  it('names a missing file', async () => {
    await withFile('missing.json', null, async (path) => {
      await assert.rejects(loadCassette(path), (err: Error) => {
        assert.ok(err instanceof CassetteError);
        assert.equal(err.message, `cannot read cassette ${path}: file not found`);
        return true;
      });
    });
  });

  it('names a file that is not JSON', async () => {
    await withFile('broken.json', '{ "version": 1,', async (path) => {
      await assert.rejects(loadCassette(path), (err: Error) => {
        assert.ok(err.message.startsWith(`cassette ${path} is not valid JSON:`), err.message);
        return true;
      });
    });
  });

  it('names the file and the path of a schema error', async () => {
    await withFile('bad.json', JSON.stringify({ version: 1, agents: { planner: [{ toolCalls: [{}] }] } }), async (path) => {
      await assert.rejects(loadCassette(path), (err: Error) => {
        assert.match(err.message, new RegExp(`^invalid cassette ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`));
        assert.match(err.message, /agents\.planner\[0\]\.toolCalls\[0\]: missing required property "name"/);
        return true;
      });
    });
  });
});
