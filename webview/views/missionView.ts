/**
 * The view of one mission: header (back, goal, state, error, Pause/Resume, Cancel,
 * usage), then the live workers, the plan, the changes and the agents' transcripts.
 */
import { button, h, icon, setAttr, setBusy, setHidden, setIcon, setText } from '../dom';
import { formatCost, formatTokens, isMissionActive, missionStateIcon } from '../format';
import { DEFAULT_MAX_TASK_ATTEMPTS, type AgentHint } from '../graph';
import { liveWorkers } from '../liveModel';
import { orderedTasks, orderedTranscripts, sortedChanges, type MissionViewState } from '../state';
import { ChangesView, type ChangeActions } from './changes';
import { LiveView } from './live';
import { PlanView } from './plan';
import type { SendMessage } from './chat';
import type { RunTaskControl } from './taskControls';
import { TranscriptsView } from './transcript';

/** What the user can do from the mission view. */
export interface MissionViewActions extends ChangeActions {
  back(): void;
  cancel(missionId: string): void;
  /** Pauses the mission; resolves when the server answered. */
  pause(missionId: string): Promise<void>;
  /** Resumes the mission; resolves when the server answered. */
  resume(missionId: string): Promise<void>;
  /** Sends a chat message to an agent of the mission. */
  sendMessage: SendMessage;
  /** Pauses, resumes or cancels one worker. */
  control: RunTaskControl;
  /** Renders an agent's transcript again soon. */
  requestRender(agentId: string): void;
}

/** Which parts of the mission view need refreshing. */
export interface Dirty {
  header: boolean;
  plan: boolean;
  changes: boolean;
  /** Transcript sections were added or reordered, or headings changed. */
  sections: boolean;
  /** Agents with new stored events. */
  events: Set<string>;
  /** Agents whose live text changed. */
  live: Set<string>;
}

/** A Dirty that marks nothing. */
export function cleanDirty(): Dirty {
  return { header: false, plan: false, changes: false, sections: false, events: new Set(), live: new Set() };
}

/** A Dirty that marks everything of this mission. */
export function allDirty(s: MissionViewState): Dirty {
  const ids = new Set(s.transcripts.keys());
  return { header: true, plan: true, changes: true, sections: true, events: ids, live: new Set(ids) };
}

/** The mission view. */
export class MissionView {
  /** Root element. */
  readonly el: HTMLElement;
  /** The heading, focusable so keyboard users land on it when the view opens. */
  readonly heading: HTMLElement;
  private readonly stateBadge: HTMLElement;
  private readonly stateIcon: HTMLElement;
  private readonly stateText: HTMLElement;
  private readonly error: HTMLElement;
  private readonly cancel: HTMLElement;
  private readonly pause: HTMLElement;
  private readonly resume: HTMLElement;
  private readonly usage: HTMLElement;
  private readonly loading: HTMLElement;
  private readonly live = new LiveView();
  private readonly plan = new PlanView();
  private readonly changes: ChangesView;
  private readonly transcripts: TranscriptsView;

  private readonly control: RunTaskControl;
  /** Agents whose transcript events were not all rendered within the last deadline. */
  private readonly unrendered = new Set<string>();

  constructor(
    readonly missionId: string,
    actions: MissionViewActions,
  ) {
    const back = button({
      label: 'Back',
      ariaLabel: 'Back to missions',
      icon: 'arrow-left',
      testId: 'mission-back',
      secondary: true,
      onClick: () => actions.back(),
    });
    this.cancel = button({
      label: 'Cancel',
      ariaLabel: 'Cancel mission',
      icon: 'debug-stop',
      testId: 'mission-cancel',
      secondary: true,
      onClick: () => actions.cancel(missionId),
    });
    this.pause = button({
      label: 'Pause',
      ariaLabel: 'Pause mission',
      icon: 'debug-pause',
      testId: 'mission-pause',
      secondary: true,
      onClick: () => void this.pending(this.pause, actions.pause(missionId)),
    });
    this.resume = button({
      label: 'Resume',
      ariaLabel: 'Resume mission',
      icon: 'debug-continue',
      testId: 'mission-resume',
      secondary: true,
      onClick: () => void this.pending(this.resume, actions.resume(missionId)),
    });
    setHidden(this.pause, true);
    setHidden(this.resume, true);
    this.heading = h('h2', { class: 'mission-goal', tabindex: -1, id: 'mission-heading' });
    this.stateIcon = icon(missionStateIcon('draft'));
    this.stateText = h('span', { 'data-testid': 'mission-state' });
    this.stateBadge = h('span', { class: 'badge' }, this.stateIcon, this.stateText);
    this.error = h('p', { class: 'mission-error', role: 'alert', 'data-testid': 'mission-error', hidden: true });
    this.usage = h('div', { class: 'usage', 'data-testid': 'usage', 'aria-label': 'Usage' });
    this.loading = h('p', { class: 'muted', role: 'status' }, 'Loading…');
    this.changes = new ChangesView(actions);
    this.transcripts = new TranscriptsView({ sendMessage: actions.sendMessage, requestRender: (id) => actions.requestRender(id) });
    this.control = actions.control;
    this.el = h(
      'article',
      { class: 'mission-view', 'data-testid': 'mission-view', 'data-mission-id': missionId, 'aria-labelledby': 'mission-heading' },
      h('div', { class: 'toolbar' }, back, h('div', { class: 'actions' }, this.pause, this.resume, this.cancel)),
      this.heading,
      h('div', { class: 'mission-meta' }, this.stateBadge, this.usage),
      this.error,
      this.loading,
      this.live.el,
      this.plan.el,
      this.changes.el,
      this.transcripts.el,
    );
  }

