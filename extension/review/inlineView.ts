/**
 * Pending hunks shown in place in the user's editors: removed lines highlighted, the
 * proposal's added lines as ghost text after the line they follow (the whole hunk in the
 * hover), conflicting and already-applied hunks marked, and CodeLens `Accept | Reject |
 * Diff` above each hunk, with `Accept file | Reject file` beside the first hunk of each
 * change. On the proposed side of Taskforce's diff editor, decided hunks are labelled.
 * Also keeps the `taskforce.hasHunks` context key (keyboard commands and menus) in step
 * with the active editor.
 *
 * Rendering only calls setDecorations and answers CodeLens requests: it never reveals,
 * shows or focuses anything, and it never touches the cursor.
 */
import * as vscode from 'vscode';
import type { HunkInfo, HunkState } from '../../protocol/protocol';
import type { HunkTracker, TrackedHunk } from './hunkTracker';
import { PROPOSED_SCHEME, parseChangeQuery } from './model';
import { proposedSpan } from './navigation';
import type { ProposedContentProvider } from './proposedContent';

/** Context key: the active editor shows undecided Taskforce hunks. */
export const HAS_HUNKS_KEY = 'taskforce.hasHunks';

/** Arguments of the per-hunk commands (CodeLens passes them; keyboard use finds them at the cursor). */
export interface HunkArgs {
  changeId: number;
  index: number;
}

const GHOST_MAX = 120;

const color = (id: string): vscode.ThemeColor => new vscode.ThemeColor(id);

/** The hunk as a Markdown diff block, for hovers. */
export function hunkMarkdown(hunk: Pick<HunkInfo, 'lines'>, title: string): vscode.MarkdownString {
  const body = hunk.lines.filter((l) => !l.startsWith('\\')).map((l) => l.replace(/\r$/, '')).join('\n');
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return new vscode.MarkdownString().appendText(`${title}\n`).appendMarkdown(`\n${fence}diff\n${body}\n${fence}\n`);
}

/** Ghost text for added lines: the first non-blank one, shortened, and how many more there are. */
export function ghostText(added: readonly string[]): string {
  const first = added.map((l) => l.trim()).find((l) => l !== '') ?? '';
  const shown = first === '' ? '(blank line)' : first.length > GHOST_MAX ? `${first.slice(0, GHOST_MAX - 1)}…` : first;
  return added.length > 1 ? `+ ${shown}   (+${added.length - 1} more lines)` : `+ ${shown}`;
}

/** Whether an editor is one side of a diff editor (decorations there would repeat the diff). */
function isDiffSide(editor: vscode.TextEditor): boolean {
  // Editors of an editor group always have a column; the sides of a diff editor may not.
  if (editor.viewColumn === undefined) return true;
  const key = editor.document.uri.toString();
  const group = vscode.window.tabGroups.all.find((g) => g.viewColumn === editor.viewColumn);
  const input = group?.activeTab?.input;
  return input instanceof vscode.TabInputTextDiff && (input.original.toString() === key || input.modified.toString() === key);
}

