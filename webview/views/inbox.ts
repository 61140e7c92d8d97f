/**
 * The Inbox: a section at the top of the panel listing, across missions, the questions,
 * approval requests and conflicts waiting for the user, with a badge count of open
 * items, and the recent decisions collapsed below. Open items are keyed by id and
 * updated in place, so an answer being typed survives other items arriving.
 */
import type { InboxItem } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setAttr, setHidden, setText } from '../dom';
import { decisionText, inboxIcon, kindLabel } from '../inbox';
import { InboxItemView, type InboxItemActions, type InboxItemContext } from './inboxItem';

/** What the Inbox shows. */
export interface InboxModel {
  open: InboxItem[];
  recent: InboxItem[];
  /** Mission goal and task title of an item, where known. */
  context(item: InboxItem): Omit<InboxItemContext, 'now'>;
  now: number;
}

/** The Inbox section. */
export class InboxView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly count: HTMLElement;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly ul: HTMLUListElement;
  private readonly recent: HTMLDetailsElement;
  private readonly recentSummary: HTMLElement;
  private readonly recentUl: HTMLUListElement;
  private readonly items = new Map<number, InboxItemView>();
  private recentKey = '';
  private expanded = true;

  /**
   * @param actions what items do (respond, open their mission)
   * @param onToggle told when the user expands or collapses the inbox
   */
  constructor(
    private readonly actions: InboxItemActions,
    private readonly onToggle: (expanded: boolean) => void,
  ) {
    this.count = h('span', { class: 'badge inbox-count', 'data-testid': 'inbox-count', 'data-count': 0 }, '0');
    this.toggle = h(
      'button',
      { type: 'button', class: 'section-toggle', 'aria-expanded': 'true', 'aria-controls': 'inbox-body', 'data-testid': 'inbox-toggle' },
      icon('chevron-down'),
      h('span', {}, 'Inbox'),
      this.count,
    );
    this.toggle.addEventListener('click', () => {
      this.setExpanded(!this.expanded);
      this.onToggle(this.expanded);
    });
    this.empty = h('p', { class: 'muted inbox-empty' }, 'Nothing is waiting for you.');
    this.ul = h('ul', { class: 'inbox-list', role: 'list', 'aria-label': 'Open requests' });
    this.recentSummary = h('summary', {}, 'Recent decisions');
    this.recentUl = h('ul', { class: 'inbox-recent-list', role: 'list', 'aria-label': 'Recent decisions' });
    this.recent = h('details', { class: 'inbox-recent', 'data-testid': 'inbox-recent', hidden: true }, this.recentSummary, this.recentUl);
    this.body = h('div', { class: 'inbox-body', id: 'inbox-body' }, this.empty, this.ul, this.recent);
    this.el = h(
      'section',
      { class: 'inbox', 'data-testid': 'inbox', 'aria-labelledby': 'inbox-heading' },
      h('h2', { id: 'inbox-heading', class: 'inbox-heading' }, this.toggle),
      this.body,
    );
    this.el.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !this.expanded || e.defaultPrevented) return;
      // An open <details> inside closes first (the panel's Escape handler does that).
      const t = e.target instanceof Element ? e.target : null;
      if (t?.closest('details[open]')) return;
      e.preventDefault();
      this.setExpanded(false);
      this.onToggle(false);
      this.toggle.focus();
    });
  }

  /** Expands or collapses the list. */
  setExpanded(expanded: boolean): void {
    this.expanded = expanded;
    setAttr(this.toggle, 'aria-expanded', String(expanded));
    setHidden(this.body, !expanded);
    this.el.classList.toggle('collapsed', !expanded);
  }

  /** Shows the open items and the recent decisions. */
  update(m: InboxModel): void {
    const n = m.open.length;
    setText(this.count, String(n));
    setAttr(this.count, 'data-count', String(n));
    setAttr(this.count, 'aria-label', `${n} open request${n === 1 ? '' : 's'}`);
    this.el.classList.toggle('has-open', n > 0);
    setHidden(this.empty, n > 0);
    const keep = new Set(m.open.map((i) => i.id));
    // Keep keyboard users in the inbox when the item they were on leaves it.
    const active = document.activeElement;
    let refocus = false;
    for (const [id, view] of this.items) {
      if (keep.has(id)) continue;
      if (active && view.el.contains(active)) refocus = true;
      this.items.delete(id);
    }
    const lis: HTMLLIElement[] = [];
    for (const item of m.open) {
      let view = this.items.get(item.id);
      if (!view) {
        view = new InboxItemView(item, this.actions);
        this.items.set(item.id, view);
      }
      view.fill(item, { ...m.context(item), now: m.now });
      lis.push(view.el);
    }
    reconcileChildren(this.ul, lis);
    if (refocus) {
      const next = this.items.get(m.open[0]?.id ?? -1);
      if (next) next.focusField();
      else this.toggle.focus();
    }
    this.updateRecent(m.recent, m.now);
  }

  /** Refreshes ages ("3m ago"). */
  tick(m: InboxModel): void {
    this.update(m);
  }

  /**
   * Scrolls to and focuses an item (expanding the inbox). Returns false when the item
   * is neither open nor among the recent decisions.
   */
  show(itemId: number): boolean {
    const open = this.items.get(itemId);
    const target = open?.el ?? this.recentUl.querySelector<HTMLElement>(`[data-item-id="${itemId}"]`);
    if (!target) return false;
    this.setExpanded(true);
    if (!open) this.recent.open = true;
    target.scrollIntoView({ block: 'nearest' });
    target.focus();
    target.classList.remove('flash');
    void target.offsetWidth;
    target.classList.add('flash');
    return true;
  }

  private updateRecent(recent: InboxItem[], now: number): void {
    setHidden(this.recent, recent.length === 0);
    setText(this.recentSummary, `Recent decisions (${recent.length})`);
    const key = JSON.stringify(recent.map((i) => [i.id, i.state, i.respondedAt, Math.floor((now - (i.respondedAt ?? 0)) / 30_000)]));
    if (key === this.recentKey) return;
    this.recentKey = key;
    const lis = recent.map((i) =>
      h(
        'li',
        { class: 'inbox-decision', 'data-testid': 'inbox-decision', 'data-item-id': i.id, 'data-kind': i.kind, 'data-state': i.state, tabindex: -1 },
        icon(inboxIcon(i)),
        h(
          'div',
          { class: 'inbox-decision-text' },
          h('div', { class: 'inbox-decision-title' }, `${kindLabel(i)}: ${i.title}`),
          h('div', { class: 'muted' }, decisionText(i, now)),
        ),
      ),
    );
    this.recentUl.replaceChildren(...lis);
  }
}
