/**
 * What the engine tells its client as things happen. The server implements it with
 * JSON-RPC notifications (mission/didChange, task/didChange, agent/didStream,
 * change/didChange); the client asks back with requests for approvals and questions.
 */
import type {
  AgentRole,
  ApprovalRequestParams,
  ApprovalRequestResult,
  ChangeInfo,
  MissionEvent,
  MissionSummary,
  TaskInfo,
  UserAskParams,
  UserAskResult,
} from '../../protocol/protocol';

export interface Notifier {
  mission(mission: MissionSummary): void;
  task(task: TaskInfo): void;
  /** A stored event of an agent's transcript. */
  agentEvent(event: MissionEvent, role: AgentRole): void;
  /** A streamed piece of assistant text (not stored until the turn ends). */
  agentDelta(missionId: string, agentId: string, taskId: string | null, role: AgentRole, delta: string): void;
  changes(missionId: string, changes: ChangeInfo[]): void;
  /** Asks the client to approve a command; resolves with the decision. */
  requestApproval(params: ApprovalRequestParams): Promise<ApprovalRequestResult>;
  /** Asks the client's user a question. */
  askUser(params: UserAskParams): Promise<UserAskResult>;
}
