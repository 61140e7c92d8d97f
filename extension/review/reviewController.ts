/**
 * Diff review commands. The server only proposes changes; accepting applies them to the
 * user's files here, merged onto the user's current text (hunks.ts, jsdiff) as one
 * WorkspaceEdit, so Ctrl+Z undoes it and the user's own edits survive, and only then
 * records the decisions (decide.ts). Until then the user's files are never written.
 *
 * Focus: only commands the user runs open or reveal anything; decisions and refreshes
 * never move the cursor or focus away from the editor the user is typing in.
 */
import * as vscode from 'vscode';
import type { ChangeDecideParams, ChangeDecideResult, ChangeInfo } from '../../protocol/protocol';
import type { ServerApi } from '../serverApi';
import type { AgentChangesProvider } from './changesTree';
import { changeFileUri, readCurrent } from './applyEdits';
import { Decider, type DecisionOutcome, type HunkRequest } from './decide';
import type { HunkTracker } from './hunkTracker';
import {
  PROPOSED_SCHEME,
  changeIdsFromArgs,
  changesNoun,
  decisionSummary,
  diffTitle,
  missionIdFromArg,
  missionLabel,
  parseChangeQuery,
  partitionByState,
  type ReviewNode,
} from './model';
import { ProposedContentProvider } from './proposedContent';

/** Parts the controller shares with the views; registerReview passes them in. */
export interface ReviewParts {
  contents: ProposedContentProvider;
  tree: AgentChangesProvider;
  tracker: HunkTracker;
  view?: vscode.TreeView<ReviewNode>;
}

/** How the diff editor opens. */
export interface OpenChangeOptions {
  /** 0-based line of the proposed side to put the cursor on (a hunk). */
  line?: number;
  /** Keep focus where it is; true whenever the user did not ask for the diff. Default false. */
  preserveFocus?: boolean;
}

