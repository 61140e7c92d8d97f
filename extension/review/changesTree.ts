/**
 * The "Agent Changes" tree (view `taskforce.changes`): mission → task → file. Missions
 * with pending changes come first, newest first, then the newest fully decided ones.
 * Files sit under the task that changed them (taskGroups.ts derives it from `mission/get`'s
 * tasks) and carry `+added −removed` and a state badge (pending, accepted, rejected,
 * partially accepted, conflicting) from their hunks' recorded states (`change/get`).
 * Pending files carry contextValue `change` and task groups with pending files `task`,
 * which the package.json menus match for Accept / Reject.
 */
import * as vscode from 'vscode';
import type { ChangeInfo, HunkState, MissionSummary, TaskInfo } from '../../protocol/protocol';
import type { ServerApi } from '../serverApi';
import {
  DECIDED_MISSIONS_SHOWN,
  changeContextValue,
  changeDescription,
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
import type { ProposedContentProvider } from './proposedContent';
import { changeBadge, groupByTask, taskDescription, type ChangeBadge, type TaskNode } from './taskGroups';

/** Notifications arrive in bursts while a mission runs; refreshes wait this long (ms). */
const REFRESH_DELAY_MS = 150;

/** Tree data for the Agent Changes view, refreshed from the server's notifications. */
export class AgentChangesProvider implements vscode.TreeDataProvider<ReviewNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ReviewNode | undefined>();
  private readonly refreshed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.emitter, this.refreshed];
  private groups: MissionNode[] = [];
  private tasks = new Map<string, TaskNode[]>();
  private hunkStates = new Map<number, HunkState[]>();
  /** Last summary seen per mission, to ignore notifications that change nothing here. */
  private readonly known = new Map<string, MissionSummary>();
  private view: vscode.TreeView<ReviewNode> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  /** Implements TreeDataProvider. */
  readonly onDidChangeTreeData: vscode.Event<ReviewNode | undefined> = this.emitter.event;
  /** Fires after every reload of the missions and changes (the inline review listens). */
  readonly onDidRefresh: vscode.Event<void> = this.refreshed.event;

  constructor(
    private readonly server: ServerApi,
    private readonly contents: Pick<ProposedContentProvider, 'getChange'>,
  ) {
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
    const first = firstPending(this.groups);
    return first && this.findChange(first.change.id);
  }

  /** The tree's node for a change, when shown. */
  findChange(changeId: number): ChangeNode | undefined {
    for (const group of this.groups) {
      for (const task of this.tasks.get(group.mission.id) ?? []) {
        const change = task.changes.find((c) => c.id === changeId);
        if (change) return { kind: 'change', mission: group.mission, change, taskId: task.taskId };
      }
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
      // Missions with pending changes, and the newest others (fully decided ones stay visible).
      const others = missions
        .filter((m) => m.pendingChanges === 0)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, DECIDED_MISSIONS_SHOWN);
      const wanted = [...missions.filter((m) => m.pendingChanges > 0), ...others];
      const details = await Promise.all(
        wanted.map((m) =>
          this.server.request('mission/get', { missionId: m.id }).then(
            (d) => ({ changes: d.changes, tasks: d.tasks }),
            () => ({ changes: [] as ChangeInfo[], tasks: [] as TaskInfo[] }),
          ),
        ),
      );
      const tasksByMission = new Map(wanted.map((m, i) => [m.id, details[i]?.tasks ?? []]));
      this.groups = groupChanges(wanted, details.flatMap((d) => d.changes));
      this.tasks = new Map(this.groups.map((g) => [g.mission.id, groupByTask(g.mission, g.changes, tasksByMission.get(g.mission.id) ?? [])]));
      this.hunkStates = await this.loadHunkStates(this.groups);
    } catch (err) {
      this.groups = [];
      this.tasks = new Map();
      // Also the normal state while the server starts; onDidStart refreshes again.
      error = `Waiting for the Taskforce server (${err instanceof Error ? err.message : String(err)})`;
    }
    this.emitter.fire(undefined);
    this.updateView(error);
    this.refreshed.fire();
  }

  /** Hunk states of the shown changes that can have badges beyond their state (not rejected ones). */
  private async loadHunkStates(groups: readonly MissionNode[]): Promise<Map<number, HunkState[]>> {
    const ids = groups.flatMap((g) => g.changes.filter((c) => c.state !== 'rejected').map((c) => c.id));
    const states = await Promise.all(
      ids.map((id) =>
        this.contents.getChange(id).then(
          (d) => d.hunks.map((h) => h.state),
          () => undefined,
        ),
      ),
    );
    const out = new Map<number, HunkState[]>();
    ids.forEach((id, i) => {
      const s = states[i];
      if (s) out.set(id, s);
    });
    return out;
  }

  /** The badge of a shown change. */
  badge(change: ChangeInfo): ChangeBadge {
    return changeBadge(change.state, this.hunkStates.get(change.id)?.map((state) => ({ state })));
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
    if (element.kind === 'mission') return this.tasks.get(element.mission.id) ?? [];
    if (element.kind === 'task') {
      return element.changes.map((change) => ({ kind: 'change', mission: element.mission, change, taskId: element.taskId }));
    }
    return [];
  }

  /** Implements TreeDataProvider (needed by TreeView.reveal). */
  getParent(element: ReviewNode): ReviewNode | undefined {
    if (element.kind === 'mission') return undefined;
    if (element.kind === 'task') return this.groups.find((g) => g.mission.id === element.mission.id);
    const tasks = this.tasks.get(element.mission.id) ?? [];
    return tasks.find((t) => t.taskId === element.taskId) ?? tasks.find((t) => t.changes.some((c) => c.id === element.change.id));
  }

  /** Implements TreeDataProvider. */
  getTreeItem(element: ReviewNode): vscode.TreeItem {
    if (element.kind === 'mission') return missionItem(element);
    if (element.kind === 'task') return taskItem(element);
    return changeItem(element, this.badge(element.change));
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

function taskItem(node: TaskNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `task:${node.mission.id}:${node.taskId ?? ''}`;
  item.description = taskDescription(node);
  item.tooltip = `${node.label}\n${changesNoun(node.changes.length)}: ${taskDescription(node)}`;
  item.contextValue = node.changes.some((c) => c.state === 'pending') ? 'task' : 'task.decided';
  item.iconPath = new vscode.ThemeIcon(node.taskId === null ? 'folder' : 'checklist');
  return item;
}

function changeItem(node: ChangeNode, badge: ChangeBadge): vscode.TreeItem {
  const { change, mission } = node;
  const item = new vscode.TreeItem(splitPath(change.path).name, vscode.TreeItemCollapsibleState.None);
  item.id = `change:${change.id}`;
  item.description = changeDescription(change, badge);
  item.resourceUri = vscode.Uri.joinPath(vscode.Uri.file(mission.workspaceRoot), ...change.path.split('/'));
  item.tooltip = `${change.path}\n${kindLabel[change.kind]} · +${change.added} −${change.removed} · ${badge}`;
  item.contextValue = changeContextValue(change.state);
  item.iconPath = badgeIcon[badge] ?? vscode.ThemeIcon.File;
  item.command = { command: 'taskforce.openChange', title: 'Open Diff', arguments: [change.id] };
  return item;
}

const badgeIcon: Partial<Record<ChangeBadge, vscode.ThemeIcon>> = {
  accepted: new vscode.ThemeIcon('check'),
  rejected: new vscode.ThemeIcon('discard'),
  'partially accepted': new vscode.ThemeIcon('pass'),
  conflicting: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
};

const kindLabel: Record<ChangeInfo['kind'], string> = {
  add: 'added',
  modify: 'modified',
  delete: 'deleted',
};
