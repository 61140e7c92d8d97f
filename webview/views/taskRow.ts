/**
 * One task of the plan view: state, title, kind, role, the worker on it, attempts,
 * dependency chips (engine-added ones with their reason), write-set, checks, the
 * evidence of its checks, and its report or error. Updated in place: evidence rows are
 * only appended, so an open output <details> stays open.
 */
import type { AgentInfo, TaskInfo } from '../../protocol/protocol';
import { h, icon, reconcileChildren, setAttr, setHidden, setIcon, setText } from '../dom';
import { stateLabel, taskStateIcon } from '../format';
import { attemptLabel, dependencyChips, evidenceRows, isTaskActive, workerLabel, type AgentHint, type EvidenceRow } from '../graph';
import { fillMarkdown } from '../markdown';
import { TaskControls, type RunTaskControl } from './taskControls';

/** What a task row needs besides its task. */
export interface TaskRowContext {
  tasks: ReadonlyMap<string, TaskInfo>;
  agents: ReadonlyMap<string, AgentInfo>;
  /** What the transcripts know of agents not in `agents` yet. */
  hint(agentId: string): AgentHint | undefined;
  maxAttempts: number | undefined;
  /** Sends a per-worker control (Pause / Resume / Cancel). */
  control: RunTaskControl;
  /** Whether the panel paused a task. */
  paused(taskId: string): boolean;
}

/** A rendered evidence row and the part that can still change (the attempt label). */
interface EvidenceRefs {
  el: HTMLElement;
  status: HTMLElement;
}

/** Renders one evidence row: icon, command, status, and the output tail in a <details>. */
function renderEvidence(r: EvidenceRow): EvidenceRefs {
  const status = h('span', { class: 'evidence-status' });
  const el = h(
    'details',
    {
      class: `evidence ${r.passed ? 'passed' : 'failed'}`,
      'data-testid': 'evidence',
      'data-passed': String(r.passed),
    },
    h('summary', {}, icon(r.icon), h('code', { class: 'evidence-command' }, r.command), status),
    h('pre', { class: 'evidence-output' }, r.outputTail || '(no output)'),
  );
  return { el, status };
}

/** Refreshes what can change in a rendered evidence row. */
function fillEvidence(refs: EvidenceRefs, r: EvidenceRow): void {
  setText(refs.status, r.attempt ? `${r.attempt} · ${r.status}` : r.status);
  // Rows of an attempt that is no longer the latest read as history.
  if (refs.el.classList.contains('stale') !== r.stale) refs.el.classList.toggle('stale', r.stale);
}

/** A task row of the plan view. */
export class TaskRow {
  /** The <li>. */
  readonly el: HTMLLIElement;
  private readonly stateIcon: HTMLElement;
  private readonly title: HTMLElement;
  private readonly kind: HTMLElement;
  private readonly role: HTMLElement;
  private readonly state: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly worker: HTMLElement;
  private readonly deps: HTMLElement;
  private readonly writeSet: HTMLElement;
  private readonly checks: HTMLElement;
  private readonly evidence: HTMLElement;
  private readonly report: HTMLElement;
  private readonly error: HTMLElement;
  private readonly evidenceEls = new Map<string, EvidenceRefs>();
  private readonly controls: TaskControls;
  private depsKey = '';
  private reportText: string | null = null;

  constructor(t: TaskInfo, control: RunTaskControl) {
    this.controls = new TaskControls(t, control);
    this.stateIcon = icon(taskStateIcon(t.state));
    this.title = h('span', { class: 'task-title' });
    this.kind = h('span', { class: 'task-kind', 'data-testid': 'task-kind', hidden: true });
    this.role = h('span', { class: 'role' });
    this.state = h('span', { class: 'task-state' });
    this.meta = h('div', { class: 'task-meta muted' });
    this.worker = h('span', { class: 'task-worker', 'data-testid': 'task-worker', hidden: true });
    this.deps = h('ul', { class: 'deps', 'aria-label': `Dependencies of ${t.id}`, hidden: true });
    this.writeSet = h('div', { class: 'task-writeset muted', 'data-testid': 'task-writeset', hidden: true });
    this.checks = h('div', { class: 'task-checks muted', 'data-testid': 'task-checks', hidden: true });
    this.evidence = h('div', { class: 'task-evidence', 'aria-label': `Evidence of ${t.id}`, hidden: true });
    this.report = h('div', { class: 'task-report' });
    this.error = h('div', { class: 'task-error', role: 'note' });
    this.el = h(
      'li',
      { class: 'task', 'data-testid': 'plan-task', 'data-task-id': t.id },
      h('div', { class: 'task-head' }, this.stateIcon, this.title, this.kind, this.role, this.state, this.controls.el),
      h('div', { class: 'task-body' }, this.meta, this.deps, this.writeSet, this.checks, this.evidence, this.report, this.error),
    );
  }

