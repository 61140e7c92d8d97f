/**
 * Read-only documents for the diff editor: `taskforce-proposed:/<path>?change=<id>` shows
 * the content an agent proposes, `&side=base` the content the agents started from and
 * `&side=empty` an empty document (the missing side of an added or deleted file). The
 * path only names the tab and picks the language; the query says what to show.
 */
import * as vscode from 'vscode';
import type { ChangeDetail } from '../../protocol/protocol';
import type { ServerApi } from '../serverApi';
import { PROPOSED_SCHEME, changeQuery, contentForSide, parseChangeQuery, type ContentSide } from './model';

/** Serves change contents fetched with `change/get`, cached per change until it changes. */
export class ProposedContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly cache = new Map<number, Promise<ChangeDetail>>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];

  /** Fires for every open content document whose change the server reported as changed. */
  readonly onDidChange: vscode.Event<vscode.Uri> = this.emitter.event;

  constructor(private readonly server: ServerApi) {
    this.disposables.push(
      server.onNotification('change/didChange', ({ changes }) => {
        this.invalidate(changes.map((c) => c.id));
      }),
      server.onDidStart(() => this.invalidate()),
      vscode.workspace.onDidCloseTextDocument((doc) => this.evictIfUnused(doc.uri)),
    );
  }

  /** The URI of a content document for one side of a change. */
  static uri(change: { id: number; path: string }, side: ContentSide = 'proposed'): vscode.Uri {
    return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${change.path}`, query: changeQuery(change.id, side) });
  }

  /**
   * A change with its contents, from the cache unless `fresh` is set.
   * @throws Error when the server cannot answer `change/get`.
   */
  getChange(changeId: number, fresh = false): Promise<ChangeDetail> {
    let pending = fresh ? undefined : this.cache.get(changeId);
    if (!pending) {
      pending = this.server.request('change/get', { changeId });
      this.cache.set(changeId, pending);
      // A failed fetch is not cached, so the next request retries.
      pending.catch(() => {
        if (this.cache.get(changeId) === pending) this.cache.delete(changeId);
      });
    }
    return pending;
  }

  /**
   * Caches a detail the server just returned (e.g. from `hunk/decide`), so readers see
   * the new hunk states before the `change/didChange` notification arrives.
   */
  remember(detail: ChangeDetail): void {
    this.cache.set(detail.id, Promise.resolve(detail));
  }

  /** Implements TextDocumentContentProvider: the text of one side of a change. */
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = parseChangeQuery(uri.query);
    if (!parsed) throw new Error(`Taskforce: not a change document: ${uri.toString()}`);
    if (parsed.side === 'empty') return '';
    const detail = await this.getChange(parsed.changeId);
    return contentForSide(detail, parsed.side);
  }

  /**
   * Drops cached changes (all when `ids` is omitted) and tells the editor to reload the
   * open documents that show them.
   */
  invalidate(ids?: readonly number[]): void {
    const wanted = ids ? new Set(ids) : undefined;
    if (wanted) for (const id of wanted) this.cache.delete(id);
    else this.cache.clear();
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== PROPOSED_SCHEME) continue;
      const parsed = parseChangeQuery(doc.uri.query);
      if (parsed && parsed.side !== 'empty' && (!wanted || wanted.has(parsed.changeId))) {
        this.emitter.fire(doc.uri);
      }
    }
  }

  private evictIfUnused(closed: vscode.Uri): void {
    if (closed.scheme !== PROPOSED_SCHEME) return;
    const parsed = parseChangeQuery(closed.query);
    if (!parsed) return;
    const stillOpen = vscode.workspace.textDocuments.some(
      (doc) =>
        doc.uri.scheme === PROPOSED_SCHEME &&
        doc.uri.toString() !== closed.toString() &&
        parseChangeQuery(doc.uri.query)?.changeId === parsed.changeId,
    );
    if (!stillOpen) this.cache.delete(parsed.changeId);
  }

  /** Releases the subscriptions and the cache. */
  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.cache.clear();
  }
}
