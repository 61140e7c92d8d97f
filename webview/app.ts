/**
 * The Missions panel controller: holds the state, talks to the extension and decides
 * what to re-render. Rendering is batched per animation frame, so a fast stream of
 * deltas costs one DOM update per frame.
 */
import type {
  AgentDidStreamParams,
  ChangeDecideParams,
  ChangeDecideResult,
  MissionSummary,
  PanelState,
} from '../protocol/protocol';
import { h } from './dom';
import type { PanelRpc, VsCodeApi } from './rpc';
import {
  applyChanges,
  applyDetail,
  applyMissionSummary,
  applyStoredEvent,
  applyStream,
  applyTask,
  createMissionList,
  createMissionView,
  fetchAllEvents,
  replaceMissions,
  sortedMissions,
  StreamGate,
  upsertMission,
  type MissionViewState,
  type TranscriptEffect,
} from './state';
import { StartBox, StatusBar } from './views/header';
import { MissionList } from './views/missionList';
import { allDirty, cleanDirty, MissionView, type Dirty } from './views/missionView';

/** Page size of `mission/events`. */
const EVENTS_PAGE = 500;

/** What the panel keeps across reloads of the webview (`vscode.setState`). */
interface SavedState {
  openMissionId: string | null;
}

/** The mission that is open, with its view and loading gate. */
interface Open {
  state: MissionViewState;
  view: MissionView;
  gate: StreamGate;
  /** Bumped on every (re)load, to drop answers of a stale load. */
  token: number;
}

