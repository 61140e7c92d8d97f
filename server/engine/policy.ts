/**
 * Mission policies: what agents may do without asking.
 *
 * | action                                   | autonomous | supervised | human-required |
 * |------------------------------------------|------------|------------|----------------|
 * | command in taskforce.allowedCommands     | run        | run        | ask            |
 * | command outside the allowlist            | run        | ask        | ask            |
 * | delete a file                            | run        | ask        | ask            |
 * | write outside the task's write-set       | run        | ask        | ask            |
 * | the plan, before any task runs           | run        | run        | ask            |
 * | apply changes whose checks passed        | if autoApply (off by default) | never | never |
 *
 * "run" by a policy is still recorded in the inbox as a decision by `policy`.
 */
import type { ApprovalSubject, PolicyName } from '../../protocol/protocol';

/** The policy when a mission's config names none. */
export const DEFAULT_POLICY: PolicyName = 'supervised';

/** What a policy says about an action: do it, or ask the user. */
export type PolicyVerdict = 'run' | 'ask';

/**
 * The verdict for an action.
 * @param allowlisted for commands: whether the command matches taskforce.allowedCommands.
 */
export function verdict(policy: PolicyName, subject: ApprovalSubject, allowlisted = false): PolicyVerdict {
  if (policy === 'autonomous') return 'run';
  if (policy === 'human-required') return 'ask';
  if (subject === 'plan') return 'run';
  if (subject === 'command' && allowlisted) return 'run';
  return 'ask';
}

/** Whether accepted-by-checks changes are applied without review. */
export function autoApplies(policy: PolicyName, autoApply: boolean | undefined): boolean {
  return policy === 'autonomous' && autoApply === true;
}
