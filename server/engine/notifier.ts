/**
 * What the engine tells its client as things happen. The server implements it with
 * JSON-RPC notifications (mission/didChange, task/didChange, agent/didStream,
 * change/didChange, inbox/didChange). The client answers inbox items with inbox/respond.
 */
import type {
  AgentRole,
  ChangeInfo,
  InboxItem,
  MissionEvent,
  MissionSummary,
  TaskInfo,
} from '../../protocol/protocol';

export interface Notifier {
  mission(mission: MissionSummary): void;
  task(task: TaskInfo): void;
  /** A stored event of an agent's transcript. */
  agentEvent(event: MissionEvent, role: AgentRole): void;
  /** A streamed piece of assistant text (not stored until the turn ends). */
  agentDelta(missionId: string, agentId: string, taskId: string | null, role: AgentRole, delta: string): void;
  changes(missionId: string, changes: ChangeInfo[]): void;
  /** An inbox item opened or answered. */
  inbox(item: InboxItem): void;
}