/** The panel. */
export class App {
  private readonly status = new StatusBar();
  private readonly startBox: StartBox;
  private readonly list: MissionList;
  private readonly home: HTMLElement;
  private readonly missionHost: HTMLElement;
  private readonly missions = createMissionList();
  private panel: PanelState | null = null;
  private open: Open | null = null;
  private loadToken = 0;
  private dirty: Dirty = cleanDirty();
  private listDirty = false;
  private frame: number | null = null;
  private homeScroll = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly rpc: PanelRpc,
    private readonly api: VsCodeApi,
  ) {
    this.startBox = new StartBox((goal) => this.startMission(goal));
    this.list = new MissionList((id) => void this.openMission(id, true));
    this.home = h('div', { class: 'home' }, this.startBox.el, this.list.el);
    this.missionHost = h('div', { class: 'mission-host', hidden: true });
    root.append(this.status.el, this.home, this.missionHost);
    this.wireNotifications();
    setInterval(() => this.list.tick(Date.now()), 30_000);
  }

  /** Loads the panel state and the mission list, and reopens the mission open before a reload. */
  async boot(): Promise<void> {
    await this.guard(async () => {
      this.setPanelState(await this.rpc.request('panel/state', {}));
    });
    await this.refreshList();
    const saved = this.api.getState() as SavedState | undefined;
    // Reopen what was open before a reload, unless a mission was opened meanwhile
    // (e.g. by `panel/showMission`).
    if (saved?.openMissionId && this.open === null && this.loadToken === 0) {
      await this.openMission(saved.openMissionId, false);
    }
  }

  // ───────────────────────────── notifications ─────────────────────────────

  private wireNotifications(): void {
    this.rpc.onNotification('panel/didChangeState', (s) => {
      const wasReady = this.panel?.serverState === 'ready' || this.panel?.serverState === 'busy';
      this.setPanelState(s);
      const isReady = s.serverState === 'ready' || s.serverState === 'busy';
      if (isReady && !wasReady) {
        // The server (re)started: what we hold may be stale.
        void this.refreshList();
        if (this.open) void this.openMission(this.open.state.missionId, false);
      }
    });
    this.rpc.onNotification('panel/showMission', ({ missionId }) => {
      // Already open: it is loading or live, nothing to redo.
      if (this.open?.state.missionId === missionId) return;
      void this.openMission(missionId, false);
    });
    this.rpc.onNotification('mission/didChange', ({ mission }) => this.onMission(mission));
    this.rpc.onNotification('task/didChange', ({ task }) => {
      const o = this.live(task.missionId);
      if (!o) return;
      const isNew = !o.state.tasks.has(task.id);
      applyTask(o.state, task);
      this.markDirty({ plan: true, sections: true });
      // A new task, or a worker whose role and model the panel does not know yet.
      if (isNew || (task.agentId !== undefined && !o.state.agents.has(task.agentId))) this.scheduleDetailRefresh();
    });
    this.rpc.onNotification('change/didChange', ({ missionId, changes }) => {
      const o = this.live(missionId);
      if (!o) return;
      applyChanges(o.state, changes);
      this.markDirty({ changes: true });
    });
    this.rpc.onNotification('agent/didStream', (p) => this.onStream(p));
  }

  /** The open mission if it is this one and its snapshot has been applied. */
  private live(missionId: string): Open | null {
    const o = this.open;
    if (!o || o.state.missionId !== missionId || o.gate.current === 'snapshot') return null;
    return o;
  }

  private onMission(m: MissionSummary): void {
    if (upsertMission(this.missions, m)) {
      this.listDirty = true;
      this.schedule();
    }
    const o = this.open;
    if (o && o.state.missionId === m.id && applyMissionSummary(o.state, m)) {
      this.markDirty({ header: true, plan: true });
    }
  }

  private onStream(p: AgentDidStreamParams): void {
    const o = this.open;
    if (!o || o.state.missionId !== p.missionId) return;
    if (o.gate.offer(p) !== 'apply') return;
    this.noteEffect(applyStream(o.state, p));
  }

  private noteEffect(e: TranscriptEffect | null): void {
    if (!e || !this.open) return;
    if (e.created) {
      this.dirty.sections = true;
      if (!this.open.state.agents.has(e.agentId)) this.scheduleDetailRefresh();
    }
    if (e.inserted) this.dirty.events.add(e.agentId);
    if (e.liveChanged || e.created) this.dirty.live.add(e.agentId);
    this.schedule();
  }

  /** Re-reads the open mission's snapshot soon (to learn a new agent's model). */
  private scheduleDetailRefresh(): void {
    if (this.refreshTimer !== null) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      const o = this.open;
      if (!o) return;
      if (o.gate.current !== 'live') {
        // Still loading: the load's own snapshot may be older than what we learned.
        this.scheduleDetailRefresh();
        return;
      }
      const token = o.token;
      void this.guard(async () => {
        const d = await this.rpc.request('mission/get', { missionId: o.state.missionId });
        if (this.open !== o || o.token !== token) return;
        applyDetail(o.state, d);
        upsertMission(this.missions, d.mission);
        this.listDirty = true;
        this.markDirty({ header: true, plan: true, changes: true, sections: true });
      });
    }, 300);
  }

  // ───────────────────────────── actions ─────────────────────────────

  private async startMission(goal: string): Promise<void> {
    const { missionId } = await this.rpc.request('mission/start', { goal });
    this.status.showError(null);
    void this.refreshList();
    await this.openMission(missionId, true);
  }

  private async refreshList(): Promise<void> {
    await this.guard(async () => {
      const { missions } = await this.rpc.request('mission/list', {});
      replaceMissions(this.missions, missions);
      this.status.showError(null);
      this.listDirty = true;
      this.schedule();
    });
  }

  /**
   * Opens (or reloads) a mission: `mission/get`, then every stored event page by
   * page, then live notifications (held ones first). `focus` moves keyboard focus to
   * the view; only user actions inside the panel ask for it.
   */
  async openMission(missionId: string, focus: boolean): Promise<void> {
    const reuse = this.open?.state.missionId === missionId ? this.open : null;
    const token = ++this.loadToken;
    let o: Open;
    if (reuse) {
      o = reuse;
      o.token = token;
      o.gate.set('snapshot');
    } else {
      const state = createMissionView(missionId, this.missions.missions.get(missionId));
      const view = new MissionView(missionId, {
        back: () => this.back(),
        cancel: (id) => void this.guard(() => this.rpc.request('mission/cancel', { missionId: id })),
        pause: async (id) => {
          await this.guard(() => this.rpc.request('mission/pause', { missionId: id }));
        },
        resume: async (id) => {
          await this.guard(() => this.rpc.request('mission/resume', { missionId: id }));
        },
        open: (changeId) => void this.guard(() => this.rpc.request('change/open', { changeId })),
        accept: (ids) => void this.decide('change/accept', { missionId, changeIds: ids }),
        reject: (ids) => void this.decide('change/reject', { missionId, changeIds: ids }),
      });
      o = { state, view, gate: new StreamGate(), token };
      this.open = o;
      this.dirty = allDirty(state);
      this.show(o, focus);
    }
    this.api.setState({ openMissionId: missionId } satisfies SavedState);
    o.view.setLoading(true);
    this.schedule();
    const current = (): boolean => this.open === o && o.token === token;
    await this.guard(async () => {
      const detail = await this.rpc.request('mission/get', { missionId });
      if (!current()) return;
      applyDetail(o.state, detail);
      upsertMission(this.missions, detail.mission);
      this.listDirty = true;
      o.gate.set('events');
      this.dirty = allDirty(o.state);
      this.schedule();
      const events = await fetchAllEvents(async (afterSeq, limit) => {
        const r = await this.rpc.request('mission/events', { missionId, afterSeq, limit });
        return r.events;
      }, EVENTS_PAGE);
      if (!current()) return;
      for (const ev of events) this.noteEffect(applyStoredEvent(o.state, ev));
      for (const p of o.gate.set('live')) this.noteEffect(applyStream(o.state, p));
    });
    if (current()) {
      // On failure too: later notifications should still show.
      if (o.gate.current !== 'live') o.gate.set('live');
      o.view.setLoading(false);
    }
  }

  private back(): void {
    const o = this.open;
    this.open = null;
    this.loadToken++;
    this.dirty = cleanDirty();
    this.api.setState({ openMissionId: null } satisfies SavedState);
    this.missionHost.replaceChildren();
    this.missionHost.hidden = true;
    this.home.hidden = false;
    this.listDirty = true;
    this.flush();
    window.scrollTo(0, this.homeScroll);
    if (o) this.list.focus(o.state.missionId);
  }

  private show(o: Open, focus: boolean): void {
    if (!this.home.hidden) this.homeScroll = window.scrollY;
    this.home.hidden = true;
    this.missionHost.replaceChildren(o.view.el);
    this.missionHost.hidden = false;
    window.scrollTo(0, 0);
    o.view.update(o.state, this.dirty);
    this.dirty = cleanDirty();
    if (focus) o.view.heading.focus();
  }

  private async decide(
    method: 'change/accept' | 'change/reject',
    params: ChangeDecideParams,
  ): Promise<void> {
    await this.guard(async () => {
      const r: ChangeDecideResult = await this.rpc.request(method, params);
      const o = this.open;
      if (o && o.state.missionId === params.missionId) {
        applyChanges(o.state, r.changes);
        this.markDirty({ changes: true });
      }
    });
  }

  // ───────────────────────────── rendering ─────────────────────────────

  private setPanelState(s: PanelState): void {
    this.panel = s;
    this.status.update(s);
  }

  private markDirty(parts: Partial<Pick<Dirty, 'header' | 'plan' | 'changes' | 'sections'>>): void {
    if (parts.header) this.dirty.header = true;
    if (parts.plan) this.dirty.plan = true;
    if (parts.changes) this.dirty.changes = true;
    if (parts.sections) this.dirty.sections = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.flush();
    });
  }

  /** Applies pending DOM updates now. */
  private flush(): void {
    if (this.listDirty && !this.home.hidden) {
      this.listDirty = false;
      this.list.update(sortedMissions(this.missions), Date.now());
    }
    const o = this.open;
    if (o) {
      const d = this.dirty;
      this.dirty = cleanDirty();
      o.view.update(o.state, d);
    }
  }

  /** Runs an action, showing its error in the panel instead of throwing. */
  private async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const r = await fn();
      return r;
    } catch (err) {
      this.status.showError(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }
}
