/**
 * The Taskforce server process. It speaks JSON-RPC 2.0 with the LSP base protocol
 * framing (vscode-languageserver): over Node IPC when the extension starts it through
 * vscode-languageclient (`--node-ipc`), or over stdio for the headless CLI (`--stdio`).
 *
 * It never imports `vscode`: whatever it needs from the editor is a request in
 * protocol/protocol.ts that the client answers.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import { createConnection, ProposedFeatures, ResponseError, ErrorCodes } from 'vscode-languageserver/node';
import type {
  ClientNotificationMethod,
  ClientNotifications,
  ServerInitializationOptions,
  ServerRequestMethod,
  ServerRequests,
} from '../protocol/protocol';
import { Db } from './store/db';
import { Store } from './store/store';
import { MissionEngine } from './engine/missionEngine';
import type { Notifier } from './engine/notifier';
import { registerHandlers } from './handlers';
import { InboxStore } from './store/inbox';
import { Inbox } from './engine/inbox';

const connection = createConnection(ProposedFeatures.all);
let engine: MissionEngine | undefined;
let store: Store | undefined;

function notify<M extends ClientNotificationMethod>(method: M, params: ClientNotifications[M]): void {
  connection.sendNotification(method, params);
}

function sendStatus(): void {
  const running = engine?.runningCount ?? 0;
  notify('server/didChangeStatus', {
    state: running > 0 ? 'busy' : 'ready',
    runningMissions: running,
    runningWorkers: engine?.runningWorkers ?? 0,
    pid: process.pid,
  });
}

const notifier: Notifier = {
  mission: (mission) => notify('mission/didChange', { mission }),
  task: (task) => notify('task/didChange', { task }),
  agentEvent: (event, role) =>
    notify('agent/didStream', { missionId: event.missionId, agentId: event.agentId ?? '', taskId: event.taskId, role, kind: 'event', event }),
  agentDelta: (missionId, agentId, taskId, role, delta) =>
    notify('agent/didStream', { missionId, agentId, taskId, role, kind: 'delta', delta }),
  changes: (missionId, changes) => notify('change/didChange', { missionId, changes }),
  inbox: (item) => notify('inbox/didChange', { item }),
};

connection.onInitialize(async (params) => {
  const opts = (params.initializationOptions ?? {}) as Partial<ServerInitializationOptions>;
  const dataDir = opts.dataDir ?? path.join(os.tmpdir(), 'taskforce');
  const db = await Db.open(opts.dbPath === undefined ? path.join(dataDir, 'taskforce.db') : opts.dbPath);
  store = new Store(db);
  const inboxStore = new InboxStore(db);
  const inbox = new Inbox(inboxStore, (item) => notifier.inbox(item));
  engine = new MissionEngine({ store, notifier, dataDir, env: process.env, inbox });
  engine.onRunningChanged = sendStatus;
  registerHandlers(
    <M extends ServerRequestMethod>(method: M, fn: (p: ServerRequests[M]['params']) => Promise<ServerRequests[M]['result']> | ServerRequests[M]['result']) =>
      connection.onRequest(method, async (p: ServerRequests[M]['params']) => {
        try {
          return await fn(p ?? ({} as ServerRequests[M]['params']));
        } catch (err) {
          if (err instanceof ResponseError) throw err;
          throw new ResponseError(ErrorCodes.InternalError, (err as Error).message);
        }
      }),
    store,
    engine,
    { store: inboxStore, inbox },
    (missionId) => {
      notifier.changes(missionId, store!.listChanges(missionId));
      const m = store!.getSummary(missionId);
      if (m) notifier.mission(m);
    },
  );
  return { capabilities: {}, serverInfo: { name: 'taskforce-server', version: '0.1.0' } };
});

connection.onInitialized(() => sendStatus());

connection.onShutdown(async () => {
  await engine?.stopAll();
  store?.db.close();
});

process.on('exit', () => {
  try {
    store?.db.close();
  } catch {
    /* already closed */
  }
});

connection.listen();
