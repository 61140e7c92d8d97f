/**
 * Replay cassettes: the scripted model responses the replay server serves, per agent, in
 * order. The format is documented for humans in docs/cassettes.md; this module holds its
 * types, its JSON schema and the loader that validates a file against it.
 */
import { readFile } from 'node:fs/promises';
import Ajv, { type ErrorObject } from 'ajv';
import type { ReplayWireFormat } from '../../protocol/protocol';

/** Token counts a cassette entry reports instead of the estimate (chars / 4). */
export interface CassetteUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One tool call of a scripted response. */
export interface CassetteToolCall {
  name: string;
  /**
   * The arguments. An object is serialised with JSON.stringify; a string is sent verbatim,
   * so a cassette can hold malformed JSON exactly as a model might produce it.
   */
  arguments: Record<string, unknown> | string;
}

/** A scripted model response: text, tool calls, or both. No tool calls means the turn ends (stop / end_turn). */
export interface CassetteTurn {
  text?: string;
  toolCalls?: CassetteToolCall[];
  usage?: CassetteUsage;
  /** Wait this long (ms) before answering. */
  delayMs?: number;
  /**
   * The turn is served only when the user messages since the agent's last answer contain
   * this text (e.g. a steering message sent by chat); otherwise the request diverges.
   */
  expectUserMessage?: string;
}

/** An injected failure: answers HTTP `status` for `times` requests of the same turn, then moves on. */
export interface CassetteFault {
  error: {
    /** HTTP status, 400–599. */
    status: number;
    /** Error message in the response body. Default: `injected fault: HTTP <status>`. */
    message?: string;
    /** How many requests get this error before the next entry is served. Default 1. */
    times?: number;
    /**
     * Value of the `retry-after-ms` response header (ms). Default 1, so tests don't wait for
     * backoff. 0 sends no header, so the SDK uses its own exponential backoff (0.5 s, 1 s, 2 s,
     * … up to 8 s, minus up to 25 % jitter).
     */
    retryAfterMs?: number;
  };
  /** Wait this long (ms) before answering. */
  delayMs?: number;
}

/** One cassette entry: a response or a fault. */
export type CassetteEntry = CassetteTurn | CassetteFault;

/** A whole cassette file (version 1). */
export interface Cassette {
  version: 1;
  description?: string;
  /** Wire format createProvider uses when the mission config does not say. */
  wireFormat?: ReplayWireFormat;
  /** Entries per agent key: "planner", or a plan task id such as "t1". */
  agents: Record<string, CassetteEntry[]>;
}

/** True when the entry is a fault entry. */
export function isFault(entry: CassetteEntry): entry is CassetteFault {
  return 'error' in entry && entry.error !== undefined;
}

/** The JSON schema (draft-07, as ajv 8 defaults to) of a version 1 cassette. */
export const cassetteSchema = {
  $id: 'taskforce/cassette-v1',
  type: 'object',
  required: ['version', 'agents'],
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    description: { type: 'string' },
    wireFormat: { enum: ['openai', 'anthropic'] },
    agents: {
      type: 'object',
      propertyNames: { minLength: 1 },
      additionalProperties: { type: 'array', items: { $ref: '#/definitions/entry' } },
    },
  },
  definitions: {
    entry: {
      type: 'object',
      if: { type: 'object', properties: { error: true }, required: ['error'] },
      then: { $ref: '#/definitions/fault' },
      else: { $ref: '#/definitions/turn' },
    },
    delayMs: { type: 'integer', minimum: 0 },
    turn: {
      type: 'object',
      additionalProperties: false,
      properties: {
        text: { type: 'string' },
        toolCalls: { type: 'array', items: { $ref: '#/definitions/toolCall' } },
        usage: {
          type: 'object',
          additionalProperties: false,
          required: ['inputTokens', 'outputTokens'],
          properties: {
            inputTokens: { type: 'integer', minimum: 0 },
            outputTokens: { type: 'integer', minimum: 0 },
          },
        },
        delayMs: { $ref: '#/definitions/delayMs' },
        expectUserMessage: { type: 'string', minLength: 1 },
      },
    },
    toolCall: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'arguments'],
      properties: {
        name: { type: 'string', minLength: 1 },
        arguments: { type: ['object', 'string'] },
      },
    },
    fault: {
      type: 'object',
      additionalProperties: false,
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: {
            status: { type: 'integer', minimum: 400, maximum: 599 },
            message: { type: 'string' },
            times: { type: 'integer', minimum: 1 },
            retryAfterMs: { type: 'integer', minimum: 0 },
          },
        },
        delayMs: { $ref: '#/definitions/delayMs' },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateCassette = ajv.compile<Cassette>(cassetteSchema);

