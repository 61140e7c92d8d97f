/**
 * Palette commands that are not part of diff review: start, open and cancel missions,
 * set an API key, show the server output, restart the server.
 */
import * as vscode from 'vscode';
import type { MissionSummary } from '../protocol/protocol';
import type { TaskforceServer } from './server';
import type { TaskforceConfig } from './config';
import type { MissionsViewProvider } from './missionsView';

/** Picks the workspace folder a mission works on; undefined when there is none or the user cancels. */
async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder the mission works on' });
}

/** Starts a mission on the workspace and returns its id (undefined without a folder). */
export async function startMission(server: TaskforceServer, config: TaskforceConfig, goal: string): Promise<string | undefined> {
  const folder = await pickFolder();
  if (!folder) {
    void vscode.window.showErrorMessage('Taskforce: open a folder first; missions work on a workspace folder.');
    return undefined;
  }
  const { missionId } = await server.request('mission/start', { goal, workspaceRoot: folder.uri.fsPath, config: config.missionConfig() });
  return missionId;
}

async function pickRunningMission(server: TaskforceServer): Promise<MissionSummary | undefined> {
  const { missions } = await server.request('mission/list', {});
  const running = missions.filter((m) => ['planning', 'running', 'paused', 'awaiting_plan_approval'].includes(m.state));
  if (running.length === 0) {
    void vscode.window.showInformationMessage('Taskforce: no mission is running.');
    return undefined;
  }
  if (running.length === 1) return running[0];
  const pick = await vscode.window.showQuickPick(
    running.map((m) => ({ label: m.goal.split('\n')[0], description: m.state, mission: m })),
    { placeHolder: 'Mission to cancel' },
  );
  return pick?.mission;
}

/** Registers the commands and the server → client request handlers. */
export function registerCommands(
  context: vscode.ExtensionContext,
  server: TaskforceServer,
  config: TaskforceConfig,
  missions: MissionsViewProvider,
): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('taskforce.startMission', async () => {
    const goal = await vscode.window.showInputBox({
      title: 'Taskforce: Start Mission',
      prompt: 'What should the team do?',
      placeHolder: 'e.g. Add rate limiting to the API, with tests',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Describe the mission'),
    });
    if (!goal?.trim()) return;
    try {
      const id = await startMission(server, config, goal.trim());
      if (id) await missions.showMission(id);
    } catch (err) {
      void vscode.window.showErrorMessage(`Taskforce: could not start the mission: ${(err as Error).message}`);
    }
  });
  reg('taskforce.openMissions', () => vscode.commands.executeCommand('taskforce.missions.focus'));
  reg('taskforce.cancelMission', async (arg) => {
    const id = typeof arg === 'string' ? arg : (await pickRunningMission(server))?.id;
    if (!id) return;
    const { cancelled } = await server.request('mission/cancel', { missionId: id });
    void vscode.window.showInformationMessage(cancelled ? 'Taskforce: mission cancelled.' : 'Taskforce: the mission was not running.');
  });
  reg('taskforce.setApiKey', async () => {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'OpenAI', description: 'or an OpenAI-compatible endpoint', provider: 'openai' as const },
        { label: 'Anthropic', provider: 'anthropic' as const },
      ],
      { placeHolder: 'Provider of the API key' },
    );
    if (!pick) return;
    const key = await vscode.window.showInputBox({
      title: `Taskforce: ${pick.label} API key`,
      prompt: 'Stored in VS Code SecretStorage. Leave empty to remove the stored key.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    await config.setKey(pick.provider, key.trim());
    await server.restart();
    void vscode.window.showInformationMessage(key.trim() ? `Taskforce: ${pick.label} key stored.` : `Taskforce: ${pick.label} key removed.`);
  });
  reg('taskforce.showServerOutput', () => server.output.show(true));
  reg('taskforce.restartServer', () => server.restart());
}
