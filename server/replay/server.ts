/**
 * The replay server: a loopback HTTP server that speaks the OpenAI Chat Completions and the
 * Anthropic Messages wire formats (streaming and not) and serves a cassette's scripted
 * responses, per agent, in order. The real SDKs talk to it, so tests, demos and CI exercise
 * the same code paths as a live model. Cassette format: docs/cassettes.md.
 *
 * Agents are told apart by the `x-taskforce-agent` request header; each has its own cursor,
 * so however the engine schedules agents, each gets its own responses in cassette order.
 * Anything that diverges from the cassette fails loudly with HTTP 400 and a message that
 * names the agent and the turn.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_HEADER } from '../providers/shared';
import { isFault, turnCount, type Cassette, type CassetteEntry } from './cassette';
import { asRecord, estimateTokens, type ReplayResponse, type WireFormat } from './wire';
import { openaiWire } from './wire-openai';
import { anthropicWire } from './wire-anthropic';

export { AGENT_HEADER };

/** Largest request body accepted (bytes). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** What the server did with one request. */
export type ReplayOutcome = 'response' | 'fault' | 'divergence' | 'bad_request' | 'not_found';

/** One request the server received, for tests and diagnostics. */
export interface ReplayRequestRecord {
  /** Receipt order, from 0. */
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Value of the x-taskforce-agent header, or null when it was missing. */
  agent: string | null;
  /** The turn (1-based) the request asked for, when it could be told. */
  turn: number | null;
  /** HTTP status answered. */
  status: number;
  outcome: ReplayOutcome;
  /** The error message sent, for non-200 answers. */
  message?: string;
  stream: boolean;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** Epoch ms. */
  receivedAt: number;
}

/** Per-agent replay position. */
interface AgentCursor {
  /** Index of the next entry to serve. */
  next: number;
  /** How many times the fault entry at `next` has been answered. */
  faultAnswers: number;
  /** Turns answered so far (fault entries are not turns). */
  turns: number;
  /** Tool calls of the last answered turn. */
  lastCallCount: number;
}

