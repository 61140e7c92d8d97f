/**
 * The Anthropic Messages wire format, as the replay server renders it.
 *
 * Follows the documented shapes:
 * - response object: https://docs.anthropic.com/en/api/messages
 * - streaming: https://docs.anthropic.com/en/docs/build-with-claude/streaming
 *   (`event: message_start`, then per content block `content_block_start` /
 *   `content_block_delta` (`text_delta` or `input_json_delta`) / `content_block_stop`,
 *   then `message_delta` with the stop reason and output usage, then `message_stop`)
 * - errors: https://docs.anthropic.com/en/api/errors
 *   (`{ "type": "error", "error": { "type", "message" } }`)
 */
import { asRecord, contentChars, sanitizeId, splitText, splitThree, sseFrame, userTextAfterLastAssistant, type ReplayResponse, type WireFormat } from './wire';

const messageId = (r: ReplayResponse): string => `msg_replay_${sanitizeId(r.agent)}_${r.turn}`;
const stopReason = (r: ReplayResponse): 'tool_use' | 'end_turn' => (r.toolCalls.length > 0 ? 'tool_use' : 'end_turn');

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
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

/** Parses tool arguments for a non-streamed `tool_use.input`, which must be a JSON object. */
function inputObject(r: ReplayResponse, index: number, json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  const rec = asRecord(value);
  if (!rec) {
    throw new Error(
      `agent "${r.agent}" turn ${r.turn}: tool call ${index} has arguments that are not a JSON object, ` +
        'which a non-streamed Anthropic response cannot carry (request with stream: true)',
    );
  }
  return rec;
}

/** The Anthropic Messages wire format (POST /v1/messages). */
export const anthropicWire: WireFormat = {
  path: '/v1/messages',

  toolCallId: (agent, turn, index) => `toolu_${sanitizeId(agent)}_${turn}_${index}`,

  trailingUserText: (body) => userTextAfterLastAssistant(messages(body)),

  trailingToolResultIds(body) {
    const list = messages(body);
    let last = -1;
    list.forEach((m, i) => {
      if (m.role === 'assistant') last = i;
    });
    if (last < 0) return null;
    const ids: string[] = [];
    for (const m of list.slice(last + 1)) {
      if (m.role !== 'user' || !Array.isArray(m.content)) continue;
      for (const block of m.content) {
        const b = asRecord(block);
        if (b?.type === 'tool_result') ids.push(String(b.tool_use_id));
      }
    }
    return ids;
  },

  promptChars: (body) => contentChars(body.system) + messages(body).reduce((n, m) => n + contentChars(m.content), 0),

  wantsStream: (body) => body.stream === true,

  json(r) {
    const content: unknown[] = [];
    if (r.text !== '') content.push({ type: 'text', text: r.text });
    r.toolCalls.forEach((c, i) => content.push({ type: 'tool_use', id: c.id, name: c.name, input: inputObject(r, i, c.argumentsJson) }));
    return {
      id: messageId(r),
      type: 'message',
      role: 'assistant',
      model: r.model,
      content,
      stop_reason: stopReason(r),
      stop_sequence: null,
      usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
    };
  },

  sseFrames(r) {
    const frames = [
      sseFrame(
        {
          type: 'message_start',
          message: {
            id: messageId(r),
            type: 'message',
            role: 'assistant',
            model: r.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: r.inputTokens, output_tokens: 1 },
          },
        },
        'message_start',
      ),
    ];
    const event = (data: Record<string, unknown>): void => {
      frames.push(sseFrame(data, String(data.type)));
    };
    let index = 0;
    if (r.text !== '') {
      event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const text of splitText(r.text)) event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
      event({ type: 'content_block_stop', index });
      index++;
    }
    for (const c of r.toolCalls) {
      event({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } });
      for (const partial_json of splitThree(c.argumentsJson)) {
        event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      }
      event({ type: 'content_block_stop', index });
      index++;
    }
    event({ type: 'message_delta', delta: { stop_reason: stopReason(r), stop_sequence: null }, usage: { output_tokens: r.outputTokens } });
    event({ type: 'message_stop' });
    return frames;
  },

  errorBody: (status, message) => ({ type: 'error', error: { type: errorType(status), message } }),
};
