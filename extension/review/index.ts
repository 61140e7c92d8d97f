/**
 * Diff review in the editor: the "Agent Changes" tree (mission → task → file), the
 * read-only proposed-content documents, pending hunks shown in place in the user's
 * editors (decorations and CodeLens), and the accept/reject commands per file and per
 * hunk. extension.ts calls registerReview once.
 */
import * as vscode from 'vscode';
import type { ServerApi } from '../serverApi';
import { AgentChangesProvider } from './changesTree';
import { registerHunkCommands } from './hunkCommands';
import { HunkTracker } from './hunkTracker';
import { InlineReview } from './inlineView';
import { PROPOSED_SCHEME } from './model';
import { ProposedContentProvider } from './proposedContent';
import { ReviewController } from './reviewController';

export { ReviewController } from './reviewController';

/**
 * Creates the Agent Changes view, registers the `taskforce-proposed` content provider,
 * the inline hunk review and the review commands, and ties their lifetime to the
 * extension's. The returned controller's openChange / acceptChanges / rejectChanges
 * serve the webview too.
 */
export function registerReview(context: vscode.ExtensionContext, server: ServerApi): ReviewController {
  const contents = new ProposedContentProvider(server);
  const tree = new AgentChangesProvider(server, contents);
  const view = vscode.window.createTreeView('taskforce.changes', { treeDataProvider: tree, showCollapseAll: true });
  tree.attachView(view);
  const tracker = new HunkTracker(tree, contents);
  const inline = new InlineReview(tracker, contents);
  context.subscriptions.push(
    contents,
    tree,
    view,
    tracker,
    inline,
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, contents),
  );
  const controller = new ReviewController(context, server, { contents, tree, tracker, view });
  context.subscriptions.push(registerHunkCommands(controller, inline, contents, (task) => controller.guard(task)));
  // The server may already be running; its first onDidStart would refresh too.
  void tree.refresh();
  return controller;
}
