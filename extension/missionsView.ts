/**
 * The "Missions" WebviewView (side panel). The extension side is a thin router: a
 * json-rpc-2.0 endpoint over `webview.postMessage` / `onDidReceiveMessage` that maps
 * each WebviewRequests method to a server request or an editor action, and forwards
 * the server's notifications to the webview. Rendering lives in webview/.
 *
 * Follows VS Code's webview-view sample: scripts enabled, resources limited to dist/
 * and media/, a strict Content-Security-Policy with a fresh nonce per render.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  createJSONRPCNotification,
  JSONRPCClient,
  JSONRPCErrorCode,
  JSONRPCErrorException,
  JSONRPCServer,
  JSONRPCServerAndClient,
} from 'json-rpc-2.0';
import type {
  ChangeDecideParams,
  ChangeDecideResult,
  InboxResponse,
  MissionStartResult,
  PanelState,
  WebviewNotifications,
  WebviewRequests,
} from '../protocol/protocol';
import type { Disposable, ServerApi } from './serverApi';

/** What the Missions view needs from the rest of the extension. */
export interface MissionsViewDeps {
  server: ServerApi;
  /** Current provider and server facts for the panel. */
  panelState(): PanelState;
  onDidChangePanelState(handler: (s: PanelState) => void): Disposable;
  /** Builds the mission config and calls the server. */
  startMission(goal: string): Promise<MissionStartResult>;
  /** Opens VS Code's diff editor for a change. */
  openChange(changeId: number): Promise<void>;
  /** Applies accepted changes with a WorkspaceEdit and records the decision. */
  acceptChanges(p: ChangeDecideParams): Promise<ChangeDecideResult>;
  rejectChanges(p: ChangeDecideParams): Promise<ChangeDecideResult>;
}

/** Longest goal accepted from the webview (characters). */
const MAX_GOAL = 20_000;
/** Largest `mission/events` page the webview may ask for. */
const MAX_EVENTS_LIMIT = 5_000;

type Handlers = {
  [M in keyof WebviewRequests]: (params: unknown) => Promise<WebviewRequests[M]['result']>;
};

