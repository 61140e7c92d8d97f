/**
 * The webview ⇄ extension half of the Taskforce protocol: JSON-RPC 2.0 (json-rpc-2.0)
 * over postMessage between the Missions webview and the extension, which routes most of
 * it to the server. Types only, like protocol.ts (which re-exports these).
 */
import type {
  AgentDidStreamParams,
  AgentSendMessageParams,
  AgentSendMessageResult,
  ChangeDecideParams,
  ChangeDecideResult,
  ChangeDidChangeParams,
  InboxDidChangeParams,
  InboxListParams,
  InboxListResult,
  InboxRespondParams,
  InboxRespondResult,
  MissionCancelParams,
  MissionCancelResult,
  MissionDidChangeParams,
  MissionEventsParams,
  MissionEventsResult,
  MissionGetParams,
  MissionGetResult,
  MissionListParams,
  MissionListResult,
  MissionPauseParams,
  MissionPauseResult,
  MissionResumeParams,
  MissionResumeResult,
  MissionStartResult,
  ProviderName,
  ServerState,
  TaskControlParams,
  TaskControlResult,
  TaskDidChangeParams,
} from './protocol';


/** Static facts the panel needs (sent by `panel/state`). */
export interface PanelState {
  serverState: ServerState;
  /** Provider new missions would use, and whether that is the replay. */
  provider: ProviderName;
  replaying: boolean;
  /** Why replay is in use, e.g. "No API key set: replaying the bundled demo cassette." */
  providerNote?: string;
}

/** Requests the webview sends to the extension. */
export interface WebviewRequests {
  'panel/state': { params: Record<string, never>; result: PanelState };
  'mission/start': { params: { goal: string }; result: MissionStartResult };
  'mission/list': { params: MissionListParams; result: MissionListResult };
  'mission/get': { params: MissionGetParams; result: MissionGetResult };
  'mission/cancel': { params: MissionCancelParams; result: MissionCancelResult };
  'mission/pause': { params: MissionPauseParams; result: MissionPauseResult };
  'mission/resume': { params: MissionResumeParams; result: MissionResumeResult };
  'mission/events': { params: MissionEventsParams; result: MissionEventsResult };
  /** Opens VS Code's diff editor for a change. */
  'change/open': { params: { changeId: number }; result: null };
  'change/accept': { params: ChangeDecideParams; result: ChangeDecideResult };
  'change/reject': { params: ChangeDecideParams; result: ChangeDecideResult };
  'inbox/list': { params: InboxListParams; result: InboxListResult };
  'inbox/respond': { params: InboxRespondParams; result: InboxRespondResult };
  'agent/sendMessage': { params: AgentSendMessageParams; result: AgentSendMessageResult };
  'task/pause': { params: TaskControlParams; result: TaskControlResult };
  'task/resume': { params: TaskControlParams; result: TaskControlResult };
  'task/cancel': { params: TaskControlParams; result: TaskControlResult };
  /** Opens an external link after asking the user (links in model text). */
  'link/open': { params: { href: string }; result: null };
}

/** Notifications the extension forwards to the webview. */
export interface WebviewNotifications {
  'mission/didChange': MissionDidChangeParams;
  'task/didChange': TaskDidChangeParams;
  'agent/didStream': AgentDidStreamParams;
  'change/didChange': ChangeDidChangeParams;
  'panel/didChangeState': PanelState;
  'inbox/didChange': InboxDidChangeParams;
  /** Ask the panel to show a mission (after `Taskforce: Start Mission`). */
  'panel/showMission': { missionId: string };
  /** Ask the panel to show an inbox item (from a notification's action). */
  'panel/showInboxItem': { itemId: number; missionId: string };
}
