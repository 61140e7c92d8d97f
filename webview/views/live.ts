/**
 * The "Live" area: one fixed-height card per running worker, side by side in a grid,
 * each with its own scroll box of streaming text and its latest tool call. Cards keep
 * their grid slot while they run and a finished worker's slot stays as an idle
 * placeholder, so the area neither shuffles nor shrinks while the mission runs.
 * The scroll box follows new text only when the user was already at its bottom.
 */
import type { AgentInfo, MissionState } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setAttr, setHidden, setIcon, setText } from '../dom';
import { stateLabel, taskStateIcon } from '../format';
import { attemptLabel, workerLabel, type AgentHint } from '../graph';
import { assignSlots, isAtBottom, latestToolCall, showsLiveArea, type LiveWorker } from '../liveModel';
import { fillMarkdown } from '../markdown';
import type { TranscriptState } from '../state';
import { TaskControls, type RunTaskControl } from './taskControls';

/** Text blocks a card keeps (older ones are in the transcript below). */
const MAX_BLOCKS = 40;
/** Text blocks a new card starts with (it shows two or three at a time). */
const FIRST_BLOCKS = 4;

/** What the Live area shows. */
export interface LiveModel {
  missionState: MissionState | undefined;
  workers: LiveWorker[];
  transcripts: ReadonlyMap<string, TranscriptState>;
  agents: ReadonlyMap<string, AgentInfo>;
  hint(agentId: string): AgentHint | undefined;
  maxAttempts: number | undefined;
  /** Sends a per-worker control. */
  control: RunTaskControl;
  /** Whether the panel paused a task. */
  paused(taskId: string): boolean;
}

/** The card of one running worker. */
class LiveCard {
  readonly el: HTMLElement;
  private readonly stateIcon: HTMLElement;
  private readonly title: HTMLElement;
  private readonly sub: HTMLElement;
  private readonly stream: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly live: HTMLElement;
  private readonly tool: HTMLElement;
  private readonly toolIcon: HTMLElement;
  private readonly toolText: HTMLElement;
  private lastSeq = -1;
  /**
   * Whether the stream follows new text: true while the user is at its bottom. Kept
   * from scroll events, so rendering never reads layout between DOM writes.
   */
  private follow = true;
  /** New text arrived while following: scroll in settle(). A new card starts at its end. */
  private needsScroll = true;
  private controls: TaskControls | null = null;
  private readonly head: HTMLElement;

  constructor(readonly agentId: string) {
    this.stateIcon = icon(taskStateIcon('running'));
    this.title = h('span', { class: 'live-title' });
    this.sub = h('div', { class: 'live-sub muted' });
    this.empty = h('p', { class: 'muted live-empty' }, 'Waiting for the model…');
    this.live = h('div', { class: 'live-block live-delta', hidden: true });
    this.stream = h(
      'div',
      { class: 'live-stream', 'data-testid': 'live-stream', role: 'log', 'aria-live': 'off', tabindex: 0 },
      this.empty,
      this.live,
    );
    this.toolIcon = icon('tools');
    this.toolText = h('span', { class: 'tool-line' });
    this.tool = h('div', { class: 'live-tool', 'data-testid': 'live-tool', hidden: true }, this.toolIcon, this.toolText);
    this.stream.addEventListener(
      'scroll',
      () => {
        const st = this.stream;
        this.follow = isAtBottom(st.scrollTop, st.scrollHeight, st.clientHeight);
      },
      { passive: true },
    );
    this.el = h(
      'div',
      { class: 'live-card', 'data-testid': 'live-worker', 'data-agent-id': agentId, role: 'group' },
      (this.head = h('div', { class: 'live-head' }, this.stateIcon, this.title)),
      this.sub,
      this.stream,
      this.tool,
    );
  }

  /** Refreshes the card's heading from the task and agent. */
  fillHead(w: LiveWorker, m: LiveModel): void {
    const t = w.task;
    setAttr(this.el, 'data-task-id', t.id);
    setAttr(this.el, 'data-state', t.state);
    setIcon(this.stateIcon, taskStateIcon(t.state));
    setText(this.title, `${t.id} · ${t.title}`);
    setAttr(this.title, 'title', t.title);
    const worker = workerLabel(t, m.agents, m.hint(w.agentId)) ?? t.role;
    const parts = [worker, attemptLabel(t.attempts, m.maxAttempts), t.state === 'running' ? '' : stateLabel(t.state)];
    if (m.missionState === 'paused') parts.push('mission paused');
    const sub = parts.filter((p) => p !== '').join(' · ');
    setText(this.sub, sub);
    setAttr(this.el, 'aria-label', `${t.id} ${t.title}: ${sub}`);
    setAttr(this.stream, 'aria-label', `Live output of ${t.id}`);
    if (!this.controls) {
      this.controls = new TaskControls(t, m.control);
      this.head.append(this.controls.el);
    }
    this.controls.update(t, m.paused(t.id));
  }

