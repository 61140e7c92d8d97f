/**
 * The plan of a mission as a graph: its summary, a "Running now" line, and one row per
 * task in dependency order (see TaskRow), updated in place as `task/didChange`
 * notifications arrive.
 */
import type { MissionState, Plan, TaskInfo } from '../../protocol/protocol';
import { h, reconcileChildren, setHidden, setText } from '../dom';
import { isMissionActive } from '../format';
import { runningNow, runningNowText, topoOrder } from '../graph';
import { TaskRow, type TaskRowContext } from './taskRow';

/** What the plan view shows. */
export interface PlanModel {
  plan: Plan | null;
  /** Tasks in plan order (the view puts them in dependency order). */
  tasks: TaskInfo[];
  missionState: MissionState | undefined;
  ctx: TaskRowContext;
}

/** The plan section of the mission view. */
export class PlanView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly running: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly ol: HTMLOListElement;
  private readonly rows = new Map<string, TaskRow>();

  constructor() {
    this.summary = h('p', { class: 'plan-summary', hidden: true });
    this.running = h('p', { class: 'running-now', 'data-testid': 'running-now', role: 'status', hidden: true });
    this.empty = h('p', { class: 'muted' }, 'No plan yet.');
    this.ol = h('ol', { class: 'plan', 'aria-labelledby': 'plan-heading' });
    this.el = h(
      'section',
      { class: 'plan-section', 'aria-labelledby': 'plan-heading' },
      h('h3', { id: 'plan-heading' }, 'Plan'),
      this.running,
      this.summary,
      this.empty,
      this.ol,
    );
  }

  /** Shows the plan summary, what runs now, and the tasks in dependency order. */
  update(m: PlanModel): void {
    const { plan, tasks } = m;
    setHidden(this.summary, !plan?.summary);
    setText(this.summary, plan?.summary ?? '');
    setHidden(this.empty, tasks.length > 0);
    setText(this.empty, m.missionState === 'planning' ? 'The planner is working on a plan…' : 'No plan yet.');
    // Shown while the mission is in progress (so it does not come and go between
    // tasks); before the mission's state is known, while a task is active.
    const ordered = topoOrder(tasks);
    const inProgress = m.missionState === undefined ? runningNow(ordered).length > 0 : isMissionActive(m.missionState);
    const show = tasks.length > 0 && inProgress;
    setHidden(this.running, !show);
    setText(this.running, show ? runningNowText(ordered) : '');
    const lis: HTMLLIElement[] = [];
    for (const t of ordered) {
      let row = this.rows.get(t.id);
      if (!row) {
        row = new TaskRow(t, m.ctx.control);
        this.rows.set(t.id, row);
      }
      row.fill(t, m.ctx);
      lis.push(row.el);
    }
    reconcileChildren(this.ol, lis);
  }
}
