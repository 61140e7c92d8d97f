/**
 * The "Agent Changes" tree (view `taskforce.changes`): missions with pending changes,
 * newest first, and under each its changed files. Pending files carry contextValue
 * `change`, which the package.json inline menus match for Accept / Reject.
 */
import * as vscode from 'vscode';
import type { ChangeInfo, MissionSummary } from '../../protocol/protocol';
import type { ServerApi } from '../serverApi';
import {
  changeContextValue,
  changeDescription,
  changeNodes,
  changesNoun,
  countPending,
  firstPending,
  groupChanges,
  missionChangeAffectsTree,
  missionLabel,
  splitPath,
  type ChangeNode,
  type MissionNode,
  type ReviewNode,
} from './model';

/** Notifications arrive in bursts while a mission runs; refreshes wait this long (ms). */
const REFRESH_DELAY_MS = 150;

/** Tree data for the Agent Changes view, refreshed from the server's notifications. */
export class AgentChangesProvider implements vscode.TreeDataProvider<ReviewNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ReviewNode | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private groups: MissionNode[] = [];
  /** Last summary seen per mission, to ignore notifications that change nothing here. */
  private readonly known = new Map<string, MissionSummary>();
  private view: vscode.TreeView<ReviewNode> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  /** Implements TreeDataProvider. */
  readonly onDidChangeTreeData: vscode.Event<ReviewNode | undefined> = this.emitter.event;

  constructor(private readonly server: ServerApi) {
    this.disposables.push(
      server.onNotification('change/didChange', () => this.scheduleRefresh()),
      server.onNotification('mission/didChange', ({ mission }) => {
        const shown = this.groups.some((g) => g.mission.id === mission.id);
        const affects = missionChangeAffectsTree(this.known.get(mission.id), mission, shown);
        this.known.set(mission.id, mission);
        if (affects) this.scheduleRefresh();
      }),
      server.onDidStart(() => this.scheduleRefresh(0)),
    );
  }

  /** Lets the provider keep the view's badge and message up to date. */
  attachView(view: vscode.TreeView<ReviewNode>): void {
    this.view = view;
    this.updateView(undefined);
  }

  /** Missions shown, in display order, each with its changes. */
  get missions(): readonly MissionNode[] {
    return this.groups;
  }

  /** Number of pending changes shown. */
  get pendingCount(): number {
    return countPending(this.groups);
  }

  /** The first pending change in display order. */
  firstPending(): ChangeNode | undefined {
    return firstPending(this.groups);
  }

  /** The tree's node for a change, when shown. */
  findChange(changeId: number): ChangeNode | undefined {
    for (const group of this.groups) {
      const change = group.changes.find((c) => c.id === changeId);
      if (change) return { kind: 'change', mission: group.mission, change };
    }
    return undefined;
  }

  /**
   * Reloads missions and changes from the server now. Concurrent calls share one run;
   * a call during a run causes one more run after it.
   */
  refresh(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private scheduleRefresh(delay = REFRESH_DELAY_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delay);
  }

  private async load(): Promise<void> {
    let error: string | undefined;
    try {
      const { missions } = await this.server.request('mission/list', {});
      this.known.clear();
      for (const m of missions) this.known.set(m.id, m);
      const withPending = missions.filter((m) => m.pendingChanges > 0);
      const lists = await Promise.all(
        withPending.map((m) =>
          this.server.request('change/list', { missionId: m.id }).then(
            (r) => r.changes,
            (): ChangeInfo[] => [],
          ),
        ),
      );
      this.groups = groupChanges(withPending, lists.flat());
    } catch (err) {
      this.groups = [];
      // Also the normal state while the server starts; onDidStart refreshes again.
      error = `Waiting for the Taskforce server (${err instanceof Error ? err.message : String(err)})`;
    }
    this.emitter.fire(undefined);
    this.updateView(error);
  }

  private updateView(error: string | undefined): void {
    if (!this.view) return;
    const pending = this.pendingCount;
    this.view.badge = pending > 0 ? { value: pending, tooltip: `${changesNoun(pending)} to review` } : undefined;
    this.view.message = error;
  }

  /** Implements TreeDataProvider. */
  getChildren(element?: ReviewNode): ReviewNode[] {
    if (!element) return this.groups;
    return element.kind === 'mission' ? changeNodes(element) : [];
  }

  /** Implements TreeDataProvider (needed by TreeView.reveal). */
  getParent(element: ReviewNode): ReviewNode | undefined {
    if (element.kind === 'mission') return undefined;
    return this.groups.find((g) => g.mission.id === element.mission.id);
  }

  /** Implements TreeDataProvider. */
  getTreeItem(element: ReviewNode): vscode.TreeItem {
    return element.kind === 'mission' ? missionItem(element) : changeItem(element);
  }

  /** Releases subscriptions and the pending refresh timer. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function missionItem(node: MissionNode): vscode.TreeItem {
  const { mission } = node;
  const pending = node.changes.filter((c) => c.state === 'pending').length;
  const item = new vscode.TreeItem(missionLabel(mission.goal), vscode.TreeItemCollapsibleState.Expanded);
  item.id = `mission:${mission.id}`;
  item.description = mission.state;
  item.tooltip = new vscode.MarkdownString().appendText(
    `${mission.goal}\n\n${mission.state} · ${changesNoun(pending)} pending\n${mission.workspaceRoot}`,
  );
  item.contextValue = 'mission';
  item.iconPath = new vscode.ThemeIcon('rocket');
  return item;
}

function changeItem(node: ChangeNode): vscode.TreeItem {
  const { change, mission } = node;
  const item = new vscode.TreeItem(splitPath(change.path).name, vscode.TreeItemCollapsibleState.None);
  item.id = `change:${change.id}`;
  item.description = changeDescription(change);
  item.resourceUri = vscode.Uri.joinPath(vscode.Uri.file(mission.workspaceRoot), ...change.path.split('/'));
  item.tooltip = `${change.path}\n${kindLabel[change.kind]} · +${change.added} −${change.removed} · ${change.state}`;
  item.contextValue = changeContextValue(change.state);
  item.iconPath =
    change.state === 'accepted'
      ? new vscode.ThemeIcon('check')
      : change.state === 'rejected'
        ? new vscode.ThemeIcon('discard')
        : vscode.ThemeIcon.File;
  item.command = { command: 'taskforce.openChange', title: 'Open Diff', arguments: [change.id] };
  return item;
}

const kindLabel: Record<ChangeInfo['kind'], string> = {
  add: 'added',
  modify: 'modified',
  delete: 'deleted',
};
