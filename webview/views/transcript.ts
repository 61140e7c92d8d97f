/**
 * Agent transcripts: one section per agent with its role and model, its stored events
 * (Markdown text, the user's messages as bubbles, tool calls and results folded in
 * <details>, errors, info, turn timings), the text streaming in live, and a message box
 * to chat with the agent.
 *
 * A section shows its most recent events (see paging.ts) with a "Show earlier (k)"
 * button. Events are rendered newest first within a time budget per animation frame,
 * inserted once and never rebuilt, so open <details> and the scroll position survive
 * streaming.
 */
import type { MissionEvent, TaskInfo } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setHidden, setText } from '../dom';
import { formatMs, prettyArgs, toolEventSummary } from '../format';
import { fillMarkdown } from '../markdown';
import { commitStart, createPaging, earlierLabel, pageStart, showEarlier, type TranscriptPaging } from '../paging';
import type { TranscriptState } from '../state';
import { ChatBox, type SendMessage } from './chat';

/** Events rendered per call before the time budget is looked at. */
const MIN_PER_CALL = 4;

/** Renders one stored event. Model text is sanitised Markdown; tool output is plain text. */
export function renderEvent(ev: MissionEvent): HTMLElement {
  const attrs = { class: `ev ev-${ev.kind}`, 'data-seq': ev.seq, 'data-kind': ev.kind };
  switch (ev.kind) {
    case 'text': {
      const el = h('div', attrs);
      fillMarkdown(el, ev.text);
      return el;
    }
    case 'user_message':
      return h(
        'div',
        { ...attrs, role: 'group', 'aria-label': 'Your message' },
        h('div', { class: 'bubble-who' }, icon('account'), 'You'),
        h('div', { class: 'bubble-text' }, ev.text),
      );
    case 'tool_call':
      return h(
        'details',
        attrs,
        h('summary', {}, icon('tools'), h('span', { class: 'tool-line' }, toolEventSummary(ev))),
        h('pre', { class: 'tool-body' }, prettyArgs(ev.args) || '(no arguments)'),
      );
    case 'tool_result': {
      const ok = ev.ok !== false;
      return h(
        'details',
        { ...attrs, 'data-ok': String(ok), class: `${attrs.class} ${ok ? 'ok' : 'failed'}` },
        h('summary', {}, icon(ok ? 'pass' : 'error'), h('span', { class: 'tool-line' }, toolEventSummary(ev))),
        h('pre', { class: 'tool-body' }, ev.text || '(empty)'),
      );
    }
    case 'error':
      return h('div', { ...attrs, role: 'note' }, icon('error'), h('span', {}, ev.text));
    case 'turn': {
      if (ev.turnMs === undefined) return h('div', { ...attrs, hidden: true });
      const model = ev.modelMs !== undefined ? ` (model ${formatMs(ev.modelMs)})` : '';
      return h('div', attrs, `turn ${formatMs(ev.turnMs)}${model}`);
    }
    default:
      return h('div', attrs, icon('info'), h('span', {}, ev.text));
  }
}

interface SectionRefs {
  section: HTMLElement;
  heading: HTMLElement;
  body: HTMLElement;
  earlier: HTMLButtonElement;
  live: HTMLElement;
  empty: HTMLElement;
  chat: ChatBox;
  paging: TranscriptPaging;
  /** The transcript last rendered (the state mutates it in place). */
  t: TranscriptState;
  /** Rendered events by seq. */
  rendered: Map<number, HTMLElement>;
  /** "Show earlier" was used: move focus if the button goes away. */
  refocus: boolean;
}

/** What the transcripts ask of the panel. */
export interface TranscriptsActions {
  sendMessage: SendMessage;
  /** Renders an agent's events again soon (after "Show earlier"). */
  requestRender(agentId: string): void;
}

