/**
 * Top of the panel: the replay banner, the server state line, and the box that starts
 * a mission.
 */
import type { PanelState } from '../../protocol/protocol';
import { button, h, icon, setDisabled, setHidden, setText } from '../dom';

/** Banner and server state, shown above every page of the panel. */
export class StatusBar {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly bannerText: HTMLElement;
  private readonly server: HTMLElement;
  private readonly serverText: HTMLElement;
  private readonly error: HTMLElement;

  constructor() {
    this.bannerText = h('span');
    this.banner = h(
      'div',
      { class: 'banner', role: 'status', 'data-testid': 'replay-banner', hidden: true },
      icon('debug-restart'),
      this.bannerText,
    );
    this.serverText = h('span');
    this.server = h(
      'div',
      { class: 'server-state', role: 'status', 'data-testid': 'server-state', hidden: true },
      icon('server'),
      this.serverText,
    );
    this.error = h('div', { class: 'panel-error', role: 'alert', 'data-testid': 'panel-error', hidden: true });
    this.el = h('div', { class: 'status' }, this.banner, this.server, this.error);
  }

  /** Shows the panel state: the replay banner when replaying, the server state unless ready. */
  update(s: PanelState): void {
    setHidden(this.banner, !s.replaying);
    setText(
      this.bannerText,
      `Replaying recorded responses, not a live model. ${s.providerNote ?? 'The replay provider serves a cassette.'}`,
    );
    const ready = s.serverState === 'ready' || s.serverState === 'busy';
    setHidden(this.server, ready);
    const labels: Record<PanelState['serverState'], string> = {
      starting: 'Taskforce server is starting…',
      ready: 'Taskforce server is ready.',
      busy: 'Taskforce server is busy.',
      error: 'Taskforce server failed. Run “Taskforce: Show Server Output” for details.',
      stopped: 'Taskforce server is stopped. Run “Taskforce: Restart Server” to start it.',
    };
    setText(this.serverText, labels[s.serverState] ?? `Taskforce server: ${s.serverState}`);
    this.server.dataset.state = s.serverState;
  }

  private errorTimer: ReturnType<typeof setTimeout> | undefined;

  /** Shows an error message for a while (or clears it with null). */
  showError(message: string | null): void {
    clearTimeout(this.errorTimer);
    setHidden(this.error, message === null);
    setText(this.error, message ?? '');
    if (message !== null) this.errorTimer = setTimeout(() => this.showError(null), 15_000);
  }
}

/** The "start a mission" box. */
export class StartBox {
  /** Root element. */
  readonly el: HTMLElement;
  private readonly goal: HTMLElementTagNameMap['vscode-textarea'];
  private readonly start: HTMLElement;
  private readonly hint: HTMLElement;
  private busy = false;

  /** @param onStart starts a mission; resolves when the server accepted it. */
  constructor(private readonly onStart: (goal: string) => Promise<void>) {
    this.goal = h('vscode-textarea', {
      'data-testid': 'mission-goal',
      'aria-label': 'Mission goal',
      placeholder: 'Describe the mission, e.g. "Add rate limiting to the API, with tests"',
      rows: 3,
      resize: 'vertical',
    });
    // `label` is a property only: it becomes the aria-label of the inner <textarea>.
    this.goal.label = 'Mission goal';
    this.goal.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.submit();
      }
    });
    this.start = button({
      label: 'Start mission',
      ariaLabel: 'Start mission',
      icon: 'rocket',
      testId: 'mission-start',
      onClick: () => void this.submit(),
    });
    this.hint = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Ctrl+Enter (⌘+Enter) starts the mission.');
    const heading = h('h2', { id: 'start-heading' }, 'New mission');
    this.el = h(
      'section',
      { class: 'start', 'aria-labelledby': 'start-heading' },
      heading,
      this.goal,
      h('div', { class: 'start-actions' }, this.start, this.hint),
    );
  }

  /** Reads the goal and starts the mission, unless one is being started already. */
  async submit(): Promise<void> {
    if (this.busy) return;
    const goal = (this.goal.value ?? '').trim();
    if (goal === '') {
      setText(this.hint, 'Write a goal first.');
      this.goal.focus();
      return;
    }
    this.busy = true;
    setDisabled(this.start, true);
    setText(this.hint, 'Starting…');
    try {
      await this.onStart(goal);
      this.goal.value = '';
      setText(this.hint, 'Ctrl+Enter (⌘+Enter) starts the mission.');
    } catch (err) {
      setText(this.hint, `Could not start: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.busy = false;
      setDisabled(this.start, false);
    }
  }
}
