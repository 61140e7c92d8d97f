/**
 * Agent transcripts: one section per agent with its role and model, its stored events
 * (text, tool calls and results folded in <details>, errors, info, turn timings) and
 * the text streaming in live. Events are inserted once and never rebuilt, so open
 * <details> and the scroll position survive streaming.
 */
import type { MissionEvent, TaskInfo } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setHidden, setText } from '../dom';
import { formatMs, prettyArgs, toolEventSummary } from '../format';
import type { TranscriptState } from '../state';

/** Renders one stored event. Model text goes in through text nodes only. */
export function renderEvent(ev: MissionEvent): HTMLElement {
  const attrs = { class: `ev ev-${ev.kind}`, 'data-seq': ev.seq, 'data-kind': ev.kind };
  switch (ev.kind) {
    case 'text':
      return h('div', attrs, ev.text);
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
        h(
          'summary',
          {},
          icon(ok ? 'pass' : 'error'),
          h('span', { class: 'tool-line' }, toolEventSummary(ev)),
        ),
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
  live: HTMLElement;
  empty: HTMLElement;
  /** Rendered events by seq. */
  rendered: Map<number, HTMLElement>;
}

/** The transcripts section of the mission view. */
export class TranscriptsView {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly none: HTMLElement;
  private readonly sections = new Map<string, SectionRefs>();

  constructor() {
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

  /** Puts the sections in display order and refreshes their headings. */
  updateSections(transcripts: TranscriptState[], tasks: Map<string, TaskInfo>): void {
    setHidden(this.none, transcripts.length > 0);
    const els: HTMLElement[] = [];
    for (const t of transcripts) {
      const refs = this.section(t);
      const task = t.taskId !== null ? tasks.get(t.taskId) : undefined;
      const parts = [t.role, t.model ?? ''].filter((p) => p !== '');
      setText(refs.heading, `${parts.join(' · ')}${task ? ` — ${task.title}` : ''}`);
      els.push(refs.section);
    }
    reconcileChildren(this.list, els);
  }

  /** Inserts the events of a transcript not rendered yet, in seq order, and refreshes its live text. */
  updateEvents(t: TranscriptState): void {
    const refs = this.section(t);
    let next: Element = refs.live;
    // Walk backwards so each new event goes right before the next rendered one.
    for (let i = t.events.length - 1; i >= 0; i--) {
      const ev = t.events[i];
      let el = refs.rendered.get(ev.seq);
      if (!el) {
        el = renderEvent(ev);
        refs.rendered.set(ev.seq, el);
        refs.body.insertBefore(el, next);
      }
      next = el;
    }
    this.updateLive(t);
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
    const headingId = `transcript-${t.agentId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const heading = h('h4', { id: headingId });
    const live = h('div', { class: 'ev ev-live', 'data-testid': 'live-text', hidden: true });
    const empty = h('p', { class: 'muted' }, 'Waiting for the model…');
    const body = h('div', { class: 'events' }, empty, live);
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
    );
    const refs: SectionRefs = { section, heading, body, live, empty, rendered: new Map() };
    this.sections.set(t.agentId, refs);
    return refs;
  }
}
