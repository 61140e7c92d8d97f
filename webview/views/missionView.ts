/**
 * The view of one mission: header (back, goal, state, error, Cancel, usage), then the
 * plan, the changes and the agents' transcripts.
 */
import { button, h, icon, setAttr, setHidden, setIcon, setText } from '../dom';
import { formatCost, formatTokens, isMissionActive, missionStateIcon } from '../format';
import { orderedTasks, orderedTranscripts, sortedChanges, type MissionViewState } from '../state';
import { ChangesView, type ChangeActions } from './changes';
import { PlanView } from './plan';
import { TranscriptsView } from './transcript';

/** What the user can do from the mission view. */
export interface MissionViewActions extends ChangeActions {
  back(): void;
  cancel(missionId: string): void;
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
  private readonly usage: HTMLElement;
  private readonly loading: HTMLElement;
  private readonly plan = new PlanView();
  private readonly changes: ChangesView;
  private readonly transcripts = new TranscriptsView();

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
    this.heading = h('h2', { class: 'mission-goal', tabindex: -1, id: 'mission-heading' });
    this.stateIcon = icon(missionStateIcon('draft'));
    this.stateText = h('span', { 'data-testid': 'mission-state' });
    this.stateBadge = h('span', { class: 'badge' }, this.stateIcon, this.stateText);
    this.error = h('p', { class: 'mission-error', role: 'alert', 'data-testid': 'mission-error', hidden: true });
    this.usage = h('div', { class: 'usage', 'data-testid': 'usage', 'aria-label': 'Usage' });
    this.loading = h('p', { class: 'muted', role: 'status' }, 'Loading…');
    this.changes = new ChangesView(actions);
    this.el = h(
      'article',
      { class: 'mission-view', 'data-testid': 'mission-view', 'data-mission-id': missionId, 'aria-labelledby': 'mission-heading' },
      h('div', { class: 'toolbar' }, back, this.cancel),
      this.heading,
      h('div', { class: 'mission-meta' }, this.stateBadge, this.usage),
      this.error,
      this.loading,
      this.plan.el,
      this.changes.el,
      this.transcripts.el,
    );
  }

  /** Says whether the mission's snapshot and events are still loading. */
  setLoading(loading: boolean): void {
    setHidden(this.loading, !loading);
  }

  /** Refreshes the parts marked dirty. */
  update(s: MissionViewState, dirty: Dirty): void {
    if (dirty.header) this.updateHeader(s);
    if (dirty.plan) {
      this.plan.update(s.plan, orderedTasks(s), s.mission?.state === 'planning');
    }
    if (dirty.changes) this.changes.update(sortedChanges(s));
    if (dirty.sections) this.transcripts.updateSections(orderedTranscripts(s), s.tasks);
    for (const id of dirty.events) {
      const t = s.transcripts.get(id);
      if (t) this.transcripts.updateEvents(t);
    }
    for (const id of dirty.live) {
      if (dirty.events.has(id)) continue;
      const t = s.transcripts.get(id);
      if (t) this.transcripts.updateLive(t);
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
    setHidden(this.cancel, !m || !isMissionActive(m.state));
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
