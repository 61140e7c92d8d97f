/**
 * The plan of a mission: its summary and one row per task with live state, updated in
 * place as `task/didChange` notifications arrive.
 */
import type { Plan, TaskInfo } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setAttr, setHidden, setIcon, setText } from '../dom';
import { stateLabel, taskStateIcon } from '../format';

interface TaskRefs {
  li: HTMLLIElement;
  stateIcon: HTMLElement;
  title: HTMLElement;
  role: HTMLElement;
  state: HTMLElement;
  meta: HTMLElement;
  report: HTMLElement;
  error: HTMLElement;
}

/** The plan section of the mission view. */
export class PlanView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly ol: HTMLOListElement;
  private readonly rows = new Map<string, TaskRefs>();

  constructor() {
    this.summary = h('p', { class: 'plan-summary', hidden: true });
    this.empty = h('p', { class: 'muted' }, 'No plan yet.');
    this.ol = h('ol', { class: 'plan', 'aria-labelledby': 'plan-heading' });
    this.el = h(
      'section',
      { class: 'plan-section', 'aria-labelledby': 'plan-heading' },
      h('h3', { id: 'plan-heading' }, 'Plan'),
      this.summary,
      this.empty,
      this.ol,
    );
  }

  /** Shows the plan summary and the tasks (in plan order). `planning` says a plan is being made. */
  update(plan: Plan | null, tasks: TaskInfo[], planning: boolean): void {
    setHidden(this.summary, !plan?.summary);
    setText(this.summary, plan?.summary ?? '');
    setHidden(this.empty, tasks.length > 0);
    setText(this.empty, planning ? 'The planner is working on a plan…' : 'No plan yet.');
    const lis: HTMLLIElement[] = [];
    for (const t of tasks) {
      let refs = this.rows.get(t.id);
      if (!refs) {
        refs = this.create(t);
        this.rows.set(t.id, refs);
      }
      this.fill(refs, t);
      lis.push(refs.li);
    }
    reconcileChildren(this.ol, lis);
  }

  private create(t: TaskInfo): TaskRefs {
    const stateIcon = icon(taskStateIcon(t.state));
    const title = h('span', { class: 'task-title' });
    const role = h('span', { class: 'role' });
    const state = h('span', { class: 'task-state' });
    const meta = h('div', { class: 'task-meta muted' });
    const report = h('div', { class: 'task-report' });
    const error = h('div', { class: 'task-error', role: 'note' });
    const li = h(
      'li',
      { class: 'task', 'data-testid': 'plan-task', 'data-task-id': t.id },
      h('div', { class: 'task-head' }, stateIcon, title, role, state),
      meta,
      report,
      error,
    );
    return { li, stateIcon, title, role, state, meta, report, error };
  }

  private fill(r: TaskRefs, t: TaskInfo): void {
    setAttr(r.li, 'data-state', t.state);
    setIcon(r.stateIcon, taskStateIcon(t.state));
    setText(r.title, t.title);
    setText(r.role, t.role);
    setText(r.state, stateLabel(t.state));
    setAttr(r.li, 'aria-label', `${t.id}: ${t.title}, ${t.role}, ${stateLabel(t.state)}`);
    const meta: string[] = [t.id];
    if (t.dependsOn.length > 0) meta.push(`after ${t.dependsOn.join(', ')}`);
    if (t.attempts > 0) meta.push(`attempt ${t.attempts}`);
    setText(r.meta, meta.join(' · '));
    const showReport = t.state === 'done' && !!t.report?.summary;
    setHidden(r.report, !showReport);
    setText(r.report, showReport ? (t.report?.summary ?? '') : '');
    const showError = t.state === 'failed' && !!t.error;
    setHidden(r.error, !showError);
    setText(r.error, showError ? (t.error ?? '') : '');
  }
}
