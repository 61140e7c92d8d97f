/**
 * Spawns the Taskforce server (dist/server.js, beside this bundle) over stdio and gives
 * a typed JSON-RPC connection to it (vscode-jsonrpc, LSP base-protocol framing), after
 * the LSP-style initialize / initialized handshake.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type {
  ClientNotificationMethod,
  ClientNotifications,
  ServerInitializationOptions,
  ServerRequestMethod,
  ServerRequests,
} from '../protocol/protocol';

/** A running server and a typed connection to it. */
export interface ServerHandle {
  request<M extends ServerRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']>;
  onNotification<M extends ClientNotificationMethod>(method: M, handler: (p: ClientNotifications[M]) => void): void;
  /** Shuts the server down politely (shutdown + exit), killing it after 5 s. */
  close(): Promise<void>;
  readonly process: ChildProcess;
}

/** Finds dist/server.js: beside this bundle, or in the repository's dist/ when run from sources. */
export function serverModulePath(): string {
  const candidates = [path.join(__dirname, 'server.js'), path.join(__dirname, '..', 'dist', 'server.js')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`cannot find the Taskforce server bundle (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

/**
 * Starts the server and completes the initialize handshake.
 * @param options initialization options (database path, data folder).
 * @param stderr where the server's stderr goes (default: ignored; 'pipe' exposes it on `process.stderr`).
 * @param env the server's environment (default: this process's), where provider keys come from.
 * @throws Error when the server exits before answering initialize.
 */
export async function startServer(
  options: ServerInitializationOptions,
  stderr: 'inherit' | 'ignore' | 'pipe' = 'ignore',
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerHandle> {
  const child = spawn(process.execPath, [serverModulePath(), '--stdio'], { stdio: ['pipe', 'pipe', stderr], env });
  const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.listen();
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the Taskforce server exited (code ${code}, signal ${signal}) during start`))),
  );
  exited.catch(() => undefined);
  await Promise.race([
    connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: options }),
    exited,
  ]);
  await connection.sendNotification('initialized', {});
  return {
    process: child,
    request: (method, params) => connection.sendRequest(method, params),
    onNotification: (method, handler) => {
      connection.onNotification(method, handler);
    },
    close: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        /* already gone */
      }
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      clearTimeout(timer);
      connection.dispose();
    },
  };
}
