/**
 * Builds the ToolContext of an agent: its sandbox root, the cancel signal, the command
 * allowlist, and the mission's policy (server/engine/policy.ts) deciding which commands,
 * deletions and writes outside the task's write-set run at once and which wait in the
 * inbox for the user. Child processes get an environment without provider keys.
 */
import picomatch from 'picomatch';
import type { ApprovalSubject, MissionConfig } from '../../protocol/protocol';
import type { ToolContext } from '../tools/types';
import type { Inbox } from './inbox';
import { DEFAULT_POLICY, verdict } from './policy';

/** Environment variables a child process must never see. */
export const SECRET_ENV = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'];

/** Whether a workspace-relative path is in a write-set (picomatch globs; `dir/` means all under it). */
export function inWriteSet(relPath: string, writeSet: readonly string[]): boolean {
  return writeSet.some((g) => {
    const glob = g.replace(/^\.\//, '').replace(/\/$/, '/**');
    return picomatch(glob, { dot: true })(relPath);
  });
}

/** The context for one agent working in `root`. */
export function makeToolContext(o: {
  inbox: Inbox;
  env: NodeJS.ProcessEnv;
  missionId: string;
  taskId: string | null;
  agentId: string;
  root: string;
  config: MissionConfig;
  signal: AbortSignal;
  /** The task's write-set; writes elsewhere follow the policy. */
  writeSet?: readonly string[];
}): ToolContext {
  const env: NodeJS.ProcessEnv = { ...o.env };
  for (const k of SECRET_ENV) delete env[k];
  const { missionId, taskId, agentId, root, signal, inbox } = o;
  const policy = o.config.policy ?? DEFAULT_POLICY;
  const who = taskId ?? 'planner';
  const decide = async (subject: ApprovalSubject, title: string, detail: string, allowlisted = false) => {
    const item = { missionId, taskId, agentId, kind: 'approval' as const, subject, title, detail };
    if (verdict(policy, subject, allowlisted) === 'run') {
      inbox.record(item, { approved: true, reason: `allowed by the ${policy} policy` });
      return { approved: true };
    }
    const r = await inbox.ask(item, signal, { approved: false, reason: 'The mission was cancelled.' });
    return { approved: r.approved === true, reason: r.reason };
  };
  return {
    root,
    signal,
    env,
    // Under human-required every command asks, so none is pre-allowed.
    allowedCommands: policy === 'human-required' ? [] : o.config.allowedCommands,
    commandTimeoutMs: o.config.commandTimeoutMs ?? 120_000,
    outputCapChars: 16_000,
    requestApproval: (command) => decide('command', `${who} wants to run \`${command}\``, command),
    askUser: async (question) => {
      const r = await inbox.ask({ missionId, taskId, agentId, kind: 'question', title: `${who} asks`, detail: question }, signal, { answer: null });
      return r.answer ?? null;
    },
    checkWrite: async (relPath, op) => {
      if (op === 'delete') return decide('delete', `${who} wants to delete ${relPath}`, relPath);
      if (o.writeSet && inWriteSet(relPath, o.writeSet)) return { approved: true };
      return decide('write_outside_write_set', `${who} wants to write ${relPath}, outside its write-set`, `${relPath} (write-set: ${o.writeSet?.join(', ') || 'none'})`);
    },
  };
}
