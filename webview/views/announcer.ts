/**
 * One polite live region for the panel's state changes (a new inbox request, a
 * decision sent, a message delivered, a worker paused, a mission finished). Streaming
 * text never goes through it. Repeated messages are re-announced by clearing first.
 */
import { h } from '../dom';

/** The panel's live region. */
export class Announcer {
  /** Root element (visually hidden). */
  readonly el: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.el = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'announcer' });
  }

  /** Announces a message (replacing the previous one). */
  say(message: string): void {
    clearTimeout(this.timer);
    this.el.textContent = '';
    // A new text node after a tick is announced even when the text repeats.
    this.timer = setTimeout(() => {
      this.el.textContent = message;
    }, 50);
  }
}
