/**
 * The proposed changes of a mission, with Open diff / Accept / Reject per file and
 * Accept all / Reject all.
 */
import type { ChangeInfo } from '../../protocol/protocol';
import { button, h, icon, reconcileChildren, setAttr, setDisabled, setHidden, setIcon, setText } from '../dom';
import { changeStateIcon } from '../format';

/** What the user asked to do with changes. */
export interface ChangeActions {
  open(changeId: number): void;
  accept(changeIds: number[] | undefined): void;
  reject(changeIds: number[] | undefined): void;
}

interface ChangeRefs {
  li: HTMLLIElement;
  stateIcon: HTMLElement;
  path: HTMLElement;
  kind: HTMLElement;
  added: HTMLElement;
  removed: HTMLElement;
  state: HTMLElement;
  accept: HTMLElement;
  reject: HTMLElement;
  open: HTMLElement;
}

/** The changes section of the mission view. */
export class ChangesView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly ul: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly acceptAll: HTMLElement;
  private readonly rejectAll: HTMLElement;
  private readonly rows = new Map<number, ChangeRefs>();

  constructor(private readonly actions: ChangeActions) {
    this.acceptAll = button({
      label: 'Accept all',
      ariaLabel: 'Accept all pending changes',
      icon: 'check-all',
      testId: 'changes-accept-all',
      onClick: () => actions.accept(undefined),
    });
    this.rejectAll = button({
      label: 'Reject all',
      ariaLabel: 'Reject all pending changes',
      icon: 'close-all',
      testId: 'changes-reject-all',
      secondary: true,
      onClick: () => actions.reject(undefined),
    });
    this.empty = h('p', { class: 'muted' }, 'No changes proposed yet.');
    this.ul = h('ul', { class: 'changes', 'aria-labelledby': 'changes-heading' });
    this.el = h(
      'section',
      { class: 'changes-section', 'aria-labelledby': 'changes-heading' },
      h('div', { class: 'section-head' }, h('h3', { id: 'changes-heading' }, 'Changes'), h('div', { class: 'actions' }, this.acceptAll, this.rejectAll)),
      this.empty,
      this.ul,
    );
  }

  /** Shows these changes (already sorted). */
  update(changes: ChangeInfo[]): void {
    setHidden(this.empty, changes.length > 0);
    const anyPending = changes.some((c) => c.state === 'pending');
    setDisabled(this.acceptAll, !anyPending);
    setDisabled(this.rejectAll, !anyPending);
    const lis: HTMLLIElement[] = [];
    for (const c of changes) {
      let refs = this.rows.get(c.id);
      if (!refs) {
        refs = this.create(c);
        this.rows.set(c.id, refs);
      }
      this.fill(refs, c);
      lis.push(refs.li);
    }
    reconcileChildren(this.ul, lis);
  }

  private create(c: ChangeInfo): ChangeRefs {
    const stateIcon = icon(changeStateIcon(c.state));
    const path = h('span', { class: 'path' });
    const kind = h('span', { class: 'kind muted' });
    const added = h('span', { class: 'added' });
    const removed = h('span', { class: 'removed' });
    const state = h('span', { class: 'change-state' });
    const open = button({
      label: 'Open diff',
      ariaLabel: `Open diff of ${c.path}`,
      icon: 'diff',
      testId: 'change-open',
      secondary: true,
      iconOnly: true,
      onClick: () => this.actions.open(c.id),
    });
    const accept = button({
      label: 'Accept',
      ariaLabel: `Accept change to ${c.path}`,
      icon: 'check',
      testId: 'change-accept',
      iconOnly: true,
      onClick: () => this.actions.accept([c.id]),
    });
    const reject = button({
      label: 'Reject',
      ariaLabel: `Reject change to ${c.path}`,
      icon: 'discard',
      testId: 'change-reject',
      secondary: true,
      iconOnly: true,
      onClick: () => this.actions.reject([c.id]),
    });
    const li = h(
      'li',
      { class: 'change', 'data-testid': 'change-item', 'data-change-id': c.id },
      h('div', { class: 'change-main' }, stateIcon, path, kind),
      h('div', { class: 'change-meta' }, added, removed, state, h('span', { class: 'actions' }, open, accept, reject)),
    );
    return { li, stateIcon, path, kind, added, removed, state, accept, reject, open };
  }

  private fill(r: ChangeRefs, c: ChangeInfo): void {
    setAttr(r.li, 'data-state', c.state);
    setIcon(r.stateIcon, changeStateIcon(c.state));
    setText(r.path, c.path);
    setAttr(r.path, 'title', c.path);
    setText(r.kind, c.kind === 'add' ? 'new' : c.kind === 'delete' ? 'deleted' : '');
    setText(r.added, `+${c.added}`);
    setText(r.removed, `−${c.removed}`);
    setAttr(r.added, 'title', `${c.added} lines added`);
    setAttr(r.removed, 'title', `${c.removed} lines removed`);
    setText(r.state, c.state);
    const pending = c.state === 'pending';
    setDisabled(r.accept, !pending);
    setDisabled(r.reject, !pending);
  }
}
