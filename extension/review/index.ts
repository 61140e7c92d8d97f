/**
 * Diff review in the editor: the "Agent Changes" tree, the read-only proposed-content
 * documents and the accept/reject commands. extension.ts calls registerReview once.
 */
import * as vscode from 'vscode';
import type { ServerApi } from '../serverApi';
import { AgentChangesProvider } from './changesTree';
import { PROPOSED_SCHEME } from './model';
import { ProposedContentProvider } from './proposedContent';
import { ReviewController } from './reviewController';

export { ReviewController } from './reviewController';

/**
 * Creates the Agent Changes view, registers the `taskforce-proposed` content provider and
 * the review commands, and ties their lifetime to the extension's. The returned
 * controller's openChange / acceptChanges / rejectChanges serve the webview too.
 */
export function registerReview(context: vscode.ExtensionContext, server: ServerApi): ReviewController {
  const contents = new ProposedContentProvider(server);
  const tree = new AgentChangesProvider(server);
  const view = vscode.window.createTreeView('taskforce.changes', { treeDataProvider: tree, showCollapseAll: true });
  tree.attachView(view);
  context.subscriptions.push(
    contents,
    tree,
    view,
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, contents),
  );
  const controller = new ReviewController(context, server, { contents, tree, view });
  // The server may already be running; its first onDidStart would refresh too.
  void tree.refresh();
  return controller;
}
