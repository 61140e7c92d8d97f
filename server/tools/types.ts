/**
 * Tool contracts for worker and planner agents (see ../shared/design.md "Agents and tools").
 * A tool validates its arguments against its JSON schema (ajv) before running; bad input
 * becomes an error observation for the model, never an exception that ends the task.
 */
import type { TaskReport } from '../../protocol/protocol';
import type { ToolSpec } from '../providers/types';

/** What a tool may touch and ask for while it runs. */
export interface ToolContext {
  /** Absolute path of the sandbox root the agent works in. Tools never leave it. */
  root: string;
  /** Aborted when the mission or task is cancelled. */
  signal: AbortSignal;
  /** Commands that run without approval: exact match, or an entry followed by a space. */
  allowedCommands: string[];
  /** run_command timeout (ms). */
  commandTimeoutMs: number;
  /** Max characters of command output returned to the model (tail kept). */
  outputCapChars: number;
  /** Asks the user whether `command` may run; resolves with their decision. */
  requestApproval(command: string): Promise<{ approved: boolean; reason?: string }>;
  /** Asks the user a question; null when no answer is available. */
  askUser(question: string): Promise<string | null>;
  /**
   * Asks whether a file may be written or deleted (deletions, writes outside the task's
   * write-set), per the mission's policy. Absent: everything may be written.
   */
  checkWrite?(relPath: string, op: 'write' | 'delete'): Promise<{ approved: boolean; reason?: string }>;
  /** Environment for child processes (provider keys already removed). */
  env: NodeJS.ProcessEnv;
}

/** Result of one tool call, returned to the model as the observation. */
export interface ToolOutcome {
  /** False when the tool refused or failed; `content` then says what and why. */
  ok: boolean;
  content: string;
  /** Set by finish_task: the worker's report; the loop ends. */
  report?: TaskReport;
  /** Set by submit_plan: the raw plan object (validated by the engine). */
  plan?: unknown;
  /** Set by run_command: the command and its exit code (null when it did not run). */
  command?: { command: string; exitCode: number | null; durationMs: number };
  /** Set by request_changes: the task a reviewer sends back, with findings. */
  review?: { taskId: string; findings: string[] };
  /** Workspace-relative paths this call wrote or deleted. */
  wrote?: string[];
}

/** A tool: its spec (name, description, argument schema) and its implementation. */
export interface Tool {
  spec: ToolSpec;
  /** `args` has already been validated against `spec.parameters`. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome>;
}