/** Decorations and CodeLens for pending hunks; see the module comment. */
export class InlineReview implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: color('diffEditor.removedLineBackground'),
    borderColor: color('editorGutter.deletedBackground'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 3px',
    overviewRulerColor: color('editorOverviewRuler.deletedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly added = vscode.window.createTextEditorDecorationType({
    after: {
      color: color('editorGhostText.foreground'),
      backgroundColor: color('diffEditor.insertedLineBackground'),
      margin: '0 0 0 2em',
      fontStyle: 'italic',
    },
    borderColor: color('editorGutter.addedBackground'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 3px',
    isWholeLine: true,
    overviewRulerColor: color('editorOverviewRuler.addedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly note = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', fontStyle: 'italic' },
    isWholeLine: true,
  });
  private readonly conflict = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderColor: color('editorWarning.foreground'),
    borderStyle: 'dashed',
    borderWidth: '0 0 0 3px',
    after: { color: color('editorWarning.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    overviewRulerColor: color('editorOverviewRuler.warningForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly disposables: vscode.Disposable[] = [this.lensEmitter, this.removed, this.added, this.note, this.conflict];
  /** Editors that currently carry our decorations (to clear them once their hunks are gone). */
  private readonly decorated = new Set<vscode.TextEditor>();
  private renderQueued = false;

  /** Implements CodeLensProvider. */
  readonly onDidChangeCodeLenses: vscode.Event<void> = this.lensEmitter.event;

  constructor(
    private readonly tracker: HunkTracker,
    private readonly contents: Pick<ProposedContentProvider, 'getChange'>,
  ) {
    this.disposables.push(
      vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this),
      tracker.onDidChange(() => {
        this.lensEmitter.fire();
        this.scheduleRender();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.scheduleRender()),
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleRender()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.scheduleRender()),
    );
    this.scheduleRender();
  }

  /** Implements CodeLensProvider: lenses above each undecided hunk of the document. */
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const review = this.tracker.review(doc);
    if (!review) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const tracked of review.hunks) {
      const range = new vscode.Range(tracked.anchor.line, 0, tracked.anchor.line, 0);
      const args: HunkArgs = { changeId: tracked.changeId, index: tracked.hunk.index };
      const lens = (title: string, command: string, tooltip: string, a: unknown = args): void => {
        lenses.push(new vscode.CodeLens(range, { title, command, tooltip, arguments: [a] }));
      };
      const { status } = tracked.anchor;
      if (status === 'conflict') {
        lens('$(warning) Conflicts with your edits — Diff', 'taskforce.openHunkDiff', 'Your edits changed the lines this hunk touches; it will not be applied over them. Open the diff to compare.');
        lens('Reject', 'taskforce.rejectHunk', 'Reject this hunk');
      } else {
        const wasConflicting = tracked.hunk.state === 'conflicting' ? ' (it conflicted before; it applies cleanly now)' : '';
        lens(status === 'applied' ? '$(check) Already in your file — Accept' : 'Accept', 'taskforce.acceptHunk', `Apply this hunk to your file${wasConflicting}`);
        lens('Reject', 'taskforce.rejectHunk', 'Reject this hunk; your file keeps its text');
        lens('Diff', 'taskforce.openHunkDiff', 'Open the diff at this hunk');
      }
      if (tracked.first) {
        const count = review.hunks.filter((h) => h.changeId === tracked.changeId).length;
        const noun = count === 1 ? '1 hunk' : `${count} hunks`;
        lens('Accept file', 'taskforce.acceptChange', `Accept the ${noun} of ${tracked.path} (merged onto your current text)`, tracked.changeId);
        lens('Reject file', 'taskforce.rejectChange', `Reject the ${noun} of ${tracked.path}`, tracked.changeId);
      }
    }
    return lenses;
  }

  /** Re-renders the visible editors on the next tick (several triggers in a row render once). */
  scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    setTimeout(() => {
      this.renderQueued = false;
      void this.render();
    }, 0);
  }

  private async render(): Promise<void> {
    const editors = vscode.window.visibleTextEditors;
    for (const editor of [...this.decorated]) if (!editors.includes(editor)) this.decorated.delete(editor);
    for (const editor of editors) {
      const scheme = editor.document.uri.scheme;
      if (scheme === PROPOSED_SCHEME) await this.renderProposed(editor);
      else if (scheme === 'file') this.renderFile(editor);
    }
    await this.updateContextKey();
  }

  private clear(editor: vscode.TextEditor): void {
    if (!this.decorated.delete(editor)) return;
    for (const type of [this.removed, this.added, this.note, this.conflict]) editor.setDecorations(type, []);
  }

  private renderFile(editor: vscode.TextEditor): void {
    const review = isDiffSide(editor) ? undefined : this.tracker.review(editor.document);
    if (!review || review.hunks.length === 0) {
      this.clear(editor);
      return;
    }
    const lastLine = editor.document.lineCount - 1;
    const line = (n: number): vscode.Range => editor.document.lineAt(Math.min(Math.max(n, 0), lastLine)).range;
    const removed: vscode.DecorationOptions[] = [];
    const added: vscode.DecorationOptions[] = [];
    const note: vscode.DecorationOptions[] = [];
    const conflict: vscode.DecorationOptions[] = [];
    for (const tracked of review.hunks) {
      const { anchor } = tracked;
      const hover = hunkMarkdown(tracked.hunk, `Taskforce: proposed change to ${tracked.path} (hunk ${tracked.hunk.index + 1})`);
      if (anchor.status === 'conflict') {
        conflict.push({ range: line(anchor.line), hoverMessage: hover, renderOptions: { after: { contentText: '⚠ Taskforce hunk conflicts with your edits' } } });
        continue;
      }
      if (anchor.status === 'applied') {
        note.push({ range: line(anchor.line), hoverMessage: hover, renderOptions: { after: { contentText: '✓ Taskforce hunk already in your file', color: color('editorCodeLens.foreground') } } });
        continue;
      }
      for (const block of anchor.blocks) {
        for (let i = 0; i < block.removed; i++) removed.push({ range: line(block.line + i), hoverMessage: hover });
        if (block.added.length > 0) {
          const at = block.removed > 0 ? block.line + block.removed - 1 : block.line - 1;
          added.push({ range: line(at), hoverMessage: hover, renderOptions: { after: { contentText: ghostText(block.added) } } });
        }
      }
    }
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.added, added);
    editor.setDecorations(this.note, note);
    editor.setDecorations(this.conflict, conflict);
    this.decorated.add(editor);
  }

  /** Labels decided hunks on the proposed side of a Taskforce diff. */
  private async renderProposed(editor: vscode.TextEditor): Promise<void> {
    const parsed = parseChangeQuery(editor.document.uri.query);
    if (!parsed || parsed.side !== 'proposed') return;
    const detail = await this.contents.getChange(parsed.changeId).catch(() => undefined);
    if (!detail) return;
    const label: Partial<Record<HunkState, [string, string]>> = {
      accepted: ['✓ accepted', 'editorCodeLens.foreground'],
      rejected: ['✗ rejected', 'editorCodeLens.foreground'],
      conflicting: ['⚠ conflicts with your edits', 'editorWarning.foreground'],
    };
    const lastLine = editor.document.lineCount - 1;
    const note: vscode.DecorationOptions[] = [];
    for (const hunk of detail.hunks) {
      const shown = label[hunk.state];
      if (!shown) continue;
      const at = Math.min(proposedSpan(hunk).first, lastLine);
      if (at < 0) continue;
      note.push({ range: editor.document.lineAt(at).range, renderOptions: { after: { contentText: `Taskforce: ${shown[0]}`, color: color(shown[1]) } } });
    }
    editor.setDecorations(this.note, note);
    this.decorated.add(editor);
  }

  private async updateContextKey(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    let has = false;
    if (editor?.document.uri.scheme === 'file') {
      has = (this.tracker.review(editor.document)?.hunks.length ?? 0) > 0;
    } else if (editor?.document.uri.scheme === PROPOSED_SCHEME) {
      const parsed = parseChangeQuery(editor.document.uri.query);
      const detail = parsed && parsed.side === 'proposed' ? await this.contents.getChange(parsed.changeId).catch(() => undefined) : undefined;
      has = !!detail && detail.state === 'pending' && detail.hunks.some((h) => h.state === 'pending' || h.state === 'conflicting');
    }
    await vscode.commands.executeCommand('setContext', HAS_HUNKS_KEY, has);
  }

  /** The tracked hunks of a document (for the commands). */
  hunksOf(doc: vscode.TextDocument): TrackedHunk[] {
    return this.tracker.review(doc)?.hunks ?? [];
  }

  /** Removes the decorations and the CodeLens provider. */
  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