/** An HTTP-level failure the handler answers with `status` and an error body. */
class ReplayHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly outcome: ReplayOutcome,
  ) {
    super(message);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ReplayHttpError(413, `replay: request body larger than ${MAX_BODY_BYTES} bytes`, 'bad_request'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const idList = (ids: readonly string[]): string => `[${ids.join(', ')}]`;

/**
 * A running replay server on 127.0.0.1.
 *
 * Routes: `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic).
 * Errors use the wire format of the route, with `retry-after-ms` on fault answers.
 */
export class ReplayServer {
  private readonly cursors = new Map<string, AgentCursor>();
  private readonly log: ReplayRequestRecord[] = [];

  private constructor(
    private readonly server: Server,
    private readonly cassette: Cassette,
    /** Base URL, `http://127.0.0.1:PORT` (no trailing slash). */
    readonly url: string,
  ) {}

  /**
   * Starts a server for `cassette` on 127.0.0.1.
   * @param port TCP port; 0 (the default) picks a free one.
   * @throws the listen error (e.g. EADDRINUSE).
   */
  static async start(cassette: Cassette, port = 0): Promise<ReplayServer> {
    let instance: ReplayServer | undefined;
    const server = createServer((req, res) => {
      void instance?.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = server.address() as AddressInfo;
    instance = new ReplayServer(server, cassette, `http://127.0.0.1:${bound}`);
    return instance;
  }

  /** Every request received so far, in order (a copy). */
  get requests(): ReplayRequestRecord[] {
    return this.log.slice();
  }

  /** Requests received so far from `agent`, in order. */
  requestsFor(agent: string): ReplayRequestRecord[] {
    return this.log.filter((r) => r.agent === agent);
  }

  /** Entries not yet served, per agent of the cassette (0 when an agent's script is used up). */
  remaining(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [agent, entries] of Object.entries(this.cassette.agents)) {
      out[agent] = entries.length - (this.cursors.get(agent)?.next ?? 0);
    }
    return out;
  }

  /** Stops listening and drops open connections. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const header = req.headers[AGENT_HEADER];
    const record: ReplayRequestRecord = {
      seq: this.log.length,
      method: req.method ?? 'GET',
      path,
      agent: typeof header === 'string' && header !== '' ? header : null,
      turn: null,
      status: 200,
      outcome: 'response',
      stream: false,
      body: undefined,
      receivedAt: Date.now(),
    };
    this.log.push(record);
    const wire = path === anthropicWire.path ? anthropicWire : openaiWire;
    try {
      const text = await readBody(req);
      if (req.method !== 'POST' || (path !== openaiWire.path && path !== anthropicWire.path)) {
        throw new ReplayHttpError(
          404,
          `replay: no route for ${req.method} ${path} (serves POST ${openaiWire.path} and POST ${anthropicWire.path})`,
          'not_found',
        );
      }
      let body: Record<string, unknown> | undefined;
      try {
        body = asRecord(JSON.parse(text));
      } catch {
        body = undefined;
      }
      if (!body) throw new ReplayHttpError(400, 'replay: the request body is not a JSON object', 'bad_request');
      record.body = body;
      record.stream = wire.wantsStream(body);
      await this.serve(wire, body, record, res);
    } catch (err) {
      const e =
        err instanceof ReplayHttpError
          ? err
          : new ReplayHttpError(400, `replay: ${(err as Error).message}`, 'bad_request');
      record.status = e.status;
      record.outcome = e.outcome;
      record.message = e.message;
      this.send(res, record.seq, e.status, wire.errorBody(e.status, e.message), { 'x-should-retry': 'false' });
    }
  }

  /** Serves the agent's next entry, or throws ReplayHttpError on divergence. */
  private async serve(
    wire: WireFormat,
    body: Record<string, unknown>,
    record: ReplayRequestRecord,
    res: ServerResponse,
  ): Promise<void> {
    const agent = record.agent;
    if (agent === null) {
      throw new ReplayHttpError(
        400,
        `replay: missing the ${AGENT_HEADER} request header, which names the agent whose cassette entries to serve`,
        'bad_request',
      );
    }
    const entries: CassetteEntry[] | undefined = Object.hasOwn(this.cassette.agents, agent)
      ? this.cassette.agents[agent]
      : undefined;
    if (!entries) {
      const known = Object.keys(this.cassette.agents).join(', ') || '(none)';
      throw new ReplayHttpError(400, `replay: agent "${agent}" is not in the cassette (agents: ${known})`, 'divergence');
    }
    let cursor = this.cursors.get(agent);
    if (!cursor) {
      cursor = { next: 0, faultAnswers: 0, turns: 0, lastCallCount: 0 };
      this.cursors.set(agent, cursor);
    }
    const turn = cursor.turns + 1;
    record.turn = turn;
    if (cursor.next >= entries.length) {
      const recorded = turnCount(entries);
      throw new ReplayHttpError(
        400,
        `replay: agent "${agent}" requested turn ${turn} but the cassette records ${recorded} turn${recorded === 1 ? '' : 's'}`,
        'divergence',
      );
    }

    // The tool results at the end of the request must answer the previous turn's calls, in order.
    const got = wire.trailingToolResultIds(body);
    if (cursor.turns > 0 && got !== null) {
      const expected = Array.from({ length: cursor.lastCallCount }, (_, i) => wire.toolCallId(agent, cursor.turns, i));
      if (got.length !== expected.length || got.some((id, i) => id !== expected[i])) {
        throw new ReplayHttpError(
          400,
          `replay: agent "${agent}" turn ${turn}: expected tool results for ${idList(expected)} in that order, got ${idList(got)}`,
          'divergence',
        );
      }
    }

    const entry = entries[cursor.next];
    if (!isFault(entry) && entry.expectUserMessage !== undefined) {
      const said = wire.trailingUserText(body);
      if (!said.includes(entry.expectUserMessage)) {
        throw new ReplayHttpError(
          400,
          `replay: agent "${agent}" turn ${turn}: expected a user message containing ${JSON.stringify(entry.expectUserMessage)}, got ${JSON.stringify(said.slice(0, 200))}`,
          'divergence',
        );
      }
    }
    if (isFault(entry)) {
      const times = entry.error.times ?? 1;
      cursor.faultAnswers++;
      if (cursor.faultAnswers >= times) {
        cursor.next++;
        cursor.faultAnswers = 0;
      }
      record.status = entry.error.status;
      record.outcome = 'fault';
      record.message = entry.error.message ?? `injected fault: HTTP ${entry.error.status}`;
      if (entry.delayMs) await sleep(entry.delayMs);
      // retry-after-ms (honoured by both SDKs) keeps tests fast; without it the SDK backs off on its own.
      const retryAfterMs = entry.error.retryAfterMs ?? 1;
      this.send(
        res,
        record.seq,
        entry.error.status,
        wire.errorBody(entry.error.status, entry.error.message ?? `injected fault: HTTP ${entry.error.status}`),
        retryAfterMs > 0 ? { 'retry-after-ms': String(retryAfterMs) } : {},
      );
      return;
    }

    const toolCalls = (entry.toolCalls ?? []).map((c, i) => ({
      id: wire.toolCallId(agent, turn, i),
      name: c.name,
      argumentsJson: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    }));
    const text = entry.text ?? '';
    const response: ReplayResponse = {
      agent,
      turn,
      model: typeof body.model === 'string' ? body.model : 'replay',
      text,
      toolCalls,
      inputTokens: entry.usage?.inputTokens ?? estimateTokens(wire.promptChars(body)),
      outputTokens:
        entry.usage?.outputTokens ??
        estimateTokens(text.length + toolCalls.reduce((n, c) => n + c.name.length + c.argumentsJson.length, 0)),
    };
    // Render first: a response the wire format cannot express is a 400, not a consumed turn.
    const frames = record.stream ? wire.sseFrames(response, body) : null;
    const json = record.stream ? null : wire.json(response);
    cursor.next++;
    cursor.turns = turn;
    cursor.lastCallCount = toolCalls.length;
    if (entry.delayMs) await sleep(entry.delayMs);
    if (frames) this.sendStream(res, record.seq, frames);
    else this.send(res, record.seq, 200, json);
  }

  private send(res: ServerResponse, seq: number, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.headersSent) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'x-request-id': `replay-${seq}`,
      ...headers,
    });
    res.end(payload);
  }

  private sendStream(res: ServerResponse, seq: number, frames: string[]): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': `replay-${seq}`,
    });
    for (const frame of frames) res.write(frame);
    res.end();
  }
}
