/**
 * Raises a VS Code notification for every inbox item that opens (an agent's question,
 * an approval request, a conflict for the user). Approvals can be answered right in the
 * notification; every notification has an action that opens the item in the panel.
 * Notifications never take focus from the editor.
 */
import * as vscode from 'vscode';
import type { InboxItem } from '../protocol/protocol';
import type { TaskforceServer } from './server';

/** Opens an inbox item in the Missions panel. */
export type ShowInboxItem = (item: InboxItem) => Promise<void>;

/** Subscribes to inbox/didChange and shows a notification per opened item. */
export function registerInboxNotifications(context: vscode.ExtensionContext, server: TaskforceServer, show: ShowInboxItem): void {
  const shown = new Set<number>();
  context.subscriptions.push(
    server.onNotification('inbox/didChange', ({ item }) => {
      if (item.state !== 'open' || shown.has(item.id)) return;
      shown.add(item.id);
      void notify(server, item, show);
    }),
  );
}

async function notify(server: TaskforceServer, item: InboxItem, show: ShowInboxItem): Promise<void> {
  const respond = async (response: { approved?: boolean; answer?: string | null }) => {
    try {
      await server.request('inbox/respond', { itemId: item.id, response });
    } catch (err) {
      // Answered meanwhile in the panel (or the mission ended): nothing to do.
      server.output.info(`inbox item ${item.id}: ${(err as Error).message}`);
    }
  };
  if (item.kind === 'question') {
    const choice = await vscode.window.showInformationMessage(`Taskforce: ${item.title}: ${item.detail}`, 'Answer…', 'Open');
    if (choice === 'Open') await show(item);
    if (choice === 'Answer…') {
      const answer = await vscode.window.showInputBox({ title: item.title, prompt: item.detail, ignoreFocusOut: true });
      if (answer !== undefined) await respond({ answer: answer.trim() || null });
    }
    return;
  }
  const choice = await vscode.window.showWarningMessage(`Taskforce: ${item.title}`, 'Allow', 'Deny', 'Open');
  if (choice === 'Allow') await respond({ approved: true });
  else if (choice === 'Deny') await respond({ approved: false });
  else if (choice === 'Open') await show(item);
}
