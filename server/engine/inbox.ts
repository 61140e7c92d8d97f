/**
 * The inbox: where agents wait for the user. An agent's question or approval request
 * becomes an InboxItem (stored, announced with inbox/didChange); the waiting agent — and
 * only it — resumes when the user responds with inbox/respond. Cancelling the mission or
 * the task cancels its open items. Policies may answer at once (recorded as `policy`).
 */
import type { InboxItem, InboxResponse } from '../../protocol/protocol';
import type { InboxStore, NewInboxItem } from '../store/inbox';

export class Inbox {
  private readonly waiting = new Map<number, (r: InboxResponse) => void>();

  constructor(
    private readonly store: InboxStore,
    private readonly announce: (item: InboxItem) => void,
  ) {}

  /**
   * Opens an item and resolves with the user's response. When `signal` aborts, the item
   * is cancelled (by `system`) and `onAbort` is returned.
   */
  async ask(n: NewInboxItem, signal: AbortSignal, onAbort: InboxResponse): Promise<InboxResponse> {
    if (signal.aborted) return onAbort;
    const item = this.store.create(n);
    this.announce(item);
    return new Promise<InboxResponse>((resolve) => {
      const abort = () => {
        this.waiting.delete(item.id);
        try {
          this.announce(this.store.respond(item.id, onAbort, 'system', 'cancelled'));
        } catch {
          /* answered meanwhile */
        }
        resolve(onAbort);
      };
      signal.addEventListener('abort', abort, { once: true });
      this.waiting.set(item.id, (r) => {
        signal.removeEventListener('abort', abort);
        resolve(r);
      });
    });
  }

  /** Cancels items left open by a server that stopped (their agents are gone). */
  cancelStale(): void {
    for (const item of this.store.list({ openOnly: true })) {
      if (!this.waiting.has(item.id)) this.store.respond(item.id, { reason: 'The server stopped while this was open.' }, 'system', 'cancelled');
    }
  }

  /** Records a decision a policy made on its own (no waiting). */
  record(n: NewInboxItem, response: InboxResponse): void {
    const item = this.store.create(n);
    this.announce(this.store.respond(item.id, response, 'policy'));
  }

  /**
   * The user's response to an open item: stored, announced, and handed to the waiting agent.
   * @throws Error when the item is unknown or not open.
   */
  respond(itemId: number, response: InboxResponse): InboxItem {
    const item = this.store.respond(itemId, response, 'user');
    this.announce(item);
    const resume = this.waiting.get(itemId);
    this.waiting.delete(itemId);
    resume?.(response);
    return item;
  }
}