/** Provides the Missions webview view and routes its JSON-RPC traffic. */
export class MissionsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  /** View id, as contributed in package.json. */
  static readonly viewType = 'taskforce.missions';

  private view: vscode.WebviewView | undefined;
  private endpoint: JSONRPCServerAndClient | undefined;
  /** The webview's script has sent a message since it was (re)loaded. */
  private ready = false;
  /** A mission to show once the webview can take it. */
  private pendingShow: string | null = null;
  /** An inbox item to show once the webview can take it. */
  private pendingInboxItem: WebviewNotifications['panel/showInboxItem'] | null = null;
  private readonly subscriptions: Disposable[] = [];
  private viewSubscriptions: vscode.Disposable[] = [];

  private readonly extensionUri: vscode.Uri;

  /**
   * @param context the extension context (only its `extensionUri` is used, to load
   *   dist/ and media/ resources)
   * @param deps the server and editor actions the view routes to
   */
  constructor(
    context: Pick<vscode.ExtensionContext, 'extensionUri'>,
    private readonly deps: MissionsViewDeps,
  ) {
    this.extensionUri = context.extensionUri;
    // Server notifications the webview takes as they are.
    const server = deps.server;
    this.subscriptions.push(
      server.onNotification('mission/didChange', (p) => this.notify('mission/didChange', p)),
      server.onNotification('task/didChange', (p) => this.notify('task/didChange', p)),
      server.onNotification('agent/didStream', (p) => this.notify('agent/didStream', p)),
      server.onNotification('change/didChange', (p) => this.notify('change/didChange', p)),
      server.onNotification('inbox/didChange', (p) => this.notify('inbox/didChange', p)),
    );
    this.subscriptions.push(deps.onDidChangePanelState((s) => this.notify('panel/didChangeState', s)));
  }

  /** Called by VS Code when the view first becomes visible. */
  resolveWebviewView(
    webviewView: vscode.WebviewView,
    _context: vscode.WebviewViewResolveContext,
    _token: vscode.CancellationToken,
  ): void {
    this.disposeView();
    this.view = webviewView;
    this.ready = false;
    const webview = webviewView.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
      ],
    };
    const endpoint = this.createEndpoint(webview);
    this.endpoint = endpoint;
    this.viewSubscriptions.push(
      webview.onDidReceiveMessage((msg: unknown) => {
        // Any message means the webview's script is running (it asks for panel/state first).
        this.ready = true;
        this.receive(endpoint, msg);
        void this.flushPendingShow();
        void this.flushPendingInboxItem();
      }),
      webviewView.onDidChangeVisibility(() => {
        if (webviewView.visible) void this.flushPendingShow();
        if (webviewView.visible) void this.flushPendingInboxItem();
      }),
      webviewView.onDidDispose(() => {
        if (this.view === webviewView) {
          this.view = undefined;
          this.endpoint = undefined;
          this.ready = false;
        }
        this.disposeView();
      }),
    );
    webview.html = this.html(webview);
  }

  /**
   * Shows a mission in the panel: reveals the view (keeping focus where it is unless
   * `focus` is asked) and posts `panel/showMission`, queued until the webview is ready.
   */
  async showMission(missionId: string, options: { focus?: boolean } = {}): Promise<void> {
    const preserveFocus = !options.focus;
    this.pendingShow = missionId;
    if (this.view) {
      this.view.show(preserveFocus);
    } else {
      // Not resolved yet: the view's generated focus command opens it; with
      // preserveFocus it does not move focus (VS Code's openView(id, focus=false)).
      await vscode.commands.executeCommand(`${MissionsViewProvider.viewType}.focus`, { preserveFocus });
    }
    await this.flushPendingShow();
  }

  /**
   * Shows an inbox item in the panel (from a notification's action): reveals the view,
   * focusing it unless `focus: false` (the user clicked, so by default they asked), and
   * posts `panel/showInboxItem`, queued until the webview is ready. The panel scrolls to
   * the item and focuses it.
   */
  async showInboxItem(itemId: number, missionId: string, options: { focus?: boolean } = {}): Promise<void> {
    const preserveFocus = options.focus === false;
    this.pendingInboxItem = { itemId, missionId };
    if (this.view) {
      this.view.show(preserveFocus);
    } else {
      await vscode.commands.executeCommand(`${MissionsViewProvider.viewType}.focus`, { preserveFocus });
    }
    await this.flushPendingInboxItem();
  }

  /** Stops forwarding notifications and releases the view. */
  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
    this.disposeView();
    this.view = undefined;
    this.endpoint = undefined;
  }

  // ───────────────────────────── routing ─────────────────────────────

  private createEndpoint(webview: vscode.Webview): JSONRPCServerAndClient {
    const endpoint = new JSONRPCServerAndClient(
      // Failed requests go back to the webview as JSON-RPC errors; log one line only.
      new JSONRPCServer({ errorListener: (message, data) => console.warn(`[taskforce] ${message} ${errorText(data)}`) }),
      new JSONRPCClient((payload: unknown) => {
        webview.postMessage(payload).then(undefined, () => undefined);
      }),
    );
    const handlers = this.handlers();
    for (const method of Object.keys(handlers) as (keyof Handlers)[]) {
      const handler = handlers[method] as (params: unknown) => Promise<unknown>;
      endpoint.addMethod(method, (params: unknown) => handler(params));
    }
    return endpoint;
  }

  private handlers(): Handlers {
    const deps = this.deps;
    const server = deps.server;
    return {
      'panel/state': async () => deps.panelState(),
      'mission/start': async (p) => {
        const goal = requireString(p, 'goal', MAX_GOAL).trim();
        if (goal === '') invalid('goal must not be empty');
        return deps.startMission(goal);
      },
      'mission/list': async () => server.request('mission/list', {}),
      'mission/get': async (p) => server.request('mission/get', { missionId: requireString(p, 'missionId') }),
      'mission/cancel': async (p) => server.request('mission/cancel', { missionId: requireString(p, 'missionId') }),
      'mission/pause': async (p) => server.request('mission/pause', { missionId: requireString(p, 'missionId') }),
      'mission/resume': async (p) => server.request('mission/resume', { missionId: requireString(p, 'missionId') }),
      'mission/events': async (p) => {
        const missionId = requireString(p, 'missionId');
        const afterSeq = optionalInt(p, 'afterSeq', 0, Number.MAX_SAFE_INTEGER);
        const limit = optionalInt(p, 'limit', 1, MAX_EVENTS_LIMIT);
        const agentId = optionalString(p, 'agentId');
        return server.request('mission/events', { missionId, afterSeq, limit, agentId });
      },
      'change/open': async (p) => {
        await deps.openChange(requireInt(p, 'changeId'));
        return null;
      },
      'change/accept': async (p) => deps.acceptChanges(decideParams(p)),
      'change/reject': async (p) => deps.rejectChanges(decideParams(p)),
      'inbox/list': async (p) => server.request('inbox/list', { missionId: optionalString(p, 'missionId'), openOnly: field(p, 'openOnly') === true }),
      'inbox/respond': async (p) => server.request('inbox/respond', { itemId: requireInt(p, 'itemId'), response: inboxResponse(field(p, 'response')) }),
      'agent/sendMessage': async (p) =>
        server.request('agent/sendMessage', {
          missionId: requireString(p, 'missionId'),
          agentId: requireString(p, 'agentId'),
          text: requireString(p, 'text', MAX_GOAL),
        }),
      'task/pause': async (p) => server.request('task/pause', taskParams(p)),
      'task/resume': async (p) => server.request('task/resume', taskParams(p)),
      'task/cancel': async (p) => server.request('task/cancel', taskParams(p)),
      'link/open': async (p) => {
        await openLink(requireString(p, 'href', 4000));
        return null;
      },
    };
  }

  private receive(endpoint: JSONRPCServerAndClient, msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return;
    endpoint.receiveAndSend(msg, undefined, undefined).catch((err: unknown) => {
      console.warn('[taskforce] bad message from the Missions webview:', err);
    });
  }

  /** Forwards a notification to the webview, if there is one (never reveals or focuses it). */
  private notify<M extends keyof WebviewNotifications>(method: M, params: WebviewNotifications[M]): void {
    if (!this.view || !this.endpoint) return;
    this.endpoint.notify(method, params, undefined);
  }

  private async flushPendingShow(): Promise<void> {
    const missionId = this.pendingShow;
    if (missionId === null || !this.view || !this.ready) return;
    this.pendingShow = null;
    const delivered = await this.view.webview.postMessage(
      createJSONRPCNotification('panel/showMission', { missionId } satisfies WebviewNotifications['panel/showMission']),
    );
    // Not delivered (a hidden webview being reloaded): the reloaded script's first
    // message flushes it again, unless another mission was asked for meanwhile.
    if (!delivered && this.pendingShow === null) this.pendingShow = missionId;
  }

  private async flushPendingInboxItem(): Promise<void> {
    const item = this.pendingInboxItem;
    if (item === null || !this.view || !this.ready) return;
    this.pendingInboxItem = null;
    const delivered = await this.view.webview.postMessage(
      createJSONRPCNotification('panel/showInboxItem', item satisfies WebviewNotifications['panel/showInboxItem']),
    );
    if (!delivered && this.pendingInboxItem === null) this.pendingInboxItem = item;
  }

  private disposeView(): void {
    for (const d of this.viewSubscriptions.splice(0)) d.dispose();
  }

  // ───────────────────────────── HTML ─────────────────────────────

  private html(webview: vscode.Webview): string {
    const uri = (...segments: string[]): string =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...segments)).toString();
    const nonce = randomBytes(16).toString('base64');
    // vscode-elements (Lit) styles its components with constructable stylesheets
    // (adoptedStyleSheets), which style-src does not restrict, and sets inline styles
    // only through the CSSOM, which CSP allows; so no 'unsafe-inline' is needed.
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link id="vscode-codicon-stylesheet" rel="stylesheet" nonce="${nonce}" href="${uri('dist', 'media', 'codicon.css')}">
  <link rel="stylesheet" nonce="${nonce}" href="${uri('media', 'webview.css')}">
  <link rel="stylesheet" nonce="${nonce}" href="${uri('media', 'inbox.css')}">
  <link rel="stylesheet" nonce="${nonce}" href="${uri('media', 'transcript.css')}">
  <title>Missions</title>