/** Renders a JSON pointer such as `/agents/t1/0/toolCalls` as `agents.t1[0].toolCalls`. */
function readablePath(pointer: string): string {
  if (pointer === '') return '(top level)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** One line per ajv error, with the location in the JSON and a plain message. */
function describeError(e: ErrorObject, faultPaths: ReadonlySet<string>): string {
  const at = readablePath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const hint = faultPaths.has(e.instancePath)
        ? ' (an entry with "error" is a fault entry: it may only have "error" and "delayMs")'
        : '';
      return `${at}: unknown property "${String(p.additionalProperty)}"${hint}`;
    }
    case 'required':
      return `${at}: missing required property "${String(p.missingProperty)}"`;
    case 'enum':
      return `${at}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}`;
    case 'type': {
      const types = Array.isArray(p.type) ? (p.type as string[]) : [String(p.type)];
      return `${at}: must be ${types.map((t) => (t === 'object' || t === 'array' || t === 'integer' ? `an ${t}` : `a ${t}`)).join(' or ')}`;
    }
    case 'propertyNames':
      return `${at}: agent keys must be non-empty (got ${JSON.stringify(p.propertyName)})`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/** Thrown when a cassette cannot be read or does not match the format. */
export class CassetteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CassetteError';
  }
}

/**
 * Validates parsed JSON as a version 1 cassette (format: docs/cassettes.md).
 * @param json the parsed JSON value.
 * @param sourceName names the source in error messages (usually the file name).
 * @throws CassetteError listing each problem as `<source>: <path in JSON>: <problem>`.
 */
export function parseCassette(json: unknown, sourceName: string): Cassette {
  if (validateCassette(json)) return json;
  const errors = validateCassette.errors ?? [];
  // Entries that failed as fault entries (they have "error"): the if/then/else says "then".
  const faultPaths = new Set(
    errors.filter((e) => e.keyword === 'if' && e.params.failingKeyword === 'then').map((e) => e.instancePath),
  );
  const lines = errors
    // The if/then/else wrapper adds a summary error on top of the real one, and a
    // propertyNames failure is reported twice (the inner keyword, then the summary).
    .filter((e) => e.keyword !== 'if' && e.propertyName === undefined)
    .map((e) => describeError(e, faultPaths));
  const unique = [...new Set(lines)];
  const shown = unique.slice(0, 10);
  const more = unique.length > shown.length ? `\n  … and ${unique.length - shown.length} more` : '';
  throw new CassetteError(
    `invalid cassette ${sourceName}:\n${shown.map((l) => `  ${l}`).join('\n')}${more}`,
  );
}

/**
 * Reads and validates a cassette file (UTF-8 JSON).
 * @param path file path (absolute, or relative to the process cwd).
 * @throws CassetteError when the file cannot be read, is not JSON, or is not a valid cassette;
 *   the message names the file.
 */
export async function loadCassette(path: string): Promise<Cassette> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CassetteError(
      `cannot read cassette ${path}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CassetteError(`cassette ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseCassette(json, path);
}

/** The turn entries (non-fault) recorded for an agent: the number of turns it can be served. */
export function turnCount(entries: readonly CassetteEntry[]): number {
  return entries.filter((e) => !isFault(e)).length;
}
