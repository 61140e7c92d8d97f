/**
 * The Anthropic provider: the Messages API through `@anthropic-ai/sdk`, streamed, with native
 * tool use.
 *
 * Wire format followed:
 * - request: https://docs.anthropic.com/en/api/messages
 * - streaming events: https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * - tool use / tool_result blocks: https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { AGENT_HEADER, providerError, sdkFailureFacts, type FailureFacts } from './shared';
import type { ChatMessage, ModelProvider, ToolCall, ToolSpec, TurnRequest, TurnResult } from './types';

/** Output token limit of a turn when the request sets none. */
export const DEFAULT_MAX_TOKENS = 8192;

/** Options of {@link AnthropicProvider}. */
export interface AnthropicProviderOptions {
  /** API key. Never logged, never part of an error message. */
  apiKey: string;
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:8080`. Default: api.anthropic.com. */
  baseURL?: string;
  /** Retries of transient failures (408/409/429/5xx, connection errors), with the SDK's backoff. Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout (ms). Default: the SDK's. */
  timeoutMs?: number;
}

/** Parses tool arguments for a `tool_use.input`, which must be an object; invalid JSON becomes `{}`. */
function inputOf(argumentsJson: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(argumentsJson);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // The model produced invalid JSON; the tool result that follows says so.
  }
  return {};
}

/**
 * Converts our messages to Messages API messages. Assistant turns become text + `tool_use`
 * blocks; tool results become `tool_result` blocks (with `is_error`) in a user message.
 * Adjacent messages of the same role are merged, so consecutive tool results (and a user
 * message that follows them) form one user message, with the `tool_result` blocks first as
 * the API requires. Empty text is dropped (the API rejects empty text blocks), and a
 * message left with no blocks is skipped. Tool arguments that are not a JSON object are
 * sent as `{}` (the API only accepts objects).
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'user':
        push('user', m.content === '' ? [] : [{ type: 'text', text: m.content }]);
        break;
      case 'assistant':
        push('assistant', [
          ...(m.content === '' ? [] : [{ type: 'text' as const, text: m.content }]),
          ...m.toolCalls.map((c) => ({ type: 'tool_use' as const, id: c.id, name: c.name, input: inputOf(c.argumentsJson) })),
        ]);
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, is_error: m.isError }]);
        break;
    }
  }
  for (const m of out) {
    if (m.role !== 'user') continue;
    // Stable: tool results keep their order, other blocks follow in theirs.
    m.content = [...m.content.filter((b) => b.type === 'tool_result'), ...m.content.filter((b) => b.type !== 'tool_result')];
  }
  return out;
}

/** Converts tool specs to Messages API tools (`input_schema` is the JSON schema). */
export function toAnthropicTools(tools: readonly ToolSpec[]): Tool[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { ...t.parameters, type: 'object' },
  }));
}

/** A ModelProvider on the Anthropic Messages API. */
export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic' as const;
  private readonly client: Anthropic;
  private readonly maxRetries: number;
  private readonly secrets: string[];

  constructor(opts: AnthropicProviderOptions) {
    this.maxRetries = opts.maxRetries ?? 2;
    this.secrets = [opts.apiKey];
    this.client = new Anthropic({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL || undefined,
      maxRetries: this.maxRetries,
      timeout: opts.timeoutMs,
    });
  }

  /**
   * Runs one streamed turn (`stream: true`, raw server-sent events). Text deltas go to
   * `req.onText`; `input_json_delta` fragments are joined per content block and returned
   * verbatim as `argumentsJson` (`{}` when a tool takes no input). Input tokens include
   * cache reads and writes when the server reports them.
   * @throws ProviderError (status, server message, retries) once the SDK gives up.
   */
  async complete(req: TurnRequest): Promise<TurnResult> {
    let text = '';
    const blocks: ({ kind: 'tool'; id: string; name: string; json: string } | { kind: 'other' })[] = [];
    let inputTokens = 0;
    let outputTokens = 0;
    let stopReason = 'end_turn';
    let callbackError: unknown;
    try {
      const stream = await this.client.messages.create(
        {
          model: req.model,
          max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
          ...(req.system !== '' ? { system: req.system } : {}),
          messages: toAnthropicMessages(req.messages),
          ...(req.tools.length > 0 ? { tools: toAnthropicTools(req.tools) } : {}),
          stream: true,
        },
        { headers: { [AGENT_HEADER]: req.agentKey }, signal: req.signal },
      );
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start': {
            const u = event.message.usage;
            inputTokens = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
            outputTokens = u.output_tokens;
            break;
          }
          case 'content_block_start': {
            const b = event.content_block;
            blocks[event.index] = b.type === 'tool_use' ? { kind: 'tool', id: b.id, name: b.name, json: '' } : { kind: 'other' };
            if (b.type === 'text' && b.text !== '') {
              text += b.text;
              try {
                req.onText?.(b.text);
              } catch (err) {
                callbackError = err;
                throw err;
              }
            }
            break;
          }
          case 'content_block_delta': {
            const d = event.delta;
            if (d.type === 'text_delta') {
              text += d.text;
              try {
                req.onText?.(d.text);
              } catch (err) {
                callbackError = err;
                throw err;
              }
            } else if (d.type === 'input_json_delta') {
              const block = blocks[event.index];
              if (block?.kind === 'tool') block.json += d.partial_json;
            }
            break;
          }
          case 'message_delta':
            if (event.delta.stop_reason) stopReason = event.delta.stop_reason;
            outputTokens = event.usage.output_tokens;
            break;
          default:
            break;
        }
      }
    } catch (err) {
      if (err === callbackError) throw err;
      throw providerError(this.facts(err), {
        provider: 'anthropic',
        label: 'Anthropic',
        maxRetries: this.maxRetries,
        secrets: this.secrets,
      });
    }
    const toolCalls: ToolCall[] = [];
    for (const b of blocks) {
      if (b?.kind === 'tool') toolCalls.push({ id: b.id, name: b.name, argumentsJson: b.json === '' ? '{}' : b.json });
    }
    return { text, toolCalls, inputTokens, outputTokens, stopReason };
  }

  private facts(err: unknown): FailureFacts {
    return sdkFailureFacts(err, { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError }, this.client.timeout);
  }

}
