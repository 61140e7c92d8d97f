/**
 * Evidence-gated completion: a task's check commands run in its sandbox when the worker
 * calls finish_task. Each run is stored as Evidence (command, exit code, duration, the
 * last lines of output); the task is done only when every check exits 0.
 */
import type { Evidence } from '../../protocol/protocol';
import { runCommand } from '../tools/command';
import type { ToolContext } from '../tools/types';

/** Lines of output kept as evidence. */
export const EVIDENCE_TAIL_LINES = 40;

/** The last `n` lines of `text`. */
export function tailLines(text: string, n = EVIDENCE_TAIL_LINES): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/**
 * Runs each check command in `ctx.root` (commands outside the allowlist ask for approval,
 * as run_command does) and returns the evidence, in order. Stops at nothing: every check
 * runs, so the worker sees every failure at once.
 */
export async function runChecks(checks: readonly string[], ctx: ToolContext, attempt: number): Promise<Evidence[]> {
  const evidence: Evidence[] = [];
  for (const command of checks) {
    const started = Date.now();
    const outcome = await runCommand(command, ctx);
    const exitCode = outcome.command?.exitCode ?? null;
    evidence.push({
      attempt,
      command,
      exitCode,
      durationMs: outcome.command?.durationMs ?? Date.now() - started,
      outputTail: tailLines(outcome.content),
      passed: outcome.ok && exitCode === 0,
      ts: Date.now(),
    });
  }
  return evidence;
}

/** The message a worker gets back when checks fail. */
export function failedChecksMessage(failed: readonly Evidence[], attempt: number, maxAttempts: number): string {
  const parts = failed.map(
    (e) => `Check \`${e.command}\` failed (${e.exitCode === null ? 'did not exit' : `exit code ${e.exitCode}`}, ${Math.round(e.durationMs)} ms). Last output:\n${e.outputTail}`,
  );
  return `The task is not done: its checks must pass first (attempt ${attempt} of ${maxAttempts}).\n\n${parts.join('\n\n')}\n\nFix the problem, then call finish_task again.`;
}
