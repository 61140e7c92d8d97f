/**
 * Which open files have pending agent changes, and where each undecided hunk sits in the
 * user's current text. Changes come from the Agent Changes tree (its reload follows the
 * server's notifications), hunks and their recorded states from `change/get` (cached by
 * ProposedContentProvider), anchors from hunks.ts (jsdiff) on the document's current
 * text, recomputed per document version. Edits to a tracked document are reported
 * ~150 ms after the user stops typing, so the view re-renders once per pause.
 * Nothing here shows or focuses an editor.
 */
import * as vscode from 'vscode';
import type { ChangeDetail, HunkInfo } from '../../protocol/protocol';
import type { AgentChangesProvider } from './changesTree';
import { anchorHunks, type HunkAnchor } from './hunks';
import { isSafeRelativePath } from './model';
import type { ProposedContentProvider } from './proposedContent';

/** Re-anchoring waits this long after the last keystroke (ms). */
export const REANCHOR_DELAY_MS = 150;
/** Longest time changes wait for a re-anchoring while the user keeps typing (ms). */
export const REANCHOR_MAX_WAIT_MS = 1000;

/** One undecided hunk of a pending change, placed on the user's current text. */
export interface TrackedHunk {
  changeId: number;
  missionId: string;
  /** Workspace-relative path of the change. */
  path: string;
  /** The hunk with its recorded state (`pending` or `conflicting`). */
  hunk: HunkInfo;
  anchor: HunkAnchor;
  /** True for the first shown hunk of its change: the file's Accept/Reject lenses go above it. */
  first: boolean;
}

/** The undecided hunks of one document version, ordered by line. */
export interface FileReview {
  version: number;
  hunks: TrackedHunk[];
}

/** A pending change of a file, as the tree lists it. */
interface ChangeRef {
  changeId: number;
  missionId: string;
  path: string;
}

/** Tracks the hunks of open files with pending changes; see the module comment. */
export class HunkTracker implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** Pending changes by file URI (string form). */
  private files = new Map<string, ChangeRef[]>();
  private readonly details = new Map<number, ChangeDetail>();
  private readonly reviews = new Map<string, FileReview>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first change since the last re-anchoring came (ms epoch). */
  private firstPending: number | undefined;
  /** Counts reloads, so an older one finishing late is dropped. */
  private generation = 0;

  /** Fires when hunks may have moved, appeared or been decided. */
  readonly onDidChange: vscode.Event<void> = this.emitter.event;

  constructor(
    private readonly tree: Pick<AgentChangesProvider, 'missions' | 'onDidRefresh'>,
    private readonly contents: Pick<ProposedContentProvider, 'getChange'>,
  ) {
    this.disposables.push(
      tree.onDidRefresh(() => void this.reload()),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (this.files.has(doc.uri.toString())) void this.reload();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.files.has(e.document.uri.toString())) this.scheduleChange();
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.reviews.delete(doc.uri.toString())),
    );
    void this.reload();
  }

  /** Whether a file has pending changes (whether or not their details are loaded). */
  hasChanges(uri: vscode.Uri): boolean {
    return this.files.has(uri.toString());
  }

  /** The last loaded detail of a pending change shown in an open file. */
  detail(changeId: number): ChangeDetail | undefined {
    return this.details.get(changeId);
  }

  /** The undecided hunks of a document as it is now; undefined when it has no pending change. */
  review(doc: vscode.TextDocument): FileReview | undefined {
    const key = doc.uri.toString();
    const refs = this.files.get(key);
    if (!refs) return undefined;
    const cached = this.reviews.get(key);
    if (cached && cached.version === doc.version) return cached;
    const text = doc.getText();
    const hunks: TrackedHunk[] = [];
    for (const ref of refs) {
      const detail = this.details.get(ref.changeId);
      if (!detail || detail.state !== 'pending') continue;
      const open = detail.hunks.filter((h) => h.state === 'pending' || h.state === 'conflicting');
      const anchors = anchorHunks(text, open);
      let first = true;
      for (const anchor of anchors) {
        const hunk = open.find((h) => h.index === anchor.index);
        if (!hunk) continue;
        hunks.push({ changeId: ref.changeId, missionId: ref.missionId, path: ref.path, hunk, anchor, first });
        first = false;
      }
    }
    hunks.sort((a, b) => a.anchor.line - b.anchor.line || a.changeId - b.changeId || a.hunk.index - b.hunk.index);
    const review = { version: doc.version, hunks };
    this.reviews.set(key, review);
    return review;
  }

  /**
   * Re-reads the pending changes from the tree and the details of those in open files
   * (from ProposedContentProvider's cache, which decisions update at once).
   */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    const files = new Map<string, ChangeRef[]>();
    for (const group of this.tree.missions) {
      for (const change of group.changes) {
        if (change.state !== 'pending' || !isSafeRelativePath(change.path)) continue;
        const uri = vscode.Uri.joinPath(vscode.Uri.file(group.mission.workspaceRoot), ...change.path.split('/'));
        const key = uri.toString();
        const ref = { changeId: change.id, missionId: change.missionId, path: change.path };
        files.set(key, [...(files.get(key) ?? []), ref]);
      }
    }
    this.files = files;
    const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    const wanted = [...files].filter(([key]) => open.has(key)).flatMap(([, refs]) => refs);
    const loaded = await Promise.all(wanted.map((r) => this.contents.getChange(r.changeId).catch(() => undefined)));
    if (generation !== this.generation) return;
    this.details.clear();
    for (const detail of loaded) if (detail) this.details.set(detail.id, detail);
    this.reviews.clear();
    this.emitter.fire();
  }

  private scheduleChange(): void {
    if (this.timer) clearTimeout(this.timer);
    // Debounced, but never longer than REANCHOR_MAX_WAIT_MS: someone typing without a
    // pause still sees the hunks re-anchored.
    this.firstPending ??= Date.now();
    const wait = Math.max(0, Math.min(REANCHOR_DELAY_MS, this.firstPending + REANCHOR_MAX_WAIT_MS - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.firstPending = undefined;
      this.emitter.fire();
    }, wait);
  }

  /** Releases subscriptions and the timer. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
