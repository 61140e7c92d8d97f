/**
 * The per-hunk commands: `taskforce.acceptHunk` / `taskforce.rejectHunk` (from CodeLens
 * with `{ changeId, index }`, or for the hunk at the cursor: in the user's file, or on the
 * proposed side of Taskforce's diff editor, whose line maps to the hunk through its
 * `newStart`/`newLines`), `taskforce.nextHunk` / `taskforce.previousHunk` (move the cursor;
 * the user asked), and `taskforce.openHunkDiff` (the diff editor at the hunk).
 */
import * as vscode from 'vscode';
import type { HunkInfo } from '../../protocol/protocol';
import type { HunkArgs, InlineReview } from './inlineView';
import { PROPOSED_SCHEME, parseChangeQuery } from './model';
import { hunkAtLine, hunkAtProposedLine, nextHunkLine, proposedSpan } from './navigation';
import type { ProposedContentProvider } from './proposedContent';

/** What the commands need from the review controller. */
export interface HunkActions {
  /** Applies (accept) or records (reject) decisions on hunks of one change. */
  decideHunks(decision: 'accept' | 'reject', changeId: number, indexes: number[]): Promise<void>;
  /** Opens the diff editor of a change, with the cursor on a line of the proposed side. */
  openChange(changeId: number, options?: { line?: number }): Promise<void>;
}

function isHunkArgs(value: unknown): value is HunkArgs {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.changeId === 'number' && typeof v.index === 'number';
}

function undecided(hunks: readonly HunkInfo[]): HunkInfo[] {
  return hunks.filter((h) => h.state === 'pending' || h.state === 'conflicting');
}

/** Registers the per-hunk commands; see the module comment. */
export function registerHunkCommands(
  actions: HunkActions,
  inline: InlineReview,
  contents: Pick<ProposedContentProvider, 'getChange'>,
  run: (task: () => Promise<unknown>) => Promise<void>,
): vscode.Disposable {
  /** The editor a command acts on: the active one, else the visible one showing `arg` (editor/title passes its URI). */
  const editorFor = (arg: unknown): vscode.TextEditor | undefined => {
    const active = vscode.window.activeTextEditor;
    if (active || !(arg instanceof vscode.Uri)) return active;
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === arg.toString());
  };

  /** The undecided hunks of a proposed-side document, when its change is pending. */
  const proposedHunks = async (doc: vscode.TextDocument): Promise<{ changeId: number; hunks: HunkInfo[] } | undefined> => {
    const parsed = parseChangeQuery(doc.uri.query);
    if (!parsed || parsed.side !== 'proposed') return undefined;
    const detail = await contents.getChange(parsed.changeId);
    return detail.state === 'pending' ? { changeId: detail.id, hunks: undecided(detail.hunks) } : undefined;
  };

  const hunkAtCursor = async (arg: unknown): Promise<HunkArgs | undefined> => {
    const editor = editorFor(arg);
    if (!editor) return undefined;
    const line = editor.selection.active.line;
    if (editor.document.uri.scheme === PROPOSED_SCHEME) {
      const found = await proposedHunks(editor.document);
      const hunk = found && hunkAtProposedLine(found.hunks, line);
      return found && hunk ? { changeId: found.changeId, index: hunk.index } : undefined;
    }
    const tracked = inline.hunksOf(editor.document);
    const anchor = hunkAtLine(tracked.map((t) => t.anchor), line);
    const hit = tracked.find((t) => t.anchor === anchor);
    return hit ? { changeId: hit.changeId, index: hit.hunk.index } : undefined;
  };

  const decide = (decision: 'accept' | 'reject') => async (arg: unknown) => {
    const target = isHunkArgs(arg) ? arg : await hunkAtCursor(arg);
    if (!target) {
      void vscode.window.showInformationMessage('Taskforce: no proposed hunk at the cursor.');
      return;
    }
    await actions.decideHunks(decision, target.changeId, [target.index]);
  };

  const move = (direction: 'next' | 'previous') => async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    let lines: number[] = [];
    if (editor.document.uri.scheme === PROPOSED_SCHEME) {
      lines = ((await proposedHunks(editor.document))?.hunks ?? []).map((h) => proposedSpan(h).first);
    } else {
      lines = inline.hunksOf(editor.document).map((t) => t.anchor.line);
    }
    const target = nextHunkLine(lines, editor.selection.active.line, direction);
    if (target === undefined) {
      void vscode.window.showInformationMessage('Taskforce: no proposed hunks in this editor.');
      return;
    }
    const at = new vscode.Position(Math.min(target, editor.document.lineCount - 1), 0);
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };

  const openHunkDiff = async (arg: unknown) => {
    const target = isHunkArgs(arg) ? arg : await hunkAtCursor(arg);
    if (!target) return;
    const detail = await contents.getChange(target.changeId);
    const hunk = detail.hunks.find((h) => h.index === target.index);
    await actions.openChange(target.changeId, { line: hunk ? proposedSpan(hunk).first : undefined });
  };

  const register = (id: string, handler: (arg: unknown) => Promise<void>): vscode.Disposable =>
    vscode.commands.registerCommand(id, (arg: unknown) => run(() => handler(arg)));
  return vscode.Disposable.from(
    register('taskforce.acceptHunk', decide('accept')),
    register('taskforce.rejectHunk', decide('reject')),
    register('taskforce.nextHunk', move('next')),
    register('taskforce.previousHunk', move('previous')),
    register('taskforce.openHunkDiff', openHunkDiff),
  );
}
