/**
 * What the replay server's two wire formats (OpenAI Chat Completions, Anthropic Messages)
 * have in common: the response to render, and the small helpers both renderers use.
 */

/** A tool call as the replay server sends it. */
export interface ReplayToolCall {
  /** Generated id, e.g. `call_t1_2_0` (OpenAI) or `toolu_t1_2_0` (Anthropic). */
  id: string;
  name: string;
  /** Argument JSON text, sent verbatim (may be malformed on purpose). */
  argumentsJson: string;
}

/** One scripted response, ready to render in a wire format. */
export interface ReplayResponse {
  agent: string;
  /** 1-based turn number of the agent. */
  turn: number;
  /** The model name the request asked for, echoed back. */
  model: string;
  text: string;
  toolCalls: ReplayToolCall[];
  inputTokens: number;
  outputTokens: number;
}

/** A wire format the replay server speaks. */
export interface WireFormat {
  /** The request path it serves, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Tool call id for the `index`-th (0-based) call of `turn` (1-based) of `agent`. */
  toolCallId(agent: string, turn: number, index: number): string;
  /**
   * Ids of the tool results that follow the request's last assistant message, in order.
   * Null when the request holds no assistant message (a conversation starting afresh).
   * @throws Error with a plain message when the body is not the expected shape.
   */
  trailingToolResultIds(body: Record<string, unknown>): string[] | null;
  /** Text of the user messages after the request's last assistant message (all of them when there is none). */
  trailingUserText(body: Record<string, unknown>): string;
  /** Character count of the request's prompt (system + messages), for the usage estimate. */
  promptChars(body: Record<string, unknown>): number;
  /** True when the request asked for a streamed answer. */
  wantsStream(body: Record<string, unknown>): boolean;
  /** The non-streaming JSON body. @throws Error when the response cannot be expressed. */
  json(resp: ReplayResponse): unknown;
  /** The streamed answer as complete SSE frames (each ending in a blank line). */
  sseFrames(resp: ReplayResponse, body: Record<string, unknown>): string[];
  /** An error body in the provider's own error format. */
  errorBody(status: number, message: string): unknown;
}

/** The record as a plain object, or undefined. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Makes an agent key safe inside a tool call id (letters, digits, `_`, `-`). */
export function sanitizeId(agent: string): string {
  return agent.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Splits text into a few streamed pieces: two words (with their trailing spaces) per piece,
 * so a sentence arrives as several deltas. Concatenating the pieces gives the text back.
 */
export function splitText(text: string): string[] {
  const words = text.match(/\s*\S+\s*|\s+/g) ?? [];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 2) pieces.push(words.slice(i, i + 2).join(''));
  return pieces;
}

/** Splits a string into up to three pieces of roughly equal length (by code point). */
export function splitThree(s: string): string[] {
  const chars = Array.from(s);
  if (chars.length === 0) return [];
  const size = Math.max(1, Math.ceil(chars.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

/** The token estimate used when a cassette entry gives no usage: ceil(chars / 4), at least 1. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/** Plain text of a message content: a string, or the `text` of its text parts/blocks. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => asRecord(part))
    .filter((p) => p?.type === 'text' && typeof p.text === 'string')
    .map((p) => String(p!.text))
    .join('\n');
}

/** Text of the user messages after the last assistant message of `list`. */
export function userTextAfterLastAssistant(list: Record<string, unknown>[]): string {
  let last = -1;
  list.forEach((m, i) => {
    if (m.role === 'assistant') last = i;
  });
  return list
    .slice(last + 1)
    .filter((m) => m.role === 'user')
    .map((m) => textOf(m.content))
    .join('\n');
}

/** Character count of a message content value (a string, or text-bearing blocks). */
export function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) return content.reduce<number>((n, block) => n + contentChars(block), 0);
  const rec = asRecord(content);
  if (!rec) return 0;
  let n = 0;
  for (const key of ['text', 'content', 'arguments', 'input']) {
    const v = rec[key];
    if (typeof v === 'string') n += v.length;
    else if (Array.isArray(v)) n += contentChars(v);
    else if (asRecord(v)) n += JSON.stringify(v).length;
  }
  return n;
}

/** One SSE frame: optional `event:` line, one `data:` line with JSON, blank line. */
export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
