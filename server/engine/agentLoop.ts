/**
 * One agent's tool-calling loop: send the conversation, stream the answer, run the tool
 * calls it asks for, return the observations, repeat — until the agent calls
 * finish_task (workers) or submits a valid plan (planner), or a limit is hit.
 *
 * Every step is stored before it is announced: messages (so the conversation can be
 * rebuilt), events (text, tool_call, tool_result, turn), and usage per model call.
 */
import type { AgentRole, ProviderName, TaskReport } from '../../protocol/protocol';
import type { ChatMessage, ModelProvider, ToolCall } from '../providers/types';
import type { Tool, ToolContext } from '../tools/types';
import { executeToolCall } from '../tools/registry';
import type { Store, NewEvent } from '../store/store';
import type { Notifier } from './notifier';
import { costUsd } from './pricing';

/** Everything one agent run needs. */
export interface AgentRunOptions {
  store: Store;
  notifier: Notifier;
  missionId: string;
  agentId: string;
  taskId: string | null;
  role: AgentRole;
  /** Cassette key sent to the provider: "planner" or the plan task id. */
  agentKey: string;
  provider: ModelProvider;
  providerName: ProviderName;
  model: string;
  system: string;
  /** Earlier conversation, already stored (a resumed agent: a retry, a replan, a review round). */
  history?: ChatMessage[];
  /** New messages that open this run (stored by the loop); at least one. */
  messages: ChatMessage[];
  tools: Tool[];
  ctx: ToolContext;
  /** Max model turns before the run fails. */
  maxTurns: number;
  /**
   * For the planner: judges a submitted plan. Returns the validation errors to send
   * back, or null when the plan is accepted (the loop then ends).
   */
  onPlan?: (candidate: unknown) => string[] | null;
  /** Max invalid plans returned to the planner before the run fails. */
  maxPlanRetries?: number;
  /** Called when the agent waits on the user (true) and when it resumes (false). */
  onWaiting?: (kind: 'input' | 'approval' | null) => void;
  /**
   * Gates finish_task: resolves null when the report is accepted (the loop ends), or a
   * message for the agent (failed checks, with their output) and the loop goes on.
   * Throws to fail the run (attempts exhausted).
   */
  onFinish?: (report: TaskReport) => Promise<string | null>;
  /** Awaited before every model turn (the mission's pause gate). Rejects when cancelled. */
  beforeTurn?: () => Promise<void>;
  /** The user's chat messages waiting for this agent; delivered before its next turn. */
  takeMessages?: () => string[];
  /** Called after each model call's usage is stored (to announce the new totals). */
  onUsage?: () => void;
}

/** How a run ended. */
export type AgentOutcome =
  | { kind: 'finished'; report: TaskReport }
  | { kind: 'planned' }
  | { kind: 'changes_requested'; taskId: string; findings: string[] };

/** Thrown when the run is cancelled through ctx.signal. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * Runs the loop.
 * @throws ProviderError when the provider fails after its retries; CancelledError when
 *   cancelled; Error when the turn limit or the plan-retry limit is reached.
 */
