/**
 * What the buttons and boxes of a mission's view do: mission controls, change
 * decisions, chat messages to agents and per-worker controls, each sent to the
 * extension over JSON-RPC.
 */
import type { ChangeDecideParams } from '../protocol/protocol';
import { controlDoneText } from './controls';
import type { PanelRpc } from './rpc';
import { applyChanges, type MissionViewState } from './state';
import type { MissionViewActions } from './views/missionView';

/** What the actions need from the panel. */
export interface MissionActionsHost {
  rpc: PanelRpc;
  /** Runs a request, showing its error in the panel instead of throwing. */
  guard<T>(fn: () => Promise<T>): Promise<T | undefined>;
  announce(message: string): void;
  back(): void;
  /** The state of the mission if it is the one open. */
  openState(missionId: string): MissionViewState | null;
  /** Remembers the tasks the panel paused. */
  savePaused(missionId: string, paused: ReadonlySet<string>): void;
  /** Redraws parts of the mission view soon. */
  changed(parts: { plan?: boolean; changes?: boolean }): void;
  /** Renders an agent's transcript again soon. */
  requestRender(agentId: string): void;
}

/** The actions of one mission's view. */
export function missionActions(host: MissionActionsHost, missionId: string): MissionViewActions {
  const { rpc, guard } = host;
  return {
    back: () => host.back(),
    cancel: (id) => void guard(() => rpc.request('mission/cancel', { missionId: id })),
    pause: async (id) => {
      await guard(() => rpc.request('mission/pause', { missionId: id }));
    },
    resume: async (id) => {
      await guard(() => rpc.request('mission/resume', { missionId: id }));
    },
    open: (changeId) => void guard(() => rpc.request('change/open', { changeId })),
    accept: (ids) => void decide(host, 'change/accept', { missionId, changeIds: ids }),
    reject: (ids) => void decide(host, 'change/reject', { missionId, changeIds: ids }),
    sendMessage: async (agentId, text) => {
      const { delivery } = await rpc.request('agent/sendMessage', { missionId, agentId, text });
      return delivery;
    },
    control: async (taskId, control) => {
      await guard(async () => {
        const { ok } = await rpc.request(`task/${control}`, { missionId, taskId });
        host.announce(controlDoneText(control, taskId, ok));
        const s = host.openState(missionId);
        if (!s) return;
        // `ok: false` means nothing changed: after Pause the task is paused either way
        // (it already was), after Resume or Cancel it is not.
        if (control === 'pause') s.pausedTasks.add(taskId);
        else s.pausedTasks.delete(taskId);
        host.savePaused(missionId, s.pausedTasks);
        host.changed({ plan: true });
      });
    },
    requestRender: (agentId) => {
      if (host.openState(missionId)) host.requestRender(agentId);
    },
  };
}

/** Accepts or rejects changes and shows their new states. */
async function decide(host: MissionActionsHost, method: 'change/accept' | 'change/reject', params: ChangeDecideParams): Promise<void> {
  await host.guard(async () => {
    const r = await host.rpc.request(method, params);
    const s = host.openState(params.missionId);
    if (!s) return;
    applyChanges(s, r.changes);
    host.changed({ changes: true });
  });
}
