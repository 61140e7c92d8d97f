/**
 * The OpenAI Chat Completions wire format, as the replay server renders it.
 *
 * Follows the documented shapes:
 * - response object: https://platform.openai.com/docs/api-reference/chat/object
 * - streamed chunks: https://platform.openai.com/docs/api-reference/chat-streaming
 *   (`data: <chunk>` SSE lines, `object: "chat.completion.chunk"`, tool call deltas keyed
 *   by `index`, a usage-only chunk with empty `choices` when `stream_options.include_usage`,
 *   then `data: [DONE]`)
 * - errors: `{ "error": { "message", "type", "param", "code" } }`
 */
import { asRecord, contentChars, sanitizeId, splitText, splitThree, sseFrame, userTextAfterLastAssistant, type ReplayResponse, type WireFormat } from './wire';

const created = (): number => Math.floor(Date.now() / 1000);
const completionId = (r: ReplayResponse): string => `chatcmpl-replay-${sanitizeId(r.agent)}-${r.turn}`;
const finishReason = (r: ReplayResponse): 'tool_calls' | 'stop' => (r.toolCalls.length > 0 ? 'tool_calls' : 'stop');

function usage(r: ReplayResponse): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: r.inputTokens, completion_tokens: r.outputTokens, total_tokens: r.inputTokens + r.outputTokens };
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function messages(body: Record<string, unknown>): Record<string, unknown>[] {
  const list = body.messages;
  if (!Array.isArray(list)) throw new Error('the request body has no "messages" array');
  return list.map((m, i) => {
    const rec = asRecord(m);
    if (!rec) throw new Error(`messages[${i}] is not an object`);
    return rec;
  });
}

/** The OpenAI Chat Completions wire format (POST /v1/chat/completions). */
export const openaiWire: WireFormat = {
  path: '/v1/chat/completions',

  toolCallId: (agent, turn, index) => `call_${sanitizeId(agent)}_${turn}_${index}`,

  trailingUserText: (body) => userTextAfterLastAssistant(messages(body)),

  trailingToolResultIds(body) {
    const list = messages(body);
    let last = -1;
    list.forEach((m, i) => {
      if (m.role === 'assistant') last = i;
    });
    if (last < 0) return null;
    return list
      .slice(last + 1)
      .filter((m) => m.role === 'tool')
      .map((m) => String(m.tool_call_id));
  },

  promptChars(body) {
    return messages(body).reduce(
      (n, m) => n + contentChars(m.content) + (Array.isArray(m.tool_calls) ? contentChars(m.tool_calls.map((c) => asRecord(c)?.function)) : 0),
      0,
    );
  },

  wantsStream: (body) => body.stream === true,

  json(r) {
    return {
      id: completionId(r),
      object: 'chat.completion',
      created: created(),
      model: r.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: r.text === '' && r.toolCalls.length > 0 ? null : r.text,
            refusal: null,
            ...(r.toolCalls.length > 0
              ? {
                  tool_calls: r.toolCalls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.argumentsJson },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: finishReason(r),
        },
      ],
      usage: usage(r),
    };
  },

  sseFrames(r, body) {
    const includeUsage = asRecord(body.stream_options)?.include_usage === true;
    const base = { id: completionId(r), object: 'chat.completion.chunk', created: created(), model: r.model };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
      sseFrame({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage ? { usage: null } : {}),
      });
    const frames = [chunk({ role: 'assistant', content: '' })];
    for (const piece of splitText(r.text)) frames.push(chunk({ content: piece }));
    r.toolCalls.forEach((c, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const piece of splitThree(c.argumentsJson)) {
        frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    frames.push(chunk({}, finishReason(r)));
    if (includeUsage) frames.push(sseFrame({ ...base, choices: [], usage: usage(r) }));
    frames.push(sseFrame('[DONE]'));
    return frames;
  },

  errorBody: (status, message) => ({ error: { message, type: errorType(status), param: null, code: null } }),
};