  /** Shows the task's current facts. */
  fill(t: TaskInfo, ctx: TaskRowContext): void {
    const li = this.el;
    setAttr(li, 'data-state', t.state);
    setAttr(li, 'data-kind', t.kind ?? 'work');
    setIcon(this.stateIcon, taskStateIcon(t.state));
    setText(this.title, t.title);
    const conflict = t.kind === 'resolve_conflict';
    setHidden(this.kind, !conflict);
    setText(this.kind, conflict ? 'resolve conflict' : '');
    setText(this.role, t.role);
    setText(this.state, stateLabel(t.state));

    const attempt = attemptLabel(t.attempts, ctx.maxAttempts);
    const worker = isTaskActive(t.state) ? workerLabel(t, ctx.agents, t.agentId ? ctx.hint(t.agentId) : undefined) : null;
    this.fillMeta(t.id, worker, attempt);
    setAttr(
      li,
      'aria-label',
      [`${t.id}: ${t.title}`, conflict ? 'resolve conflict' : '', t.role, stateLabel(t.state), worker ? `worker ${worker}` : '', attempt]
        .filter((p) => p !== '')
        .join(', '),
    );

    this.fillDeps(t, ctx.tasks);
    const writeSet = t.writeSet ?? [];
    setHidden(this.writeSet, writeSet.length === 0);
    setText(this.writeSet, writeSet.length > 0 ? `writes ${writeSet.join('  ')}` : '');
    const checks = t.checks ?? [];
    setHidden(this.checks, checks.length === 0);
    setText(this.checks, checks.length > 0 ? `${checks.length === 1 ? 'check' : 'checks'}: ${checks.join('  ·  ')}` : '');
    this.fillEvidence(t);

    const showReport = t.state === 'done' && !!t.report?.summary;
    setHidden(this.report, !showReport);
    const report = showReport ? (t.report?.summary ?? '') : '';
    if (report !== this.reportText) {
      this.reportText = report;
      fillMarkdown(this.report, report);
    }
    this.controls.update(t, ctx.paused(t.id));
    const showError = t.state === 'failed' && !!t.error;
    setHidden(this.error, !showError);
    setText(this.error, showError ? (t.error ?? '') : '');
  }

  private fillMeta(id: string, worker: string | null, attempt: string): void {
    // Children: id text, then the worker span, then the attempt text.
    if (this.meta.childNodes.length === 0) {
      this.meta.append(document.createTextNode(''), this.worker, document.createTextNode(''));
    }
    const [idNode, , attemptNode] = [...this.meta.childNodes];
    const idText = worker ? `${id} · ` : id;
    if (idNode.textContent !== idText) idNode.textContent = idText;
    setHidden(this.worker, !worker);
    setText(this.worker, worker ? `worker: ${worker}` : '');
    const at = attempt ? ` · ${attempt}` : '';
    if (attemptNode.textContent !== at) attemptNode.textContent = at;
  }

  private fillDeps(t: TaskInfo, tasks: ReadonlyMap<string, TaskInfo>): void {
    const chips = dependencyChips(t, tasks);
    const key = JSON.stringify(chips.map((c) => [c.label, c.state, c.added, c.tooltip]));
    if (key === this.depsKey) return;
    this.depsKey = key;
    setHidden(this.deps, chips.length === 0);
    const lis = chips.map((c) => {
      const attrs = {
        class: `dep${c.added ? ' dep-added' : ''}`,
        title: c.tooltip,
        'aria-label': c.tooltip,
        'data-dep-id': c.id,
        'data-dep-state': c.state ?? undefined,
        'data-testid': c.added ? 'added-dependency' : 'dependency',
      };
      return h('li', attrs, icon(c.added ? 'link' : c.state === 'done' ? 'check' : 'arrow-up'), h('span', {}, c.label));
    });
    this.deps.replaceChildren(...lis);
  }

  private fillEvidence(t: TaskInfo): void {
    const rows = evidenceRows(t.evidence ?? []);
    setHidden(this.evidence, rows.length === 0);
    const els: HTMLElement[] = [];
    const keep = new Set<string>();
    for (const r of rows) {
      keep.add(r.key);
      let refs = this.evidenceEls.get(r.key);
      if (!refs) {
        refs = renderEvidence(r);
        this.evidenceEls.set(r.key, refs);
      }
      fillEvidence(refs, r);
      els.push(refs.el);
    }
    for (const k of [...this.evidenceEls.keys()]) if (!keep.has(k)) this.evidenceEls.delete(k);
    reconcileChildren(this.evidence, els);
  }
}