export async function runAgent(o: AgentRunOptions): Promise<AgentOutcome> {
  const messages = [...(o.history ?? []), ...o.messages];
  for (const m of o.messages) o.store.appendMessage(o.agentId, m);
  let invalidPlans = 0;
  const maxPlanRetries = o.maxPlanRetries ?? 2;
  const event = (e: Omit<NewEvent, 'missionId' | 'agentId' | 'taskId'>) => {
    const stored = o.store.appendEvent({ missionId: o.missionId, agentId: o.agentId, taskId: o.taskId, ...e });
    o.notifier.agentEvent(stored, o.role);
    return stored;
  };
  const push = (m: ChatMessage) => {
    messages.push(m);
    o.store.appendMessage(o.agentId, m);
  };

  for (let turn = 1; turn <= o.maxTurns; turn++) {
    if (o.beforeTurn) await o.beforeTurn();
    if (o.ctx.signal.aborted) throw new CancelledError();
    for (const text of o.takeMessages?.() ?? []) push({ role: 'user', content: `Message from the user: ${text}` });
    const turnStart = performance.now();
    const result = await o.provider
      .complete({
        agentKey: o.agentKey,
        model: o.model,
        system: o.system,
        messages,
        tools: o.tools.map((t) => t.spec),
        signal: o.ctx.signal,
        onText: (delta) => o.notifier.agentDelta(o.missionId, o.agentId, o.taskId, o.role, delta),
      })
      .catch((err: unknown) => {
        if (o.ctx.signal.aborted) throw new CancelledError();
        throw err;
      });
    const modelMs = performance.now() - turnStart;
    o.store.recordUsage({
      missionId: o.missionId,
      agentId: o.agentId,
      taskId: o.taskId,
      provider: o.providerName,
      model: o.model,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      costUsd: o.providerName === 'replay' ? 0 : costUsd(o.model, result.inputTokens, result.outputTokens),
      modelMs,
    });
    o.onUsage?.();
    push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
    if (result.text.trim()) event({ kind: 'text', text: result.text });

    let outcome: AgentOutcome | undefined;
    if (result.toolCalls.length === 0) {
      const nudge =
        o.role === 'planner'
          ? 'Call submit_plan with the plan when it is ready.'
          : 'Continue the task with tool calls. When it is complete, call finish_task.';
      push({ role: 'user', content: nudge });
      event({ kind: 'info', text: `No tool call in this turn; reminded the agent: ${nudge}` });
    }
    for (const call of result.toolCalls) {
      const observation = await runOne(o, call, event, () => invalidPlans, () => invalidPlans++);
      push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: observation.content, isError: !observation.ok });
      if (observation.outcome && !outcome) outcome = observation.outcome;
    }
    event({ kind: 'turn', text: `turn ${turn}`, turnMs: performance.now() - turnStart, modelMs });
    if (outcome) return outcome;
    if (invalidPlans > maxPlanRetries) {
      throw new Error(`the planner submitted ${invalidPlans} invalid plans; giving up after ${maxPlanRetries} retries`);
    }
  }
  throw new Error(`${o.role} ${o.taskId ?? ''} reached the limit of ${o.maxTurns} turns without finishing`.replace('  ', ' '));
}

/** Runs one tool call and records it; returns the observation and, if the run ends, how. */
async function runOne(
  o: AgentRunOptions,
  call: ToolCall,
  event: (e: Omit<NewEvent, 'missionId' | 'agentId' | 'taskId'>) => unknown,
  invalidPlans: () => number,
  countInvalidPlan: () => void,
): Promise<{ ok: boolean; content: string; outcome?: AgentOutcome }> {
  event({ kind: 'tool_call', text: summariseCall(call), tool: call.name, toolCallId: call.id, args: call.argumentsJson });
  const allowed = o.tools.some((t) => t.spec.name === call.name);
  const waitKind = call.name === 'ask_user' ? 'input' : call.name === 'run_command' ? 'approval' : null;
  const ctx: typeof o.ctx =
    waitKind && allowed && o.onWaiting
      ? {
          ...o.ctx,
          requestApproval: async (command) => {
            o.onWaiting?.('approval');
            try {
              return await o.ctx.requestApproval(command);
            } finally {
              o.onWaiting?.(null);
            }
          },
          askUser: async (question) => {
            o.onWaiting?.('input');
            try {
              return await o.ctx.askUser(question);
            } finally {
              o.onWaiting?.(null);
            }
          },
        }
      : o.ctx;
  const result = await executeToolCall(call, o.tools, ctx);
  let ok = result.ok;
  let content = result.content;
  let outcome: AgentOutcome | undefined;
  if (ok && result.plan !== undefined && o.onPlan) {
    const errors = o.onPlan(result.plan);
    if (errors) {
      countInvalidPlan();
      ok = false;
      content = `The plan is invalid (attempt ${invalidPlans()}):\n${errors.map((e) => `- ${e}`).join('\n')}\nFix these and call submit_plan again.`;
    } else {
      content = 'Plan accepted.';
      outcome = { kind: 'planned' };
    }
  }
  if (ok && result.report) {
    const rejection = o.onFinish ? await o.onFinish(result.report) : null;
    if (rejection) {
      ok = false;
      content = rejection;
    } else outcome = { kind: 'finished', report: result.report };
  }
  if (ok && result.review) outcome = { kind: 'changes_requested', ...result.review };
  event({ kind: 'tool_result', text: content, tool: call.name, toolCallId: call.id, ok });
  return { ok, content, outcome };
}

/** A one-line description of a tool call for transcripts, e.g. `read_file index.js`. */
export function summariseCall(call: ToolCall): string {
  try {
    const args = JSON.parse(call.argumentsJson) as Record<string, unknown>;
    const main = args.path ?? args.command ?? args.pattern ?? args.question ?? args.summary;
    return typeof main === 'string' ? `${call.name} ${main.split('\n')[0].slice(0, 120)}` : call.name;
  } catch {
    return `${call.name} (invalid arguments)`;
  }
}