</head>
<body>
  <main id="root" aria-label="Taskforce missions"></main>
  <script nonce="${nonce}" src="${uri('dist', 'webview.js')}"></script>
</body>
</html>`;
  }
}

// ───────────────────────────── validation ─────────────────────────────

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function invalid(message: string): never {
  throw new JSONRPCErrorException(`Invalid params: ${message}`, JSONRPCErrorCode.InvalidParams);
}

function field(p: unknown, key: string): unknown {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) invalid('params must be an object');
  return (p as Record<string, unknown>)[key];
}

function taskParams(p: unknown): { missionId: string; taskId: string } {
  return { missionId: requireString(p, 'missionId'), taskId: requireString(p, 'taskId') };
}

/** Checks an inbox response: only the known fields, with their types. */
function inboxResponse(r: unknown): InboxResponse {
  if (typeof r !== 'object' || r === null) invalid('response must be an object');
  const out: InboxResponse = {};
  const approved = field(r, 'approved');
  if (approved !== undefined) {
    if (typeof approved !== 'boolean') invalid('response.approved must be a boolean');
    out.approved = approved;
  }
  const answer = field(r, 'answer');
  if (answer !== undefined) {
    if (answer !== null && typeof answer !== 'string') invalid('response.answer must be a string or null');
    out.answer = answer === null ? null : answer.slice(0, MAX_GOAL);
  }
  const reason = optionalString(r, 'reason');
  if (reason !== undefined) out.reason = reason.slice(0, 2000);
  return out;
}

/**
 * Opens a link from model text: only http(s) and mailto, and only after the user
 * confirms in a modal that names the full address.
 */
async function openLink(href: string): Promise<void> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(href, true);
  } catch {
    invalid(`not a link: ${href}`);
  }
  if (!['http', 'https', 'mailto'].includes(uri.scheme)) invalid(`links with scheme "${uri.scheme}" are not opened`);
  const choice = await vscode.window.showWarningMessage(`Open this link from the transcript?\n${uri.toString(true)}`, { modal: true }, 'Open');
  if (choice === 'Open') await vscode.env.openExternal(uri);
}

function requireString(p: unknown, key: string, maxLength = 200): string {
  const v = field(p, key);
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) {
    invalid(`${key} must be a non-empty string of at most ${maxLength} characters`);
  }
  return v;
}

function optionalString(p: unknown, key: string): string | undefined {
  return field(p, key) === undefined ? undefined : requireString(p, key);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function requireInt(p: unknown, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = field(p, key);
  if (!isInt(v, min, max)) invalid(`${key} must be an integer in [${min}, ${max}]`);
  return v;
}

function optionalInt(p: unknown, key: string, min: number, max: number): number | undefined {
  return field(p, key) === undefined ? undefined : requireInt(p, key, min, max);
}

function decideParams(p: unknown): ChangeDecideParams {
  const missionId = requireString(p, 'missionId');
  const ids = field(p, 'changeIds');
  if (ids === undefined) return { missionId };
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => isInt(id, 0, Number.MAX_SAFE_INTEGER))) {
    invalid('changeIds must be a non-empty array of integers');
  }
  return { missionId, changeIds: ids as number[] };
}
