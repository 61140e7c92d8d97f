/**
 * The Missions panel controller: holds the state, talks to the extension and decides
 * what to re-render. Rendering is batched per animation frame, so a fast stream of
 * deltas costs one DOM update per frame.
 */
import type {
  AgentDidStreamParams,
  MissionSummary,
  PanelState,
} from '../protocol/protocol';
import { h } from './dom';
import { isMissionActive, stateLabel } from './format';
import { InboxController } from './inboxController';
import { installEscapeHandler } from './keys';
import { interceptLinks, warmUpMarkdown } from './markdown';
import { PanelMemory } from './memory';
import { missionActions } from './missionActions';
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
import { Announcer } from './views/announcer';
import { StartBox, StatusBar } from './views/header';
import { MissionList } from './views/missionList';
import { allDirty, cleanDirty, MissionView, type Dirty, type MissionViewActions } from './views/missionView';

/** Page size of `mission/events`. */
const EVENTS_PAGE = 1000;
/** DOM work per animation frame for transcript events (ms); the rest waits a frame. */
const FRAME_BUDGET_MS = 8;

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
  private readonly announcer = new Announcer();
  private readonly inbox: InboxController;
  private readonly memory: PanelMemory;
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
    this.memory = new PanelMemory(api);
    this.startBox = new StartBox((goal) => this.startMission(goal));
    this.list = new MissionList((id) => void this.openMission(id, true));
    this.inbox = new InboxController(
      {
        rpc,
        announce: (m) => this.announcer.say(m),
        showError: (m) => this.status.showError(m),
        missionGoal: (id) => this.missions.missions.get(id)?.goal ?? null,
        taskTitle: (missionId, taskId) =>
          this.open?.state.missionId === missionId ? (this.open.state.tasks.get(taskId)?.title ?? null) : null,
        openMission: (id) => void this.openMission(id, true),
        saveExpanded: (expanded) => this.memory.setInboxCollapsed(!expanded),
      },
      !this.memory.inboxCollapsed,
    );
    this.home = h('div', { class: 'home' }, this.startBox.el, this.list.el);
    this.missionHost = h('div', { class: 'mission-host', hidden: true });
    root.append(this.status.el, this.announcer.el, this.inbox.view.el, this.home, this.missionHost);
    interceptLinks(root, (href) => void this.guard(() => this.rpc.request('link/open', { href })));
    installEscapeHandler(root);
    this.wireNotifications();
    setInterval(() => {
      this.list.tick(Date.now());
      this.inbox.render();
    }, 30_000);
  }

  /** Loads the panel state and the mission list, and reopens the mission open before a reload. */
  async boot(): Promise<void> {
    await this.guard(async () => {
      this.setPanelState(await this.rpc.request('panel/state', {}));
    });
    await Promise.all([this.refreshList(), this.inbox.load()]);
    // Prime Markdown while the panel is idle (unless a mission is opening right now).
    const idle = window.requestIdleCallback ?? ((cb: () => void) => setTimeout(cb, 200));
    idle(() => warmUpMarkdown(), { timeout: 1000 });
    const saved = this.memory.openMissionId;
    // Reopen what was open before a reload, unless a mission was opened meanwhile
    // (e.g. by `panel/showMission`).
    if (saved && this.open === null && this.loadToken === 0) {
      await this.openMission(saved, false);
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
        void this.inbox.load();
        if (this.open) void this.openMission(this.open.state.missionId, false);
      }
    });
    this.rpc.onNotification('inbox/didChange', ({ item }) => this.inbox.onDidChange(item));
    this.rpc.onNotification('panel/showInboxItem', ({ itemId, missionId }) => {
      // From the mission list, open the item's mission for context (focus stays on the item).
      if (this.open === null) void this.openMission(missionId, false);
      void this.inbox.show(itemId);
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
    const before = o?.state.mission?.state;
    if (o && o.state.missionId === m.id && applyMissionSummary(o.state, m)) {
      this.markDirty({ header: true, plan: true });
      if (before !== undefined && before !== m.state && (m.state === 'paused' || !isMissionActive(m.state))) {
        this.announcer.say(`Mission ${stateLabel(m.state)}.`);
      }
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
      this.inbox.render();
    });
  }

  /** The actions of a mission's view. */
  private missionActions(missionId: string): MissionViewActions {
    return missionActions(
      {
        rpc: this.rpc,
        guard: (fn) => this.guard(fn),
        announce: (m) => this.announcer.say(m),
        back: () => this.back(),
        changed: (parts) => this.markDirty(parts),
        openState: (id) => (this.open?.state.missionId === id ? this.open.state : null),
        savePaused: (id, paused) => this.memory.setPausedTasks(id, paused),
        requestRender: (agentId) => {
          this.dirty.events.add(agentId);
          this.schedule();
        },
      },
      missionId,
    );
  }

  /**
   * Opens (or reloads) a mission: `mission/get`, then every stored event page by
   * page, then live notifications (held ones first). `focus` moves keyboard focus to
   * the view; only user actions inside the panel ask for it.
   */
  async openMission(missionId: string, focus: boolean): Promise<void> {
    const reuse = this.open?.state.missionId === missionId ? this.open : null;
    const token = ++this.loadToken;
    // Ask first: the round trip overlaps building the view.
    const detailAsked = this.rpc.request('mission/get', { missionId });
    detailAsked.catch(() => undefined); // handled where it is awaited
    let o: Open;
    if (reuse) {
      o = reuse;
      o.token = token;
      o.gate.set('snapshot');
    } else {
      const state = createMissionView(missionId, this.missions.missions.get(missionId));
      for (const id of this.memory.pausedTasks(missionId)) state.pausedTasks.add(id);
      const view = new MissionView(missionId, this.missionActions(missionId));
      o = { state, view, gate: new StreamGate(), token };
      this.open = o;
      this.dirty = allDirty(state);
      this.show(o, focus);
    }
    this.memory.setOpenMission(missionId);
    o.view.setLoading(true);
    this.schedule();
    const current = (): boolean => this.open === o && o.token === token;
    await this.guard(async () => {
      const detail = await detailAsked;
      if (!current()) return;
      applyDetail(o.state, detail);
      upsertMission(this.missions, detail.mission);
      this.listDirty = true;
      o.gate.set('events');
      this.dirty = allDirty(o.state);
      this.schedule();
      // Each page is applied as it arrives and rendered in later frames (newest first,
      // within a budget per frame): the header and plan paint before any event.
      await fetchAllEvents(
        async (afterSeq, limit) => {
          const r = await this.rpc.request('mission/events', { missionId, afterSeq, limit });
          return r.events;
        },
        EVENTS_PAGE,
        (page) => {
          if (!current()) return;
          for (const ev of page) this.noteEffect(applyStoredEvent(o.state, ev));
        },
      );
      if (!current()) return;
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
    this.memory.setOpenMission(null);
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
    const again = o.view.update(o.state, this.dirty, performance.now() + FRAME_BUDGET_MS);
    this.dirty = cleanDirty();
    if (again) this.schedule();
    if (focus) o.view.heading.focus();
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
      // Transcripts not fully rendered within the budget continue next frame.
      if (o.view.update(o.state, d, performance.now() + FRAME_BUDGET_MS)) this.schedule();
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
