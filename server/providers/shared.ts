/**
 * What both providers share: the agent header, and turning SDK failures into ProviderError
 * with one clear message: which provider, the HTTP status, what the server said, and whether
 * the SDK's retries were used up. API keys never reach the message: known secrets and
 * anything shaped like a key are redacted.
 */
import { ProviderError } from './types';

/**
 * The request header naming the agent a turn belongs to ("planner" or a plan task id).
 * The replay server keys its per-agent cursors on it.
 */
export const AGENT_HEADER = 'x-taskforce-agent';

/** What a provider learned about a failed request, independent of the SDK it uses. */
export type FailureFacts =
  /** The server answered with an HTTP error status (or a stream carried an error event, status undefined). */
  | { kind: 'status'; status: number | undefined; serverMessage: string; shouldRetryHeader: string | null }
  /** No answer: connection refused, reset, DNS, … */
  | { kind: 'connection'; cause: string }
  | { kind: 'timeout'; timeoutMs: number | undefined }
  | { kind: 'aborted' }
  | { kind: 'other'; message: string };

/** Context for the message. */
export interface FailureContext {
  /** ProviderError.provider: 'openai' | 'anthropic'. */
  provider: 'openai' | 'anthropic';
  /** Human name used in the message, e.g. "OpenAI". */
  label: string;
  /** Retries the SDK was allowed (its maxRetries). */
  maxRetries: number;
  /** Strings to redact from any text that ends up in the message (the API key). */
  secrets: readonly string[];
}

/** Mirrors the SDKs' own retry rule (openai-node and anthropic-sdk-typescript `shouldRetry`). */
function sdkRetries(status: number, shouldRetryHeader: string | null): boolean {
  if (shouldRetryHeader === 'true') return true;
  if (shouldRetryHeader === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Removes secrets and key-shaped tokens (sk-…, sk-ant-…) from text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Real keys are long; short placeholders ("replay", "ollama") are not secrets and would
  // otherwise garble ordinary words in the message.
  for (const s of secrets) if (s.length >= 12) out = out.split(s).join('[redacted]');
  return out.replace(/\bsk-[A-Za-z0-9_-]{6,}/g, 'sk-[redacted]');
}

/** The message of an error and of its causes, e.g. "fetch failed: connect ECONNREFUSED 127.0.0.1:9". */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 5; depth++) {
    if (cur.message && !parts.includes(cur.message)) parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.join(': ') || String(err);
}

/**
 * The server's own error message from an SDK error body. OpenAI's SDK keeps the `error`
 * object (`{message, type, …}`); Anthropic's keeps the whole body (`{type, error: {message}}`).
 */
export function serverMessageOf(body: unknown, fallback: string): string {
  const rec = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  const b = rec(body);
  if (typeof b?.message === 'string') return b.message;
  const inner = rec(b?.error);
  if (typeof inner?.message === 'string') return inner.message;
  if (typeof b?.error === 'string') return b.error;
  // The SDK's message is "<status> <text>"; drop the status, which the caller states anyway.
  return fallback.replace(/^\d{3}\s+/, '');
}

/**
 * Builds the ProviderError for a failure.
 * Examples: `OpenAI request failed: HTTP 500: overloaded (gave up after 3 attempts: 2 retries exhausted)`,
 * `Anthropic request failed: could not connect: fetch failed: connect ECONNREFUSED … (gave up after 3 attempts: 2 retries exhausted)`.
 */
export function providerError(facts: FailureFacts, ctx: FailureContext): ProviderError {
  const exhausted =
    ctx.maxRetries > 0 ? ` (gave up after ${ctx.maxRetries + 1} attempts: ${ctx.maxRetries} retries exhausted)` : '';
  let message: string;
  let status: number | undefined;
  switch (facts.kind) {
    case 'status':
      status = facts.status;
      if (facts.status === undefined) {
        message = `${ctx.label} stream failed: ${facts.serverMessage}`;
      } else {
        message = `${ctx.label} request failed: HTTP ${facts.status}: ${facts.serverMessage}`;
        if (sdkRetries(facts.status, facts.shouldRetryHeader)) message += exhausted;
      }
      break;
    case 'connection':
      message = `${ctx.label} request failed: could not connect: ${facts.cause}${exhausted}`;
      break;
    case 'timeout':
      message = `${ctx.label} request timed out${facts.timeoutMs ? ` after ${facts.timeoutMs} ms` : ''}${exhausted}`;
      break;
    case 'aborted':
      message = `${ctx.label} request was aborted`;
      break;
    case 'other':
      message = `${ctx.label} request failed: ${facts.message}`;
      break;
  }
  return new ProviderError(redact(message, ctx.secrets), ctx.provider, status);
}

/** The error classes both SDKs (openai, @anthropic-ai/sdk) export, with the same shapes. */
export interface SdkErrorClasses {
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error & { cause?: unknown };
  APIError: abstract new (...args: never[]) => Error & { status?: number; error?: unknown; headers?: { get(name: string): string | null } };
}

/**
 * Classifies an SDK error into FailureFacts. Both SDKs come from the same generator
 * (Stainless) and share these classes, so one mapping serves both.
 */
export function sdkFailureFacts(err: unknown, classes: SdkErrorClasses, timeoutMs: number | undefined): FailureFacts {
  if (err instanceof classes.APIUserAbortError) return { kind: 'aborted' };
  if (err instanceof classes.APIConnectionTimeoutError) return { kind: 'timeout', timeoutMs };
  if (err instanceof classes.APIConnectionError) return { kind: 'connection', cause: causeChain(err.cause ?? err) };
  if (err instanceof classes.APIError) {
    return {
      kind: 'status',
      status: err.status,
      serverMessage: serverMessageOf(err.error, err.message),
      shouldRetryHeader: err.headers?.get('x-should-retry') ?? null,
    };
  }
  return { kind: 'other', message: causeChain(err) };
}
