/**
 * JSON-RPC 2.0 between the Missions webview and the extension, over postMessage.
 *
 * The webview is the client for WebviewRequests and the server for
 * WebviewNotifications (the extension forwards server notifications as JSON-RPC
 * notifications). One `JSONRPCServerAndClient` does both; this module wraps it in
 * typed helpers so the rest of the webview never sees an untyped method name.
 */
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient } from 'json-rpc-2.0';
import type { WebviewNotifications, WebviewRequests } from '../protocol/protocol';

/** The part of VS Code's webview API the panel uses. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Method names the webview may request. */
export type WebviewRequestMethod = keyof WebviewRequests;
/** Method names the extension may notify the webview of. */
export type WebviewNotificationMethod = keyof WebviewNotifications;

/** Typed JSON-RPC endpoint of the webview. */
export interface PanelRpc {
  /** Sends a request to the extension and resolves with its result (rejects on a JSON-RPC error). */
  request<M extends WebviewRequestMethod>(
    method: M,
    params: WebviewRequests[M]['params'],
  ): Promise<WebviewRequests[M]['result']>;
  /** Registers the (single) handler of a notification from the extension. */
  onNotification<M extends WebviewNotificationMethod>(
    method: M,
    handler: (params: WebviewNotifications[M]) => void,
  ): void;
}

/**
 * Creates the endpoint over a VS Code webview API object and a window to listen on.
 * Messages that are not JSON-RPC (or not for us) are ignored.
 */
export function createPanelRpc(api: VsCodeApi, target: Window): PanelRpc {
  const endpoint = new JSONRPCServerAndClient(
    new JSONRPCServer(),
    new JSONRPCClient((payload: unknown) => {
      api.postMessage(payload);
    }),
  );
  target.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data;
    if (typeof data !== 'object' || data === null || (data as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
      return;
    }
    endpoint.receiveAndSend(data, undefined, undefined).catch((err: unknown) => {
      console.warn('[taskforce] bad message from extension', err);
    });
  });
  return {
    request(method, params) {
      return Promise.resolve(endpoint.request(method, params, undefined));
    },
    onNotification(method, handler) {
      endpoint.addMethod(method, (params: unknown) => {
        handler(params as WebviewNotifications[typeof method]);
        return null;
      });
    },
  };
}

/** Acquires the VS Code API (callable once per webview). */
export function vscodeApi(): VsCodeApi {
  return acquireVsCodeApi();
}
