/**
 * The message box under an agent's transcript: a text box (Enter sends, Shift+Enter
 * adds a line) and Send, with a line saying what the message will do and, once sent,
 * how it was delivered ("queued for its next turn", "reopened the task", "the planner
 * will replan"). The message itself shows up in the transcript as the user's bubble
 * when the server stores it.
 */
import type { AgentSendMessageResult } from '../../protocol/protocol';
import { chatHint, deliveryText, isSendKey } from '../controls';
import { button, h, setAttr, setBusy, setText } from '../dom';
import type { TranscriptState } from '../state';
import type { TaskInfo } from '../../protocol/protocol';

/** Sends a message to an agent; resolves with its delivery, rejects with the server's error. */
export type SendMessage = (agentId: string, text: string) => Promise<AgentSendMessageResult['delivery']>;

/** The chat box of one agent. */
export class ChatBox {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly send: HTMLElement;
  private readonly status: HTMLElement;
  private busy = false;
  private hint = '';

  constructor(
    private readonly agentId: string,
    labelledBy: string,
    private readonly sendMessage: SendMessage,
  ) {
    const statusId = `chat-status-${labelledBy}`;
    this.input = h('textarea', {
      class: 'text-input chat-input',
      'data-testid': 'chat-input',
      rows: 1,
      'aria-describedby': statusId,
    });
    this.input.addEventListener('keydown', (e) => {
      if (isSendKey(e)) {
        e.preventDefault();
        void this.submit();
      }
    });
    this.send = button({ label: 'Send', ariaLabel: 'Send message', icon: 'send', testId: 'chat-send', onClick: () => void this.submit() });
    this.status = h('p', { class: 'chat-status muted', id: statusId, 'data-testid': 'chat-status', 'aria-live': 'polite' });
    this.el = h(
      'div',
      { class: 'chat', role: 'group', 'aria-labelledby': labelledBy },
      h('div', { class: 'chat-row' }, this.input, this.send),
      this.status,
    );
  }

  /** Refreshes the labels from the agent and its task. */
  update(t: TranscriptState, task: TaskInfo | undefined): void {
    const who = t.role === 'planner' ? 'the planner' : `${t.role}${task ? ` on ${task.id}` : ''}`;
    setAttr(this.input, 'aria-label', `Message to ${who}`);
    setAttr(this.input, 'placeholder', `Message ${who}…`);
    setAttr(this.send, 'aria-label', `Send message to ${who}`);
    setAttr(this.send, 'title', `Send message to ${who}`);
    const hint = `${chatHint(t.role, task?.state)} Enter sends, Shift+Enter adds a line.`;
    if (hint !== this.hint) {
      // Replace the hint only while no delivery note is showing.
      if (this.status.textContent === this.hint) setText(this.status, hint);
      this.hint = hint;
    }
  }

  /** Sends the text, unless empty or a send is in flight. */
  async submit(): Promise<void> {
    const text = this.input.value.trim();
    if (this.busy) return;
    if (text === '') {
      setText(this.status, 'Write a message first.');
      this.input.focus();
      return;
    }
    this.busy = true;
    setBusy(this.send, true);
    setAttr(this.input, 'aria-busy', 'true');
    setText(this.status, 'Sending…');
    try {
      const delivery = await this.sendMessage(this.agentId, text);
      this.input.value = '';
      setText(this.status, deliveryText(delivery));
      this.el.dataset.delivery = delivery;
    } catch (err) {
      setText(this.status, `Not sent: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.busy = false;
      setBusy(this.send, false);
      setAttr(this.input, 'aria-busy', null);
    }
  }
}