/** Registers the review commands and applies or records decisions on changes. */
export class ReviewController implements vscode.Disposable {
  private readonly contents: ProposedContentProvider;
  private readonly tree: AgentChangesProvider;
  private readonly tracker: HunkTracker;
  private readonly view: vscode.TreeView<ReviewNode> | undefined;
  private readonly decider: Decider;
  private readonly roots = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Decisions run one at a time, so a double click cannot apply a change twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    context: vscode.ExtensionContext,
    private readonly server: ServerApi,
    parts: ReviewParts,
  ) {
    this.contents = parts.contents;
    this.tree = parts.tree;
    this.tracker = parts.tracker;
    this.view = parts.view;
    this.decider = new Decider(server, this.contents, (missionId) => this.rootOf(missionId));
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
   * file), the proposed content on the right (empty for a deleted file). Called for user
   * actions (a click, a command); takes focus unless `options.preserveFocus`.
   */
  async openChange(changeId: number, options: OpenChangeOptions = {}): Promise<void> {
    const change = await this.contents.getChange(changeId);
    const file = changeFileUri(await this.rootOf(change.missionId), change.path);
    const exists = (await readCurrent(file)).text !== null;
    const left = exists ? file : ProposedContentProvider.uri(change, 'empty');
    const right = ProposedContentProvider.uri(change, change.proposedContent === null ? 'empty' : 'proposed');
    const show: vscode.TextDocumentShowOptions = { preview: true, preserveFocus: options.preserveFocus ?? false };
    if (options.line !== undefined) show.selection = new vscode.Range(options.line, 0, options.line, 0);
    await vscode.commands.executeCommand('vscode.diff', left, right, diffTitle(change), show);
  }

  /**
   * Accepts the pending changes among `params.changeIds` (all pending ones of the mission
   * when omitted): their undecided hunks are merged onto the user's current files in one
   * WorkspaceEdit and saved; hunks that conflict with the user's edits are flagged
   * `conflicting` and left out. Decisions are recorded per hunk.
   * @returns the changes decided now, as the server has them.
   */
  acceptChanges(params: ChangeDecideParams): Promise<ChangeDecideResult> {
    return this.enqueue(() => this.decideChanges('accept', params));
  }

  /**
   * Records the pending changes among `params.changeIds` (all pending ones of the mission
   * when omitted) as rejected, hunk by hunk. The user's files are not touched.
   */
  rejectChanges(params: ChangeDecideParams): Promise<ChangeDecideResult> {
    return this.enqueue(() => this.decideChanges('reject', params));
  }

  /**
   * Accepts (applies, then records) or rejects hunks of one change: the per-hunk
   * commands. Quiet on success (a status-bar note); a conflict or refusal shows a
   * notification, which never takes focus.
   */
  decideHunks(decision: 'accept' | 'reject', changeId: number, indexes: number[]): Promise<void> {
    return this.enqueue(async () => {
      const request: HunkRequest = { changeId, indexes };
      const out = decision === 'accept' ? await this.decider.accept([request]) : await this.decider.reject([request]);
      await this.afterDecision(out);
      if (out.conflicts.size > 0 || out.refused.size > 0 || out.alreadyDecided > 0) {
        const message = decisionSummary(decision === 'accept' ? 'Accepted' : 'Rejected', { done: 0, ...out }).replace(/^\w+ 0 changes\. /, '');
        const open = 'Open Diff';
        void vscode.window.showWarningMessage(`Taskforce: ${message}`, open).then((choice) => {
          if (choice === open) void this.guard(() => this.openChange(changeId));
        });
      } else {
        const noun = out.hunks === 1 ? 'hunk' : `${out.hunks} hunks`;
        vscode.window.setStatusBarMessage(`Taskforce: ${noun} ${decision === 'accept' ? 'accepted' : 'rejected'}`, 3000);
      }
    });
  }

  /** Runs a command body, reporting failures as an error notification. */
  async guard(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      void vscode.window.showErrorMessage(`Taskforce: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Unregisters the commands. */
  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ───────────────────────────── commands ─────────────────────────────

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
    const missions = this.tree.missions.filter((g) => g.changes.some((c) => c.state === 'pending'));
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

  private async decideChanges(decision: 'accept' | 'reject', { missionId, changeIds }: ChangeDecideParams): Promise<ChangeDecideResult> {
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
    const requests = pending.map((changeId) => ({ changeId }));
    const out = decision === 'accept' ? await this.decider.accept(requests) : await this.decider.reject(requests);
    await this.afterDecision(out);
    const summary = decisionSummary(decision === 'accept' ? 'Accepted' : 'Rejected', {
      ...out,
      done: out.files,
      alreadyDecided: decided.length + out.alreadyDecided,
    });
    if (out.conflicts.size > 0 || out.refused.size > 0) void vscode.window.showWarningMessage(`Taskforce: ${summary}`);
    else void vscode.window.showInformationMessage(`Taskforce: ${summary}`);
    return { changes: out.changes };
  }

  /**
   * Updates the inline hunks, the tree and the open diff editors of decided changes: a
   * rejected change's diff closes; an accepted change's diff gives way to the user's
   * file (where Ctrl+Z undoes the accept) without taking focus.
   */
  private async afterDecision(out: DecisionOutcome): Promise<void> {
    const decided = new Map<number, ChangeInfo>(out.changes.filter((c) => c.state !== 'pending').map((c) => [c.id, c]));
    const wholeFile = out.changes.filter((c) => c.state !== 'pending').map((c) => c.id);
    if (wholeFile.length > 0) this.contents.invalidate(wholeFile);
    await this.tracker.reload();
    const tabs: vscode.Tab[] = [];
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (!(tab.input instanceof vscode.TabInputTextDiff) || tab.input.modified.scheme !== PROPOSED_SCHEME) continue;
        const change = decided.get(parseChangeQuery(tab.input.modified.query)?.changeId ?? -1);
        if (!change) continue;
        tabs.push(tab);
        if (change.state === 'accepted' && tab.isActive && change.kind !== 'delete') {
          const file = changeFileUri(await this.rootOf(change.missionId), change.path);
          await vscode.window
            .showTextDocument(file, { viewColumn: group.viewColumn, preview: true, preserveFocus: true })
            .then(undefined, () => undefined);
        }
      }
    }
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true).then(undefined, () => false);
    void this.tree.refresh();
  }

  private async rootOf(missionId: string): Promise<string> {
    let root = this.roots.get(missionId);
    if (root === undefined) {
      root = (await this.server.request('mission/get', { missionId })).mission.workspaceRoot;
      this.roots.set(missionId, root);
    }
    return root;
  }
}
