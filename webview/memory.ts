/**
 * What the panel keeps across reloads of its webview (`vscode.getState/setState`): the
 * open mission, whether the Inbox is collapsed, and which tasks the panel paused (the
 * protocol has no paused task state, so after a reload the panel still offers Resume).
 */
import type { VsCodeApi } from './rpc';

/** The saved state. */
interface SavedState {
  openMissionId: string | null;
  inboxCollapsed?: boolean;
  /** Tasks paused from the panel, by mission. */
  pausedTasks?: Record<string, string[]>;
}

/** Reads and writes the panel's saved state. */
export class PanelMemory {
  private saved: SavedState;

  constructor(private readonly api: VsCodeApi) {
    const raw = api.getState();
    this.saved = { openMissionId: null, ...(typeof raw === 'object' && raw !== null ? (raw as SavedState) : {}) };
  }

  /** The mission open before the reload. */
  get openMissionId(): string | null {
    return this.saved.openMissionId;
  }

  /** Whether the Inbox was collapsed. */
  get inboxCollapsed(): boolean {
    return this.saved.inboxCollapsed === true;
  }

  /** Tasks of a mission the panel paused. */
  pausedTasks(missionId: string): string[] {
    return this.saved.pausedTasks?.[missionId] ?? [];
  }

  /** Remembers the open mission (null: the list). */
  setOpenMission(missionId: string | null): void {
    this.write({ openMissionId: missionId });
  }

  /** Remembers whether the Inbox is collapsed. */
  setInboxCollapsed(collapsed: boolean): void {
    this.write({ inboxCollapsed: collapsed });
  }

  /** Remembers the tasks of a mission the panel paused. */
  setPausedTasks(missionId: string, paused: ReadonlySet<string>): void {
    const all = { ...(this.saved.pausedTasks ?? {}) };
    if (paused.size === 0) delete all[missionId];
    else all[missionId] = [...paused];
    this.write({ pausedTasks: all });
  }

  private write(patch: Partial<SavedState>): void {
    this.saved = { ...this.saved, ...patch };
    this.api.setState(this.saved);
  }
}
