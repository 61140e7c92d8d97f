/**
 * Diff review commands. The server only proposes changes; accepting applies them to the
 * user's files here, as one WorkspaceEdit (so Ctrl+Z undoes it), and only then records
 * the decision with `change/accept`. Until then the user's files are never written.
 */
import * as vscode from 'vscode';
import type { ChangeDecideParams, ChangeDecideResult } from '../../protocol/protocol';
import type { ServerApi } from '../serverApi';
import { AgentChangesProvider } from './changesTree';
import {
  PROPOSED_SCHEME,
  changeIdsFromArgs,
  changesNoun,
  decisionSummary,
  diffTitle,
  isSafeRelativePath,
  missionIdFromArg,
  missionLabel,
  parseChangeQuery,
  partitionByState,
  planAccept,
  type AcceptCandidate,
  type AcceptStep,
  type ReviewNode,
} from './model';
import { ProposedContentProvider } from './proposedContent';

/** Parts the controller shares with the view; registerReview passes them in. */
export interface ReviewParts {
  contents: ProposedContentProvider;
  tree: AgentChangesProvider;
  view?: vscode.TreeView<ReviewNode>;
}

/** A file as the user has it now: its text (null when missing) and its open document. */
interface CurrentFile {
  text: string | null;
  doc?: vscode.TextDocument;
}

