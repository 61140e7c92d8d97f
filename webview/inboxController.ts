/**
 * Keeps the Inbox current: loads the open items (`inbox/list {openOnly: true}`) at
 * start and after a server restart, applies `inbox/didChange`, sends answers with
 * `inbox/respond`, announces arrivals and decisions in the live region, and scrolls to
 * and focuses an item on `panel/showInboxItem`.
 */
import type { InboxItem, InboxResponse } from '../protocol/protocol';
import { announcement, applyInboxItem, createInbox, openCount, openItems, recentDecisions, replaceOpenItems } from './inbox';
import type { PanelRpc } from './rpc';
import { InboxView, type InboxModel } from './views/inbox';

/** What the inbox needs from the panel. */
export interface InboxHost {
  rpc: PanelRpc;
  /** Says something in the panel's live region. */
  announce(message: string): void;
  /** Shows an error in the panel (null clears it). */
  showError(message: string | null): void;
  /** The goal of a mission, when the panel knows it. */
  missionGoal(missionId: string): string | null;
  /** The title of a task, when the panel knows it (the open mission's tasks). */
  taskTitle(missionId: string, taskId: string): string | null;
  /** Opens a mission in the panel. */
  openMission(missionId: string): void;
  /** Remembers whether the inbox is expanded (across reloads of the webview). */
  saveExpanded(expanded: boolean): void;
}

/** The Inbox's controller. */
export class InboxController {
  /** The Inbox section. */
  readonly view: InboxView;
  private readonly state = createInbox();
  private loading: Promise<void> | null = null;

  constructor(
    private readonly host: InboxHost,
    expanded: boolean,
  ) {
    this.view = new InboxView(
      {
        respond: (item, response) => this.respond(item, response),
        openMission: (missionId) => host.openMission(missionId),
      },
      (e) => host.saveExpanded(e),
    );
    this.view.setExpanded(expanded);
    this.render();
  }

  /** (Re)loads the open items. Concurrent calls share one request. */
  load(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      try {
        const { items } = await this.host.rpc.request('inbox/list', { openOnly: true });
        replaceOpenItems(this.state, items);
        this.render();
      } catch (err) {
        this.host.showError(`Could not load the inbox: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Applies an `inbox/didChange`. */
  onDidChange(item: InboxItem): void {
    this.apply(item);
  }

  /** Scrolls to and focuses an item, loading the inbox first when the item is not known yet. */
  async show(itemId: number): Promise<void> {
    if (this.view.show(itemId)) return;
    await this.load();
    if (!this.view.show(itemId)) this.host.announce('That request is no longer waiting for you.');
  }

  /** Redraws (e.g. after mission goals became known, or to refresh ages). */
  render(): void {
    this.view.update(this.model());
  }

  private async respond(item: InboxItem, response: InboxResponse): Promise<void> {
    const { item: updated } = await this.host.rpc.request('inbox/respond', { itemId: item.id, response });
    this.apply(updated);
  }

  private apply(item: InboxItem): void {
    const effect = applyInboxItem(this.state, item);
    if (effect === 'none') return;
    this.render();
    const said = announcement(item, effect, openCount(this.state));
    if (said) this.host.announce(said);
  }

  private model(): InboxModel {
    return {
      open: openItems(this.state),
      recent: recentDecisions(this.state),
      now: Date.now(),
      context: (i) => ({
        missionGoal: this.host.missionGoal(i.missionId),
        taskTitle: i.taskId ? this.host.taskTitle(i.missionId, i.taskId) : null,
      }),
    };
  }
}