/** The transcripts section of the mission view. */
export class TranscriptsView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly none: HTMLElement;
  private readonly sections = new Map<string, SectionRefs>();

  constructor(private readonly actions: TranscriptsActions) {
    this.none = h('p', { class: 'muted' }, 'No agent has started yet.');
    this.list = h('div', { class: 'transcripts' });
    this.el = h(
      'section',
      { class: 'transcripts-section', 'aria-labelledby': 'transcripts-heading' },
      h('h3', { id: 'transcripts-heading' }, 'Transcripts'),
      this.none,
      this.list,
    );
  }

  /** Puts the sections in display order and refreshes their headings and chat boxes. */
  updateSections(transcripts: TranscriptState[], tasks: Map<string, TaskInfo>): void {
    setHidden(this.none, transcripts.length > 0);
    const els: HTMLElement[] = [];
    for (const t of transcripts) {
      const refs = this.section(t);
      const task = t.taskId !== null ? tasks.get(t.taskId) : undefined;
      const parts = [t.role, t.model ?? ''].filter((p) => p !== '');
      setText(refs.heading, `${parts.join(' · ')}${task ? ` — ${task.title}` : ''}`);
      refs.chat.update(t, task);
      els.push(refs.section);
    }
    reconcileChildren(this.list, els);
  }

  /**
   * Renders the events of a transcript's window not rendered yet (newest first),
   * removes those that left it, and refreshes its live text. Stops once `deadline`
   * (a `performance.now()` time) has passed; returns false when work is left.
   */
  updateEvents(t: TranscriptState, deadline = Number.POSITIVE_INFINITY): boolean {
    const refs = this.section(t);
    refs.t = t;
    const events = t.events;
    const start = pageStart(events, refs.paging);
    commitStart(events, refs.paging, start);
    const firstSeq = events[start]?.seq ?? Number.POSITIVE_INFINITY;
    for (const [seq, el] of refs.rendered) {
      if (seq >= firstSeq) continue;
      el.remove();
      refs.rendered.delete(seq);
    }
    let next: Element = refs.live;
    let created = 0;
    let done = true;
    // Walk backwards so each new event goes right before the next rendered one.
    for (let i = events.length - 1; i >= start; i--) {
      const ev = events[i];
      let el = refs.rendered.get(ev.seq);
      if (!el) {
        if (created >= MIN_PER_CALL && performance.now() > deadline) {
          done = false;
          break;
        }
        el = renderEvent(ev);
        created++;
        refs.rendered.set(ev.seq, el);
        refs.body.insertBefore(el, next);
      }
      next = el;
    }
    setHidden(refs.earlier, start === 0);
    setText(refs.earlier, earlierLabel(start));
    if (refs.refocus && start === 0) {
      refs.refocus = false;
      if (document.activeElement === refs.earlier || document.activeElement === document.body) refs.heading.focus();
    }
    this.updateLive(t);
    return done;
  }

  /** Refreshes only the live (streaming) text of a transcript. */
  updateLive(t: TranscriptState): void {
    const refs = this.section(t);
    setText(refs.live, t.live);
    setHidden(refs.live, t.live === '');
    setHidden(refs.empty, t.events.length > 0 || t.live !== '');
  }

  private section(t: TranscriptState): SectionRefs {
    const existing = this.sections.get(t.agentId);
    if (existing) return existing;
    const key = t.agentId.replace(/[^A-Za-z0-9_-]/g, '_');
    const headingId = `transcript-${key}`;
    const heading = h('h4', { id: headingId, tabindex: -1 });
    const live = h('div', { class: 'ev ev-live', 'data-testid': 'live-text', hidden: true });
    const empty = h('p', { class: 'muted' }, 'Waiting for the model…');
    const earlier = h('button', { type: 'button', class: 'link-button earlier', 'data-testid': 'transcript-earlier', hidden: true });
    const body = h('div', { class: 'events', role: 'log', 'aria-live': 'off', 'aria-labelledby': headingId }, earlier, empty, live);
    const chat = new ChatBox(t.agentId, headingId, this.actions.sendMessage);
    const section = h(
      'section',
      {
        class: 'transcript',
        'data-testid': 'transcript',
        'data-agent-id': t.agentId,
        'data-role': t.role,
        'aria-labelledby': headingId,
      },
      heading,
      body,
      chat.el,
    );
    const refs: SectionRefs = { section, heading, body, earlier, live, empty, chat, paging: createPaging(), t, rendered: new Map(), refocus: false };
    earlier.addEventListener('click', () => {
      showEarlier(refs.t.events, refs.paging);
      refs.refocus = true;
      this.actions.requestRender(refs.t.agentId);
    });
    this.sections.set(t.agentId, refs);
    return refs;
  }
}
