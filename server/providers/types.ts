/**
 * The provider-neutral shape of one model turn. Each provider (openai, anthropic)
 * translates it to its SDK's native tool-calling request and streams the answer back.
 */

/** A tool the model may call, described by a JSON schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset) of the arguments object. */
  parameters: Record<string, unknown>;
}

/** A tool call requested by the model. */
export interface ToolCall {
  /** Provider-assigned id, echoed back with the result. */
  id: string;
  name: string;
  /** Raw JSON text of the arguments, exactly as the model produced it (may be invalid). */
  argumentsJson: string;
}

/** One message of an agent's conversation, provider-neutral. */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; isError: boolean };

/** What one model turn needs. */
export interface TurnRequest {
  /**
   * Which agent is talking: "planner" or a plan task id such as "t1". Sent as the
   * `x-taskforce-agent` header so the replay server can serve the right cassette entry.
   */
  agentKey: string;
  model: string;
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** Max output tokens for the turn. */
  maxTokens?: number;
  signal?: AbortSignal;
  /** Called with each streamed text delta. */
  onText?: (delta: string) => void;
}

/** The model's answer to one turn. */
export interface TurnResult {
  text: string;
  toolCalls: ToolCall[];
  inputTokens: number;
  outputTokens: number;
  /** Why the model stopped: 'tool_calls', 'stop', 'length', … (provider's own term). */
  stopReason: string;
}

/** A model provider. Implementations must stream and use native tool calling. */
export interface ModelProvider {
  readonly name: 'openai' | 'anthropic';
  /**
   * Runs one turn. Retries transient failures (HTTP 408/409/429/5xx, connection errors)
   * with exponential backoff through the SDK's own retry logic.
   * @throws ProviderError with a message naming the provider, status and cause once
   *   retries are exhausted or the request is rejected.
   */
  complete(req: TurnRequest): Promise<TurnResult>;
}

/** A provider failure, with a clear message and the HTTP status when there is one. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly provider: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
