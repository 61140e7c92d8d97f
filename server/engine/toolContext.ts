/**
 * Builds the ToolContext of an agent: its sandbox root, the mission's cancel signal, the
 * command policy, approval and question requests routed to the client (and dropped when
 * the mission is cancelled), and an environment without provider keys.
 */
import type { MissionConfig } from '../../protocol/protocol';
import type { ToolContext } from '../tools/types';
import type { Notifier } from './notifier';

/** Environment variables a child process must never see. */
export const SECRET_ENV = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'];

/** Resolves with `p`, or with `fallback` as soon as `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal, fallback: T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return resolve(fallback);
    const onAbort = () => resolve(fallback);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The context for one agent working in `root`. */
export function makeToolContext(o: {
  notifier: Notifier;
  env: NodeJS.ProcessEnv;
  missionId: string;
  taskId: string | null;
  agentId: string;
  root: string;
  config: MissionConfig;
  signal: AbortSignal;
}): ToolContext {
  const env: NodeJS.ProcessEnv = { ...o.env };
  for (const k of SECRET_ENV) delete env[k];
  const { missionId, taskId, agentId, root, signal } = o;
  return {
    root,
    signal,
    env,
    allowedCommands: o.config.allowedCommands,
    commandTimeoutMs: o.config.commandTimeoutMs ?? 120_000,
    outputCapChars: 16_000,
    requestApproval: (command) =>
      untilAborted(o.notifier.requestApproval({ missionId, taskId, agentId, kind: 'command', command, cwd: root }), signal, {
        approved: false,
        reason: 'The mission was cancelled.',
      }),
    askUser: async (question) => (await untilAborted(o.notifier.askUser({ missionId, taskId, agentId, question }), signal, { answer: null })).answer,
  };
}
