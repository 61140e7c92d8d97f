/**
 * One open item of the Inbox: its kind, title, where it comes from (mission and task),
 * its detail (a command line, path or plan in monospace; a question as Markdown), and
 * the way to answer it: Allow / Deny with an optional reason for approvals and
 * conflicts, an answer box with Send / Skip for questions.
 */
import type { InboxItem, InboxResponse } from '../../protocol/protocol';
import { isSendKey } from '../controls';
import { button, h, icon, setAttr, setBusy, setHidden, setText } from '../dom';
import { formatAge } from '../format';
import { answerResponse, approvalResponse, detailStyle, inboxIcon, itemContext, kindLabel } from '../inbox';
import { fillMarkdown } from '../markdown';

/** What an item can ask of the panel. */
export interface InboxItemActions {
  /** Sends the response; rejects with the server's error. */
  respond(item: InboxItem, response: InboxResponse): Promise<void>;
  /** Opens the item's mission in the panel. */
  openMission(missionId: string): void;
}

/** What an item shows besides itself. */
export interface InboxItemContext {
  missionGoal: string | null;
  taskTitle: string | null;
  now: number;
}

/** A rendered open inbox item. */
export class InboxItemView {
  /** The <li>. */
  readonly el: HTMLLIElement;
  private readonly title: HTMLElement;
  private readonly context: HTMLElement;
  private readonly age: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly error: HTMLElement;
  private readonly buttons: HTMLElement[] = [];
  private readonly firstField: HTMLInputElement | HTMLTextAreaElement;
  private detailText: string | null = null;
  private item: InboxItem;
  private busy = false;

  constructor(
    item: InboxItem,
    private readonly actions: InboxItemActions,
  ) {
    this.item = item;
    const titleId = `inbox-item-${item.id}-title`;
    this.title = h('h3', { class: 'inbox-title', id: titleId });
    const openMission = h(
      'button',
      { type: 'button', class: 'link-button', 'data-testid': 'inbox-open-mission', title: 'Open this mission' },
      '',
    );
    openMission.addEventListener('click', () => this.actions.openMission(this.item.missionId));
    this.context = openMission;
    this.age = h('span', { class: 'muted' });
    const code = detailStyle(item) === 'code';
    this.detail = code
      ? h('pre', {
          class: 'inbox-detail code',
          'data-testid': 'inbox-detail',
          // A long detail (a plan) scrolls: keyboard users need to reach it.
          tabindex: item.detail.length > 300 || item.detail.split('\n').length > 8 ? 0 : undefined,
          'aria-label': `Details of: ${item.title}`,
        })
      : h('div', { class: 'inbox-detail prose', 'data-testid': 'inbox-detail' });
    this.error = h('p', { class: 'inbox-error', role: 'alert', hidden: true });
    const form = item.kind === 'question' ? this.questionForm() : this.approvalForm();
    this.firstField = form.field;
    this.el = h(
      'li',
      {
        class: 'inbox-item',
        'data-testid': 'inbox-item',
        'data-item-id': item.id,
        'data-kind': item.kind,
        'data-subject': item.subject,
        'data-mission-id': item.missionId,
        'aria-labelledby': titleId,
        tabindex: -1,
      },
      h('div', { class: 'inbox-head' }, icon(inboxIcon(item)), h('span', { class: 'inbox-kind' }, kindLabel(item)), this.age),
      this.title,
      h('div', { class: 'inbox-context muted' }, this.context),
      this.detail,
      form.el,
      this.error,
    );
  }

  /** Shows the item's current facts. */
  fill(item: InboxItem, ctx: InboxItemContext): void {
    this.item = item;
    setText(this.title, item.title);
    setText(this.context, itemContext(item, ctx.missionGoal, ctx.taskTitle));
    setText(this.age, `· ${formatAge(item.createdAt, ctx.now)}`);
    setAttr(this.age, 'title', new Date(item.createdAt).toLocaleString());
    if (item.detail !== this.detailText) {
      this.detailText = item.detail;
      setHidden(this.detail, item.detail.trim() === '');
      if (detailStyle(item) === 'code') setText(this.detail, item.detail);
      else fillMarkdown(this.detail, item.detail);
    }
  }

  /** Focuses the item itself (from `panel/showInboxItem`). */
  focus(): void {
    this.el.focus();
  }

  /** Focuses the item's first field (after a previous item was answered). */
  focusField(): void {
    this.firstField.focus();
  }

  private approvalForm(): { el: HTMLElement; field: HTMLInputElement } {
    const reason = h('input', {
      type: 'text',
      class: 'text-input inbox-reason',
      'data-testid': 'inbox-reason',
      'aria-label': 'Reason (optional, shown to the agent)',
      placeholder: 'Reason (optional)',
      maxlength: 2000,
    });
    const send = (approved: boolean): void => void this.send(approvalResponse(approved, reason.value));
    reason.addEventListener('keydown', (e) => {
      // Enter in the reason field does not decide: the user picks Allow or Deny.
      if (e.key === 'Enter') e.preventDefault();
    });
    const allow = button({
      label: 'Allow',
      ariaLabel: `Allow: ${this.item.title}`,
      icon: 'check',
      testId: 'inbox-allow',
      onClick: () => send(true),
    });
    const deny = button({
      label: 'Deny',
      ariaLabel: `Deny: ${this.item.title}`,
      icon: 'close',
      testId: 'inbox-deny',
      secondary: true,
      onClick: () => send(false),
    });
    this.buttons.push(allow, deny);
    return { el: h('div', { class: 'inbox-form' }, reason, h('div', { class: 'inbox-actions' }, allow, deny)), field: reason };
  }

  private questionForm(): { el: HTMLElement; field: HTMLTextAreaElement } {
    const answer = h('textarea', {
      class: 'text-input inbox-answer',
      'data-testid': 'inbox-answer',
      'aria-label': `Your answer to: ${this.item.title}`,
      placeholder: 'Your answer (Enter sends, Shift+Enter for a new line)',
      rows: 2,
    });
    const submit = (): void => {
      const r = answerResponse(answer.value);
      if (r === null) {
        this.showError('Write an answer first, or Skip.');
        answer.focus();
        return;
      }
      void this.send(r);
    };
    answer.addEventListener('keydown', (e) => {
      if (isSendKey(e)) {
        e.preventDefault();
        submit();
      }
    });
    const send = button({ label: 'Send', ariaLabel: `Send answer to: ${this.item.title}`, icon: 'send', testId: 'inbox-send', onClick: submit });
    const skip = button({
      label: 'Skip',
      ariaLabel: `Skip (do not answer): ${this.item.title}`,
      testId: 'inbox-skip',
      secondary: true,
      onClick: () => void this.send({ answer: null }),
    });
    this.buttons.push(send, skip);
    return { el: h('div', { class: 'inbox-form' }, answer, h('div', { class: 'inbox-actions' }, send, skip)), field: answer };
  }

  private async send(response: InboxResponse): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.showError(null);
    for (const b of this.buttons) setBusy(b, true);
    setAttr(this.el, 'aria-busy', 'true');
    try {
      await this.actions.respond(this.item, response);
    } catch (err) {
      this.showError(`Not sent: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.busy = false;
      for (const b of this.buttons) setBusy(b, false);
      setAttr(this.el, 'aria-busy', null);
    }
  }

  private showError(message: string | null): void {
    setHidden(this.error, message === null);
    setText(this.error, message ?? '');
  }
}