/** Registers the review commands and applies or records decisions on changes. */
export class ReviewController implements vscode.Disposable {
  private readonly contents: ProposedContentProvider;
  private readonly tree: AgentChangesProvider;
  private readonly view: vscode.TreeView<ReviewNode> | undefined;
  private readonly roots = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Decisions run one at a time, so a double click cannot apply a change twice. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param parts the content provider and tree to share; when omitted the controller
   *   creates (and registers) its own.
   */
  constructor(
    context: vscode.ExtensionContext,
    private readonly server: ServerApi,
    parts?: ReviewParts,
  ) {
    if (parts) {
      this.contents = parts.contents;
      this.tree = parts.tree;
      this.view = parts.view;
    } else {
      this.contents = new ProposedContentProvider(server);
      this.tree = new AgentChangesProvider(server);
      this.disposables.push(
        this.contents,
        this.tree,
        vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this.contents),
      );
    }
    const register = (id: string, run: (...args: unknown[]) => Promise<unknown>): void => {
      this.disposables.push(vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(() => run(...args))));
    };
    register('taskforce.openChange', (arg, selection) => this.openFirst(changeIdsFromArgs(arg, selection)));
    register('taskforce.acceptChange', (arg, selection) => this.decideIds('accept', changeIdsFromArgs(arg, selection)));
    register('taskforce.rejectChange', (arg, selection) => this.decideIds('reject', changeIdsFromArgs(arg, selection)));
    register('taskforce.reviewChanges', () => this.reviewChanges());
    register('taskforce.acceptAllChanges', (arg) => this.decideMission('accept', arg));
    register('taskforce.rejectAllChanges', (arg) => this.decideMission('reject', arg));
    context.subscriptions.push(this);
  }

  /**
   * Opens VS Code's diff editor: the user's current file on the left (empty for an added
   * file), the proposed content on the right (empty for a deleted file).
   */
  async openChange(changeId: number): Promise<void> {
    const change = await this.contents.getChange(changeId);
    const file = await this.fileUri(change.missionId, change.path);
    const exists = (await readCurrent(file)).text !== null;
    const left = exists ? file : ProposedContentProvider.uri(change, 'empty');
    const right = ProposedContentProvider.uri(change, change.proposedContent === null ? 'empty' : 'proposed');
    const options: vscode.TextDocumentShowOptions = { preview: true, preserveFocus: false };
    await vscode.commands.executeCommand('vscode.diff', left, right, diffTitle(change), options);
  }

  /**
   * Applies the pending changes among `params.changeIds` (all pending ones of the mission
   * when omitted) to the user's files in one WorkspaceEdit, saves them, then records
   * exactly the applied ones with `change/accept`. Files the user edited since the agents
   * read them are overwritten only after a modal confirmation.
   * @returns the changes the server recorded as accepted (none when nothing was applied).
   */
  acceptChanges(params: ChangeDecideParams): Promise<ChangeDecideResult> {
    return this.enqueue(() => this.accept(params));
  }

  /**
   * Records the pending changes among `params.changeIds` (all pending ones of the mission
   * when omitted) as rejected. The user's files are not touched.
   */
  rejectChanges(params: ChangeDecideParams): Promise<ChangeDecideResult> {
    return this.enqueue(() => this.reject(params));
  }

  /** Unregisters the commands (and the parts the controller created itself). */
  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ───────────────────────────── commands ─────────────────────────────

  private async guard(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      void vscode.window.showErrorMessage(`Taskforce: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async openFirst(ids: number[]): Promise<void> {
    const [id] = ids;
    if (id === undefined) throw new Error('No change to open.');
    await this.openChange(id);
  }

  private async decideIds(decision: 'accept' | 'reject', ids: number[]): Promise<void> {
    if (ids.length === 0) throw new Error(`No change to ${decision}.`);
    const byMission = new Map<string, number[]>();
    for (const id of ids) {
      const missionId = this.tree.findChange(id)?.mission.id ?? (await this.contents.getChange(id)).missionId;
      byMission.set(missionId, [...(byMission.get(missionId) ?? []), id]);
    }
    for (const [missionId, changeIds] of byMission) {
      if (decision === 'accept') await this.acceptChanges({ missionId, changeIds });
      else await this.rejectChanges({ missionId, changeIds });
    }
  }

  private async decideMission(decision: 'accept' | 'reject', arg: unknown): Promise<void> {
    const missionId = missionIdFromArg(arg) ?? (await this.pickMission(decision));
    if (missionId === undefined) return;
    if (decision === 'accept') await this.acceptChanges({ missionId });
    else await this.rejectChanges({ missionId });
  }

  /** The one mission with pending changes, or the user's pick among several. */
  private async pickMission(decision: 'accept' | 'reject'): Promise<string | undefined> {
    await this.tree.refresh();
    const missions = this.tree.missions;
    if (missions.length === 0) {
      void vscode.window.showInformationMessage('Taskforce: no pending changes.');
      return undefined;
    }
    if (missions.length === 1) return missions[0]?.mission.id;
    const items = missions.map(({ mission, changes }) => ({
      label: missionLabel(mission.goal),
      description: `${changesNoun(changes.filter((c) => c.state === 'pending').length)} pending · ${mission.state}`,
      missionId: mission.id,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: decision === 'accept' ? 'Accept All Changes' : 'Reject All Changes',
      placeHolder: `Mission whose pending changes to ${decision}`,
    });
    return picked?.missionId;
  }

  private async reviewChanges(): Promise<void> {
    await vscode.commands.executeCommand('taskforce.changes.focus');
    await this.tree.refresh();
    const first = this.tree.firstPending();
    if (!first) {
      void vscode.window.showInformationMessage('Taskforce: no agent changes to review.');
      return;
    }
    await this.view?.reveal(first, { select: true, focus: false, expand: true });
    await this.openChange(first.change.id);
  }

  // ───────────────────────────── decisions ─────────────────────────────

  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async accept({ missionId, changeIds }: ChangeDecideParams): Promise<ChangeDecideResult> {
    const detail = await this.server.request('mission/get', { missionId });
    this.roots.set(missionId, detail.mission.workspaceRoot);
    const { pending, decided, unknown } = partitionByState(detail.changes, changeIds);
    if (unknown.length > 0) throw new Error(`Mission ${missionId} has no change ${unknown.join(', ')}.`);
    if (pending.length === 0) {
      void vscode.window.showInformationMessage(
        decided.length > 0 ? `Taskforce: ${changesNoun(decided.length)} already decided.` : 'Taskforce: no pending changes.',
      );
      return { changes: [] };
    }

    const root = vscode.Uri.file(detail.mission.workspaceRoot);
    const docs = new Map<string, vscode.TextDocument>();
    const candidates: AcceptCandidate[] = await Promise.all(
      pending.map(async (id) => {
        const change = await this.contents.getChange(id, true);
        let current: string | null = null;
        if (isSafeRelativePath(change.path)) {
          const file = await readCurrent(joinPath(root, change.path));
          current = file.text;
          if (file.doc) docs.set(change.path, file.doc);
        }
        return { ...change, current };
      }),
    );
    const plan = planAccept(candidates);
    let steps = plan.ready;
    let skippedConflicts = 0;
    if (plan.conflicts.length > 0) {
      const choice = await confirmOverwrite(plan.conflicts, plan.ready.length > 0);
      if (choice === undefined) return { changes: [] };
      if (choice === 'overwrite') steps = [...plan.ready, ...plan.conflicts];
      else skippedConflicts = plan.conflicts.length;
    }
    const counts = {
      alreadyDecided: decided.length + plan.decided.length,
      skippedConflicts,
      unsafe: plan.unsafe.length,
    };
    if (steps.length === 0) {
      void vscode.window.showInformationMessage(`Taskforce: ${decisionSummary('Accepted', { done: 0, ...counts })}`);
      return { changes: [] };
    }

    const { edit, touched } = buildEdit(root, steps, docs);
    if (edit.size > 0 && !(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(
        `Taskforce: could not apply ${changesNoun(steps.length)} to your files; nothing was accepted.`,
      );
      return { changes: [] };
    }
    await saveAll(touched);

    const ids = steps.map((s) => s.id);
    let result: ChangeDecideResult;
    try {
      result = await this.server.request('change/accept', { missionId, changeIds: ids });
    } catch (err) {
      throw new Error(
        `applied ${changesNoun(ids.length)} to your files but could not record the decision ` +
          `(${err instanceof Error ? err.message : String(err)}). Accept again to record it.`,
      );
    }
    void vscode.window.showInformationMessage(`Taskforce: ${decisionSummary('Accepted', { done: ids.length, ...counts })}`);
    await this.afterDecision(new Set(ids), 'accepted', root, steps);
    return result;
  }

  private async reject({ missionId, changeIds }: ChangeDecideParams): Promise<ChangeDecideResult> {
    const detail = await this.server.request('mission/get', { missionId });
    const { pending, decided, unknown } = partitionByState(detail.changes, changeIds);
    if (unknown.length > 0) throw new Error(`Mission ${missionId} has no change ${unknown.join(', ')}.`);
    if (pending.length === 0) {
      void vscode.window.showInformationMessage(
        decided.length > 0 ? `Taskforce: ${changesNoun(decided.length)} already decided.` : 'Taskforce: no pending changes.',
      );
      return { changes: [] };
    }
    const result = await this.server.request('change/reject', { missionId, changeIds: pending });
    void vscode.window.showInformationMessage(
      `Taskforce: ${decisionSummary('Rejected', { done: pending.length, alreadyDecided: decided.length })}`,
    );
    await this.afterDecision(new Set(pending), 'rejected', vscode.Uri.file(detail.mission.workspaceRoot), []);
    return result;
  }

  /**
   * Updates the tree and the open diff editors of decided changes: a rejected change's
   * diff closes; an accepted change's diff gives way to the user's file, where Ctrl+Z
   * undoes the accept. Focus stays where it is.
   */
  private async afterDecision(
    ids: Set<number>,
    state: 'accepted' | 'rejected',
    root: vscode.Uri,
    steps: readonly AcceptStep[],
  ): Promise<void> {
    this.contents.invalidate([...ids]);
    const tabs: vscode.Tab[] = [];
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (!(tab.input instanceof vscode.TabInputTextDiff)) continue;
        const id = parseChangeQuery(tab.input.modified.scheme === PROPOSED_SCHEME ? tab.input.modified.query : '')?.changeId;
        if (id === undefined || !ids.has(id)) continue;
        tabs.push(tab);
        const step = steps.find((s) => s.id === id);
        if (state === 'accepted' && tab.isActive && step && step.proposedContent !== null) {
          const file = joinPath(root, step.path);
          await vscode.window
            .showTextDocument(file, { viewColumn: group.viewColumn, preview: true, preserveFocus: true })
            .then(undefined, () => undefined);
        }
      }
    }
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true).then(undefined, () => false);
    await this.tree.refresh();
  }

  private async fileUri(missionId: string, path: string): Promise<vscode.Uri> {
    if (!isSafeRelativePath(path)) throw new Error(`refusing a change to ${path}: it is outside the workspace.`);
    let root = this.roots.get(missionId);
    if (root === undefined) {
      root = (await this.server.request('mission/get', { missionId })).mission.workspaceRoot;
      this.roots.set(missionId, root);
    }
    return joinPath(vscode.Uri.file(root), path);
  }
}

// ───────────────────────────── helpers ─────────────────────────────

function joinPath(root: vscode.Uri, relative: string): vscode.Uri {
  return vscode.Uri.joinPath(root, ...relative.split('/'));
}

/** The user's file as it is now, unsaved edits included; text null when it does not exist. */
async function readCurrent(uri: vscode.Uri): Promise<CurrentFile> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open && !open.isClosed) return { text: open.getText(), doc: open };
  try {
    await vscode.workspace.fs.stat(uri);
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') return { text: null };
    throw err;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  return { text: doc.getText(), doc };
}

/** Asks before overwriting files the user changed since the agents read them. */
async function confirmOverwrite(
  conflicts: readonly AcceptStep[],
  othersReady: boolean,
): Promise<'overwrite' | 'skip' | undefined> {
  const overwrite = 'Overwrite My Edits';
  const skip = 'Skip These Files';
  const message =
    conflicts.length === 1
      ? `You changed ${conflicts[0]?.path} since the agents read it. Accepting replaces your edits.`
      : `You changed ${conflicts.length} files since the agents read them. Accepting replaces your edits.`;
  const detail = `${conflicts.map((c) => c.path).join('\n')}\n\nUndo restores your version afterwards.`;
  const items = othersReady ? [overwrite, skip] : [overwrite];
  const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, ...items);
  return choice === overwrite ? 'overwrite' : choice === skip ? 'skip' : undefined;
}

/** One WorkspaceEdit for all steps, and the documents whose text it changes (to save). */
function buildEdit(
  root: vscode.Uri,
  steps: readonly AcceptStep[],
  docs: ReadonlyMap<string, vscode.TextDocument>,
): { edit: vscode.WorkspaceEdit; touched: vscode.Uri[] } {
  const edit = new vscode.WorkspaceEdit();
  const touched: vscode.Uri[] = [];
  const encoder = new TextEncoder();
  for (const step of steps) {
    const uri = joinPath(root, step.path);
    const text = step.proposedContent ?? '';
    switch (step.op) {
      case 'none':
        break;
      case 'replace': {
        const doc = docs.get(step.path);
        if (!doc) throw new Error(`${step.path} is not open for editing.`);
        edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
        touched.push(uri);
        break;
      }
      case 'create':
        edit.createFile(uri, { overwrite: false, ignoreIfExists: false, contents: encoder.encode(text) });
        break;
      case 'delete':
        edit.deleteFile(uri, { ignoreIfNotExists: true });
        break;
    }
  }
  return { edit, touched };
}

/** Saves the edited documents so the files on disk hold the accepted content. */
async function saveAll(uris: readonly vscode.Uri[]): Promise<void> {
  const failed: string[] = [];
  for (const uri of uris) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty && !(await doc.save())) failed.push(vscode.workspace.asRelativePath(uri));
  }
  if (failed.length > 0) {
    void vscode.window.showWarningMessage(`Taskforce: accepted, but could not save ${failed.join(', ')}.`);
  }
}
