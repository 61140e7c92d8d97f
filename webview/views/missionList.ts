/**
 * The mission list, newest first. Items are keyed by mission id and updated in place,
 * so a stream of `mission/didChange` notifications does not rebuild the list.
 */
import type { MissionSummary } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setAttr, setHidden, setIcon, setText } from '../dom';
import { formatAge, formatUsage, missionStateIcon, stateLabel } from '../format';

interface ItemRefs {
  li: HTMLLIElement;
  goal: HTMLElement;
  stateIcon: HTMLElement;
  stateText: HTMLElement;
  age: HTMLElement;
  usage: HTMLElement;
  pending: HTMLElement;
  mission: MissionSummary;
}

/** The list of missions. */
export class MissionList {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly ul: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly items = new Map<string, ItemRefs>();

  /** @param onOpen opens a mission (from a click, Enter or Space). */
  constructor(private readonly onOpen: (missionId: string) => void) {
    this.ul = h('ul', { class: 'mission-list', 'aria-labelledby': 'missions-heading' });
    this.empty = h('p', { class: 'muted' }, 'No missions yet.');
    this.el = h(
      'section',
      { class: 'missions', 'aria-labelledby': 'missions-heading' },
      h('h2', { id: 'missions-heading' }, 'Missions'),
      this.empty,
      this.ul,
    );
  }

  /** Shows these missions (already sorted newest first). */
  update(missions: MissionSummary[], now: number): void {
    setHidden(this.empty, missions.length > 0);
    const seen = new Set<string>();
    const lis: HTMLLIElement[] = [];
    for (const m of missions) {
      seen.add(m.id);
      let refs = this.items.get(m.id);
      if (!refs) {
        refs = this.create(m);
        this.items.set(m.id, refs);
      }
      this.fill(refs, m, now);
      lis.push(refs.li);
    }
    for (const id of [...this.items.keys()]) {
      if (!seen.has(id)) this.items.delete(id);
    }
    reconcileChildren(this.ul, lis);
  }

  /** Refreshes the "3m ago" ages. */
  tick(now: number): void {
    for (const refs of this.items.values()) this.fillAge(refs, now);
  }

  /** Focuses a mission's item (when coming back from its view). */
  focus(missionId: string): void {
    this.items.get(missionId)?.li.focus();
  }

  private create(m: MissionSummary): ItemRefs {
    const goal = h('div', { class: 'goal' });
    const stateIcon = icon(missionStateIcon(m.state));
    const stateText = h('span');
    const age = h('span', { class: 'age' });
    const usage = h('span', { class: 'usage-small' });
    const pending = h('span', { class: 'pending' });
    const li = h(
      'li',
      { class: 'mission-item', 'data-testid': 'mission-item', tabindex: 0, 'data-mission-id': m.id },
      goal,
      h('div', { class: 'meta' }, h('span', { class: 'badge' }, stateIcon, stateText), age, pending, usage),
    );
    li.addEventListener('click', () => this.onOpen(m.id));
    li.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.target !== li) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.onOpen(m.id);
      }
    });
    return { li, goal, stateIcon, stateText, age, usage, pending, mission: m };
  }

  private fill(refs: ItemRefs, m: MissionSummary, now: number): void {
    refs.mission = m;
    setAttr(refs.li, 'data-state', m.state);
    setText(refs.goal, m.goal);
    setIcon(refs.stateIcon, missionStateIcon(m.state));
    setText(refs.stateText, stateLabel(m.state));
    refs.stateText.parentElement?.setAttribute('data-state', m.state);
    setText(refs.usage, formatUsage(m.usage));
    setHidden(refs.pending, m.pendingChanges === 0);
    setText(refs.pending, `${m.pendingChanges} change${m.pendingChanges === 1 ? '' : 's'} to review`);
    this.fillAge(refs, now);
  }

  private fillAge(refs: ItemRefs, now: number): void {
    const m = refs.mission;
    const age = formatAge(m.createdAt, now);
    setText(refs.age, age);
    setAttr(refs.age, 'title', new Date(m.createdAt).toLocaleString());
    setAttr(
      refs.li,
      'aria-label',
      `${m.goal}. ${stateLabel(m.state)}, started ${age}${m.pendingChanges ? `, ${m.pendingChanges} changes to review` : ''}. Press Enter to open.`,
    );
  }
}