  /** Appends the transcript's new text events, then refreshes live text and tool line. */
  syncEvents(tr: TranscriptState): void {
    const fresh: HTMLElement[] = [];
    for (let i = tr.events.length - 1; i >= 0 && tr.events[i].seq > this.lastSeq; i--) {
      const ev = tr.events[i];
      if (ev.kind === 'text' && ev.text.trim() !== '') {
        const block = h('div', { class: 'live-block', 'data-seq': ev.seq });
        fillMarkdown(block, ev.text);
        fresh.push(block);
        // A new card starts with the latest few; older text would be trimmed anyway.
        if (fresh.length >= (this.lastSeq < 0 ? FIRST_BLOCKS : MAX_BLOCKS)) break;
      }
    }
    const last = tr.events[tr.events.length - 1];
    if (last && last.seq > this.lastSeq) this.lastSeq = last.seq;
    for (const el of fresh.reverse()) this.stream.insertBefore(el, this.live);
    // Keep the card light: the transcript below holds the full history.
    const blocks = this.stream.querySelectorAll(':scope > .live-block:not(.live-delta)');
    for (let i = 0; i < blocks.length - MAX_BLOCKS; i++) blocks[i].remove();
    const call = latestToolCall(tr.events);
    setHidden(this.tool, call === null);
    if (call) {
      setText(this.toolText, call.summary);
      setIcon(this.toolIcon, call.status === 'running' ? { name: 'loading', spin: true } : { name: call.status === 'ok' ? 'pass' : 'error', spin: false });
      setAttr(this.tool, 'data-status', call.status);
      setAttr(this.tool, 'title', `Latest tool call (${call.status}): ${call.summary}`);
    }
    this.syncLiveText(tr);
  }

  /** Refreshes only the streaming text. */
  syncLive(tr: TranscriptState): void {
    this.syncLiveText(tr);
  }

  private syncLiveText(tr: TranscriptState): void {
    setText(this.live, tr.live);
    setHidden(this.live, tr.live === '');
    setHidden(this.empty, tr.live !== '' || this.stream.childElementCount > 2);
    // Scrolled by settle() at the start of the next frame, while layout is clean.
    if (this.follow) this.needsScroll = true;
  }

  /** Whether settle() has a scroll to do. */
  get scrollPending(): boolean {
    return this.needsScroll;
  }

  /** Scrolls the stream to its end if it follows new text and something changed. */
  settle(): void {
    if (!this.needsScroll) return;
    this.needsScroll = false;
    this.stream.scrollTop = this.stream.scrollHeight;
  }
}

/** The Live section of the mission view. */
export class LiveView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly count: HTMLElement;
  private slots: (string | null)[] = [];
  private readonly cards = new Map<string, LiveCard>();
  private readonly idle: HTMLElement[] = [];

  constructor() {
    this.count = h('span', { class: 'live-count muted' });
    this.grid = h('div', { class: 'live-grid' });
    this.el = h(
      'section',
      { class: 'live-section', 'data-testid': 'live-workers', 'aria-labelledby': 'live-heading', hidden: true },
      h('h3', { id: 'live-heading' }, 'Live ', this.count),
      this.grid,
    );
  }

  /** Shows a card per running worker, each in a stable slot; hides the area once the mission stops. */
  update(m: LiveModel): void {
    const show = showsLiveArea(m.missionState, m.workers.length);
    setHidden(this.el, !show);
    if (!show) {
      this.slots = [];
      this.cards.clear();
      this.grid.replaceChildren();
      return;
    }
    setText(this.count, `${m.workers.length} running`);
    this.slots = assignSlots(this.slots, m.workers.map((w) => w.agentId));
    // At least one slot, so the area keeps its height between tasks.
    if (this.slots.length === 0) this.slots = [null];
    const byAgent = new Map(m.workers.map((w) => [w.agentId, w]));
    const els: HTMLElement[] = [];
    this.slots.forEach((agentId, i) => {
      const w = agentId === null ? undefined : byAgent.get(agentId);
      if (!w) {
        els.push(this.idleSlot(i));
        return;
      }
      let card = this.cards.get(w.agentId);
      if (!card) {
        card = new LiveCard(w.agentId);
        this.cards.set(w.agentId, card);
        const tr = m.transcripts.get(w.agentId);
        if (tr) card.syncEvents(tr);
      }
      card.fillHead(w, m);
      els.push(card.el);
    });
    for (const id of [...this.cards.keys()]) if (!byAgent.has(id)) this.cards.delete(id);
    reconcileChildren(this.grid, els);
  }

  /** New stored events of an agent (no-op unless it has a card). */
  updateEvents(tr: TranscriptState): void {
    this.cards.get(tr.agentId)?.syncEvents(tr);
  }

  /** Scrolls the cards that follow their text to the end (call while layout is clean). */
  settle(): void {
    for (const card of this.cards.values()) card.settle();
  }

  /** Whether a card waits for settle(). */
  scrollPending(): boolean {
    for (const card of this.cards.values()) if (card.scrollPending) return true;
    return false;
  }

  /** New streaming text of an agent (no-op unless it has a card). */
  updateLive(tr: TranscriptState): void {
    this.cards.get(tr.agentId)?.syncLive(tr);
  }

  private idleSlot(i: number): HTMLElement {
    let el = this.idle[i];
    if (!el) {
      el = h('div', { class: 'live-card live-idle', 'data-testid': 'live-slot-idle', 'aria-hidden': 'true' }, 'idle');
      this.idle[i] = el;
    }
    return el;
  }
}
