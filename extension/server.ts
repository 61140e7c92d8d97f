/**
 * TaskforceServer owns the server process's lifecycle, in the manner of rust-analyzer's
 * `editors/code` Ctx: start, stop, restart, the "Taskforce Server" output channel, the
 * `taskforce.trace.server` setting (read by vscode-languageclient from the client id
 * `taskforce`), and a status-bar item fed by the `server/didChangeStatus` notification.
 *
 * The server runs as a child process over Node IPC (TransportKind.ipc) with an empty
 * documentSelector: it serves no documents, only the Taskforce protocol. When it crashes
 * the client restarts it (up to MAX_RESTARTS within RESTART_WINDOW_MS).
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type {
  ClientNotificationMethod,
  ClientNotifications,
  ServerDidChangeStatusParams,
  ServerInitializationOptions,
  ServerRequestMethod,
  ServerRequests,
  ServerState,
} from '../protocol/protocol';
import type { Disposable, ServerApi } from './serverApi';

const MAX_RESTARTS = 5;
/** How long a request waits for a starting server (ms). */
const START_WAIT_MS = 30_000;
const RESTART_WINDOW_MS = 3 * 60_000;

type AnyHandler = (params: never) => unknown;

/** Supervises the Taskforce server and implements ServerApi over its language client. */
export class TaskforceServer implements ServerApi, vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  private client: LanguageClient | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly notificationHandlers = new Map<string, Set<AnyHandler>>();
  private readonly startListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(s: ServerState) => void>();
  private restarts: number[] = [];
  private lastStatus: ServerDidChangeStatusParams | undefined;
  private serverState: ServerState = 'stopped';
  private stopping = false;
  private usage = { tokens: 0, costUsd: 0 };

  constructor(
    private readonly context: vscode.ExtensionContext,
    /** Environment for the server process (API keys from SecretStorage are added here). */
    private readonly env: () => Promise<NodeJS.ProcessEnv>,
  ) {
    this.output = vscode.window.createOutputChannel('Taskforce Server', { log: true });
    this.statusItem = vscode.window.createStatusBarItem('taskforce.status', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'Taskforce';
    this.statusItem.command = 'taskforce.openMissions';
    this.setState('stopped');
    this.statusItem.show();
  }

  /** Current server state. */
  get state(): ServerState {
    return this.serverState;
  }

  /** Process id of the running server, from its last status notification. */
  get pid(): number | undefined {
    return this.lastStatus?.pid;
  }

  /** Fires when the server state changes. */
  onDidChangeState(listener: (s: ServerState) => void): Disposable {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  /**
   * Starts the server and waits for the initialize handshake.
   * @throws Error when the server cannot start (its output channel has the details).
   */
  async start(): Promise<void> {
    if (this.client) return;
    this.stopping = false;
    this.setState('starting');
    const storage = this.context.storageUri ?? this.context.globalStorageUri;
    await vscode.workspace.fs.createDirectory(storage);
    const module = this.context.asAbsolutePath('dist/server.js');
    const env = await this.env();
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { env } },
      debug: { module, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const initializationOptions: ServerInitializationOptions = {
      dbPath: vscode.Uri.joinPath(storage, 'taskforce.db').fsPath,
      dataDir: storage.fsPath,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      outputChannel: this.output,
      initializationOptions,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
          const now = Date.now();
          this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
          this.restarts.push(now);
          if (this.restarts.length > MAX_RESTARTS) {
            this.setState('error', `The server crashed ${MAX_RESTARTS} times in 3 minutes and will not be restarted.`);
            return {
              action: CloseAction.DoNotRestart,
              message: 'The Taskforce server crashed repeatedly. Run "Taskforce: Restart Server" after checking "Taskforce: Show Server Output".',
            };
          }
          this.output.warn(`The server stopped unexpectedly; restarting (${this.restarts.length}/${MAX_RESTARTS}).`);
          this.setState('starting');
          return { action: CloseAction.Restart, handled: true };
        },
      },
    };
    const client = new LanguageClient('taskforce', 'Taskforce Server', serverOptions, clientOptions);
    this.client = client;
    client.onNotification('server/didChangeStatus', (p: ServerDidChangeStatusParams) => this.onStatus(p));
    for (const [method, handlers] of this.notificationHandlers) {
      client.onNotification(method, (p: unknown) => handlers.forEach((h) => h(p as never)));
    }
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) {
        this.setState('ready');
        this.startListeners.forEach((l) => l());
      } else if (e.newState === State.Starting) this.setState('starting');
      else if (e.newState === State.Stopped && this.serverState !== 'error') this.setState('stopped');
    });
    this.setState('starting');
    try {
      await client.start();
    } catch (err) {
      this.setState('error', (err as Error).message);
      this.client = undefined;
      throw err;
    }
  }

  /** Stops the server (shutdown + exit, then kill after the client's timeout). */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    this.client = undefined;
    await client.stop(5000).catch((err: Error) => this.output.warn(`stop: ${err.message}`));
    this.setState('stopped');
  }

  /** Stops and starts the server, e.g. after an API key changed. */
  async restart(): Promise<void> {
    await this.stop();
    this.restarts = [];
    await this.start();
  }

  /**
   * Sends a request; while the server is starting or restarting (after a crash) it waits
   * for it, up to START_WAIT_MS, so a command run right after activation still works.
   * @throws Error when the server is stopped, failed, or does not come up in time.
   */
  async request<M extends ServerRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> {
    const client = await this.runningClient();
    return client.sendRequest(method, params);
  }

  private async runningClient(): Promise<LanguageClient> {
    const deadline = Date.now() + START_WAIT_MS;
    for (;;) {
      const client = this.client;
      if (client?.isRunning()) return client;
      if ((!client && this.serverState !== 'starting') || this.serverState === 'error' || this.serverState === 'stopped' || Date.now() > deadline) {
        throw new Error(`The Taskforce server is not running${this.serverState === 'error' ? ' (it failed; see "Taskforce: Show Server Output")' : ''}.`);
      }
      await new Promise<void>((resolve) => {
        const sub = this.onDidChangeState(() => {
          sub.dispose();
          resolve();
        });
        setTimeout(() => {
          sub.dispose();
          resolve();
        }, 250);
      });
    }
  }

  onNotification<M extends ClientNotificationMethod>(method: M, handler: (params: ClientNotifications[M]) => void): Disposable {
    let set = this.notificationHandlers.get(method);
    if (!set) {
      set = new Set();
      this.notificationHandlers.set(method, set);
      const handlers = set;
      this.client?.onNotification(method, (p: unknown) => handlers.forEach((h) => h(p as never)));
    }
    set.add(handler as AnyHandler);
    return { dispose: () => set.delete(handler as AnyHandler) };
  }

  onDidStart(handler: () => void): Disposable {
    this.startListeners.add(handler);
    return { dispose: () => this.startListeners.delete(handler) };
  }

  /** Tokens and cost (USD) of the running missions, shown in the status bar item. */
  setRunningUsage(tokens: number, costUsd: number): void {
    this.usage = { tokens, costUsd };
    this.setState(this.serverState);
  }

  private onStatus(p: ServerDidChangeStatusParams): void {
    this.lastStatus = p;
    this.setState(p.state, p.message);
  }

  private setState(state: ServerState, message?: string): void {
    this.serverState = state;
    const running = this.lastStatus?.runningMissions ?? 0;
    const workers = this.lastStatus?.runningWorkers ?? 0;
    const icon = { starting: '$(loading~spin)', ready: '$(hubot)', busy: '$(sync~spin)', error: '$(error)', stopped: '$(circle-slash)' }[state];
    const tokens = this.usage.tokens >= 1000 ? `${(this.usage.tokens / 1000).toFixed(1)}k` : String(this.usage.tokens);
    this.statusItem.text =
      state === 'busy'
        ? `${icon} Taskforce: ${running} mission${running === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'} · ${tokens} tokens · $${this.usage.costUsd.toFixed(2)}`
        : `${icon} Taskforce`;
    this.statusItem.tooltip = new vscode.MarkdownString(
      `**Taskforce server:** ${state}${this.lastStatus ? ` (pid ${this.lastStatus.pid})` : ''}\n\n${message ?? ''}\n\nClick to open Missions.`,
    );
    this.statusItem.backgroundColor = state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (message && state === 'error') this.output.error(message);
    this.stateListeners.forEach((l) => l(state));
  }

  dispose(): void {
    void this.stop();
    this.statusItem.dispose();
    this.output.dispose();
  }
}
