/**
 * The typed surface the rest of the extension uses to talk to the Taskforce server.
 * Implemented by TaskforceServer (extension/server.ts), which owns the language client.
 */
import type {
  ClientNotifications,
  ClientNotificationMethod,
  ServerRequests,
  ServerRequestMethod,
} from '../protocol/protocol';

export interface Disposable {
  dispose(): void;
}

export interface ServerApi {
  /**
   * Sends a request to the server and resolves with its result.
   * @throws Error when the server is not running or answers with a JSON-RPC error.
   */
  request<M extends ServerRequestMethod>(
    method: M,
    params: ServerRequests[M]['params'],
  ): Promise<ServerRequests[M]['result']>;
  /** Subscribes to a server notification. Survives server restarts. */
  onNotification<M extends ClientNotificationMethod>(
    method: M,
    handler: (params: ClientNotifications[M]) => void,
  ): Disposable;
  /** Fires after the server (re)started and answered its first request. */
  onDidStart(handler: () => void): Disposable;
}
