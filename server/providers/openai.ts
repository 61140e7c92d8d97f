/**
 * The OpenAI provider: Chat Completions through the `openai` SDK (v6), streamed, with native
 * tool calling. A custom `baseURL` covers OpenAI-compatible servers (Ollama, LM Studio, vLLM,
 * gateways) and the replay server.
 *
 * Wire format followed:
 * - request: https://platform.openai.com/docs/api-reference/chat/create
 * - streaming: https://platform.openai.com/docs/api-reference/chat-streaming
 * - function calling: https://platform.openai.com/docs/guides/function-calling
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { AGENT_HEADER, providerError, sdkFailureFacts, type FailureFacts } from './shared';
import type { ChatMessage, ModelProvider, ToolCall, ToolSpec, TurnRequest, TurnResult } from './types';

/** Options of {@link OpenAIProvider}. */
export interface OpenAIProviderOptions {
  /** API key. Never logged, never part of an error message. */
  apiKey: string;
  /** Base URL, e.g. `http://localhost:11434/v1`. Default: api.openai.com. */
  baseURL?: string;
  /** Retries of transient failures (408/409/429/5xx, connection errors), with the SDK's backoff. Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout (ms). Default: the SDK's (10 minutes). */
  timeoutMs?: number;
}

/**
 * Converts the system prompt and our messages to Chat Completions messages: the system
 * message first; assistant turns carry `tool_calls`; each tool result becomes a `tool`
 * message with its `tool_call_id`. The Chat Completions API has no error flag on tool
 * results, so `isError` is carried by the result text itself.
 */
export function toOpenAIMessages(system: string, messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system !== '') out.push({ role: 'system', content: system });
  for (const m of messages) {
    switch (m.role) {
      case 'user':
        out.push({ role: 'user', content: m.content });
        break;
      case 'assistant':
        out.push(
          m.toolCalls.length > 0
            ? {
                role: 'assistant',
                content: m.content === '' ? null : m.content,
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: c.argumentsJson },
                })),
              }
            : { role: 'assistant', content: m.content },
        );
        break;
      case 'tool':
        out.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
        break;
    }
  }
  return out;
}

/** Converts tool specs to Chat Completions function tools. */
export function toOpenAITools(tools: readonly ToolSpec[]): ChatCompletionFunctionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

/** A ModelProvider on the OpenAI Chat Completions API. */
export class OpenAIProvider implements ModelProvider {
  readonly name = 'openai' as const;
  private readonly client: OpenAI;
  private readonly maxRetries: number;
  private readonly secrets: string[];

  constructor(opts: OpenAIProviderOptions) {
    this.maxRetries = opts.maxRetries ?? 2;
    this.secrets = [opts.apiKey];
    this.client = new OpenAI({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL || undefined,
      maxRetries: this.maxRetries,
      timeout: opts.timeoutMs,
      // Don't pick up OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment implicitly.
      organization: null,
      project: null,
    });
  }

  /**
   * Runs one streamed turn. Text deltas go to `req.onText` as they arrive; tool call
   * fragments are joined by their `index`. Token counts come from the final usage chunk
   * (`stream_options.include_usage`), or 0 when a compatible server sends none.
   * @throws ProviderError (status, server message, retries) once the SDK gives up.
   */
  async complete(req: TurnRequest): Promise<TurnResult> {
    let text = '';
    const calls: { id: string; name: string; args: string }[] = [];
    let inputTokens = 0;
    let outputTokens = 0;
    let stopReason = 'stop';
    let callbackError: unknown;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: req.model,
          messages: toOpenAIMessages(req.system, req.messages),
          ...(req.tools.length > 0 ? { tools: toOpenAITools(req.tools) } : {}),
          ...(req.maxTokens !== undefined ? { max_completion_tokens: req.maxTokens } : {}),
          stream: true,
          stream_options: { include_usage: true },
        },
        { headers: { [AGENT_HEADER]: req.agentKey }, signal: req.signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) {
          inputTokens = chunk.usage.prompt_tokens ?? inputTokens;
          outputTokens = chunk.usage.completion_tokens ?? outputTokens;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta;
        if (delta?.content) {
          text += delta.content;
          try {
            req.onText?.(delta.content);
          } catch (err) {
            callbackError = err;
            throw err;
          }
        }
        for (const [position, tc] of (delta?.tool_calls ?? []).entries()) {
          const index = tc.index ?? position;
          const slot = (calls[index] ??= { id: '', name: '', args: '' });
          if (tc.id) slot.id = tc.id;
          if (tc.function?.name && slot.name === '') slot.name = tc.function.name;
          if (tc.function?.arguments) slot.args += tc.function.arguments;
        }
        if (choice.finish_reason) stopReason = choice.finish_reason;
      }
    } catch (err) {
      if (err === callbackError) throw err;
      throw providerError(this.facts(err), {
        provider: 'openai',
        label: 'OpenAI',
        maxRetries: this.maxRetries,
        secrets: this.secrets,
      });
    }
    const toolCalls: ToolCall[] = calls
      .filter((c) => c !== undefined)
      .map((c, i) => ({
        // Some compatible servers omit ids; the conversation still needs one per call.
        id: c.id || `call_${Date.now().toString(36)}_${i}`,
        name: c.name,
        argumentsJson: c.args,
      }));
    return { text, toolCalls, inputTokens, outputTokens, stopReason };
  }

  private facts(err: unknown): FailureFacts {
    return sdkFailureFacts(err, { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError }, this.client.timeout);
  }

}
