/**
 * Taskforce's VS Code entry point: a thin router. It starts the server (TaskforceServer),
 * registers the Missions WebviewView, the diff review (Agent Changes tree, proposed
 * content, accept/reject) and the palette commands, and wires them to each other.
 */
import * as vscode from 'vscode';
import { TaskforceServer } from './server';
import { TaskforceConfig } from './config';
import { MissionsViewProvider } from './missionsView';
import { registerReview } from './review';
import { registerCommands, startMission } from './commands';
import { registerInboxNotifications } from './inbox';
import { registerMissionProgress } from './missionProgress';

let server: TaskforceServer | undefined;

/** Activates the extension. Logs its own duration (ms) for `npm run bench`. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = performance.now();
  const config = new TaskforceConfig(context);
  await config.loadKeys();
  server = new TaskforceServer(context, async () => config.serverEnv());
  context.subscriptions.push(server);
  const srv = server;

  const review = registerReview(context, srv);
  const listeners = new Set<(s: ReturnType<TaskforceConfig['panelState']>) => void>();
  const publishPanelState = () => listeners.forEach((l) => l(config.panelState(srv.state)));
  srv.onDidChangeState(publishPanelState);
  context.subscriptions.push(config.onDidChange(publishPanelState));

  const missions = new MissionsViewProvider(context, {
    server: srv,
    panelState: () => config.panelState(srv.state),
    onDidChangePanelState: (handler) => {
      listeners.add(handler);
      return { dispose: () => listeners.delete(handler) };
    },
    startMission: async (goal) => {
      const missionId = await startMission(srv, config, goal);
      if (!missionId) throw new Error('Open a folder first: missions work on a workspace folder.');
      return { missionId };
    },
    openChange: (changeId) => review.openChange(changeId),
    acceptChanges: (p) => review.acceptChanges(p),
    rejectChanges: (p) => review.rejectChanges(p),
  });
  context.subscriptions.push(
    missions,
    vscode.window.registerWebviewViewProvider(MissionsViewProvider.viewType, missions, { webviewOptions: { retainContextWhenHidden: true } }),
  );
  registerCommands(context, srv, config, missions);
  registerInboxNotifications(context, srv, (item) => missions.showInboxItem(item.id, item.missionId));
  registerMissionProgress(context, srv, review);

  // Start the server without holding up activation; failures show in the output channel.
  srv.start().catch((err: Error) => {
    srv.output.error(`The Taskforce server failed to start: ${err.message}`);
    void vscode.window.showErrorMessage(`Taskforce: the server failed to start. ${err.message}`, 'Show Output').then((c) => {
      if (c) srv.output.show(true);
    });
  });
  srv.output.info(`activate() took ${(performance.now() - started).toFixed(1)} ms`);
}

/** Stops the server. */
export async function deactivate(): Promise<void> {
  await server?.stop();
}