  /** Says whether the mission's snapshot and events are still loading. */
  setLoading(loading: boolean): void {
    setHidden(this.loading, !loading);
  }

  /**
   * Refreshes the parts marked dirty. Transcript events are rendered until `deadline`
   * (a `performance.now()` time); the rest, and Live cards that follow their text,
   * continue on the next call. Returns true when another frame is needed.
   *
   * Live cards scroll at the start of the next call, while layout is still clean from
   * the last paint, so rendering never forces a layout between DOM writes.
   */
  update(s: MissionViewState, dirty: Dirty, deadline = Number.POSITIVE_INFINITY): boolean {
    this.live.settle();
    for (const id of this.unrendered) dirty.events.add(id);
    this.unrendered.clear();
    const left = this.unrendered;
    const paused = (taskId: string): boolean => s.pausedTasks.has(taskId);
    if (dirty.header) this.updateHeader(s);
    if (dirty.plan || dirty.sections) {
      const tasks = orderedTasks(s);
      const hint = (agentId: string): AgentHint | undefined => {
        const tr = s.transcripts.get(agentId);
        return tr ? { role: tr.role, model: tr.model } : undefined;
      };
      const maxAttempts = DEFAULT_MAX_TASK_ATTEMPTS;
      const missionState = s.mission?.state;
      // The Live cards first: a new card renders its transcript so far.
      const control = this.control;
      this.live.update({ missionState, workers: liveWorkers(tasks), transcripts: s.transcripts, agents: s.agents, hint, maxAttempts, control, paused });
      this.plan.update({ plan: s.plan, tasks, missionState, ctx: { tasks: s.tasks, agents: s.agents, hint, maxAttempts, control, paused } });
    }
    if (dirty.changes) this.changes.update(sortedChanges(s));
    if (dirty.sections) this.transcripts.updateSections(orderedTranscripts(s), s.tasks);
    for (const id of dirty.events) {
      const t = s.transcripts.get(id);
      if (!t) continue;
      if (!this.transcripts.updateEvents(t, deadline)) left.add(id);
      this.live.updateEvents(t);
    }
    for (const id of dirty.live) {
      if (dirty.events.has(id)) continue;
      const t = s.transcripts.get(id);
      if (!t) continue;
      this.transcripts.updateLive(t);
      this.live.updateLive(t);
    }
    return left.size > 0 || this.live.scrollPending();
  }

  /** Marks a button busy (clicks ignored, focus kept) while its request is in flight. */
  private async pending(b: HTMLElement, request: Promise<void>): Promise<void> {
    setBusy(b, true);
    try {
      await request;
    } finally {
      setBusy(b, false);
    }
  }

  private updateHeader(s: MissionViewState): void {
    const m = s.mission;
    setText(this.heading, m?.goal ?? 'Mission');
    const state = m?.state ?? 'draft';
    setAttr(this.el, 'data-state', m ? state : null);
    setText(this.stateText, m ? state : '');
    setAttr(this.stateBadge, 'data-state', state);
    setIcon(this.stateIcon, missionStateIcon(state));
    setHidden(this.error, !m?.error);
    setText(this.error, m?.error ?? '');
    // Hiding a focused button blurs it at once: Pause ↔ Resume keeps the focus.
    const focused = document.activeElement;
    setHidden(this.cancel, !m || !isMissionActive(m.state));
    setHidden(this.pause, m?.state !== 'running');
    setHidden(this.resume, m?.state !== 'paused');
    if (focused === this.pause && this.pause.hidden && !this.resume.hidden) this.resume.focus();
    if (focused === this.resume && this.resume.hidden && !this.pause.hidden) this.pause.focus();
    const u = m?.usage;
    setText(
      this.usage,
      u
        ? `${formatTokens(u.inputTokens)} input tokens · ${formatTokens(u.outputTokens)} output tokens · ${formatCost(u.costUsd)}`
        : '',
    );
    setAttr(
      this.usage,
      'title',
      u ? `${u.calls} model call${u.calls === 1 ? '' : 's'}${m?.replaying ? ' (replayed: no cost)' : ''}` : null,
    );
  }
}
