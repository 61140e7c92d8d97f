/**
 * DOM-free rules of the panel's per-agent controls: which of Pause / Resume / Cancel a
 * task offers, what the chat box of an agent says it will do, and how a delivery reads.
 * Unit-tested under Node.
 */
import type { AgentRole, AgentSendMessageResult, TaskState } from '../protocol/protocol';
import { isTaskActive } from './graph';

/** A per-task control. */
export type TaskControl = 'pause' | 'resume' | 'cancel';

/** Which controls a task shows. */
export interface TaskControlSet {
  pause: boolean;
  resume: boolean;
  cancel: boolean;
}

/**
 * Controls of a task: a worker on it can be paused (or resumed once the panel paused
 * it) and cancelled; a task without a worker offers none. The protocol has no paused
 * task state, so `paused` is what the panel itself asked for.
 */
export function taskControls(state: TaskState, paused: boolean, hasWorker: boolean): TaskControlSet {
  if (!hasWorker || !isTaskActive(state)) return { pause: false, resume: false, cancel: false };
  return { pause: !paused, resume: paused, cancel: true };
}

/** Accessible label of a control: "Pause t2: Write the limiter". */
export function controlLabel(control: TaskControl, taskId: string, title: string): string {
  const verb = control === 'pause' ? 'Pause' : control === 'resume' ? 'Resume' : 'Cancel';
  return `${verb} ${taskId}: ${title}`;
}

/** What the live region says after a control answered. */
export function controlDoneText(control: TaskControl, taskId: string, ok: boolean): string {
  if (!ok && control === 'pause') return `${taskId} was already paused.`;
  if (!ok && control === 'resume') return `${taskId} was not paused.`;
  if (!ok) return `${taskId} has already finished.`;
  if (control === 'pause') return `${taskId} pauses at its next turn boundary.`;
  if (control === 'resume') return `${taskId} resumed.`;
  return `${taskId} cancelled.`;
}

/** How a message was delivered, for the line under the chat box. */
export function deliveryText(delivery: AgentSendMessageResult['delivery']): string {
  switch (delivery) {
    case 'queued':
      return 'Sent: queued for its next turn.';
    case 'reopened':
      return 'Sent: reopened the task with your request.';
    case 'replanning':
      return 'Sent: the planner will replan.';
    default:
      return 'Sent.';
  }
}

/**
 * What the chat box says a message will do: to the planner, replan; to a worker on its
 * task, steer it at its next turn; to a finished task's worker, reopen the task.
 */
export function chatHint(role: AgentRole, taskState: TaskState | undefined): string {
  if (role === 'planner') return 'Message the planner: it replans the tasks that have not started.';
  if (taskState !== undefined && !isTaskActive(taskState) && taskState !== 'pending' && taskState !== 'ready') {
    return `Message the ${role}: reopens the task with your request.`;
  }
  return `Message the ${role}: delivered at its next turn.`;
}

/** Whether a keydown in a message box sends: Enter without Shift (and not while composing). */
export function isSendKey(e: { key: string; shiftKey: boolean; isComposing?: boolean }): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.isComposing;
}
