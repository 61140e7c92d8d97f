/**
 * Pause / Resume / Cancel buttons of one worker, shown in its task row of the plan and
 * on its Live card. Each sends `task/pause|resume|cancel`; a button is disabled while
 * its request is in flight.
 */
import type { TaskInfo } from '../../protocol/protocol';
import { controlLabel, taskControls, type TaskControl } from '../controls';
import { h, iconButton, setAttr, setBusy, setHidden } from '../dom';

/** Sends a task control; resolves when the server answered. */
export type RunTaskControl = (taskId: string, control: TaskControl) => Promise<void>;

/** What the controls need to know about a task. */
export interface TaskControlContext {
  /** Sends a control. */
  run: RunTaskControl;
  /** Whether the panel paused this task. */
  paused(taskId: string): boolean;
}

/** The control buttons of one task. */
export class TaskControls {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly buttons: Record<TaskControl, HTMLElement>;
  private taskId: string;
  private busy = false;

  constructor(
    task: TaskInfo,
    private readonly run: RunTaskControl,
  ) {
    this.taskId = task.id;
    const make = (control: TaskControl, icon: string, label: string): HTMLElement =>
      iconButton({
        label,
        ariaLabel: controlLabel(control, task.id, task.title),
        icon,
        testId: `task-${control}`,
        onClick: () => void this.send(control),
      });
    this.buttons = {
      pause: make('pause', 'debug-pause', 'Pause'),
      resume: make('resume', 'debug-continue', 'Resume'),
      cancel: make('cancel', 'debug-stop', 'Cancel'),
    };
    this.el = h(
      'span',
      { class: 'task-controls', role: 'group', 'aria-label': `Controls of ${task.id}`, hidden: true },
      this.buttons.pause,
      this.buttons.resume,
      this.buttons.cancel,
    );
  }

  /** Shows the controls that apply to the task now. */
  update(task: TaskInfo, paused: boolean): void {
    this.taskId = task.id;
    // Hiding a focused button blurs it at once: note where focus is first.
    const focused = (['pause', 'resume', 'cancel'] as const).find((c) => this.buttons[c] === document.activeElement);
    const set = taskControls(task.state, paused, task.agentId !== undefined);
    setHidden(this.el, !set.pause && !set.resume && !set.cancel);
    for (const c of ['pause', 'resume', 'cancel'] as const) {
      setHidden(this.buttons[c], !set[c]);
      const label = controlLabel(c, task.id, task.title);
      setAttr(this.buttons[c], 'aria-label', label);
      setAttr(this.buttons[c], 'title', label);
    }
    // Pause became Resume (or back) under the user's focus: keep focus in the group.
    if (focused !== undefined && !set[focused]) {
      const next = (['resume', 'pause', 'cancel'] as const).find((c) => set[c]);
      if (next) this.buttons[next].focus();
    }
  }

  private async send(control: TaskControl): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const b = this.buttons[control];
    setBusy(b, true);
    try {
      await this.run(this.taskId, control);
    } finally {
      this.busy = false;
      setBusy(b, false);
    }
  }
}
