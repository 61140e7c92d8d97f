/**
 * The Taskforce protocol: every method name and payload that crosses a boundary.
 *
 *   extension ⇄ server   JSON-RPC 2.0 over vscode-languageclient (IPC) or stdio (CLI)
 *   webview  ⇄ extension JSON-RPC 2.0 (json-rpc-2.0) over postMessage
 *
 * Types only: this module holds no logic and imports nothing, so the extension, the
 * server, the CLI and the webview can all import it. Method names follow LSP's
 * `namespace/verb` convention; payloads are named `XParams` / `XResult` as in
 * vscode-eslint's shared protocol file.
 *
 * Times are epoch milliseconds (ms) unless a name says otherwise. Token counts are
 * provider-reported tokens. Costs are USD.
 */

// ───────────────────────────── domain ─────────────────────────────

/** Lifecycle of a mission (see docs/design: "Mission lifecycle"). */
export type MissionState =
  | 'draft'
  | 'planning'
  | 'awaiting_plan_approval'
  | 'running'
  | 'paused'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'stopped_budget'
  | 'interrupted';

/** Mission states after which nothing more runs. */
export type TerminalMissionState = 'completed' | 'failed' | 'cancelled' | 'stopped_budget';

/** Lifecycle of one task of the plan. */
export type TaskState =
  | 'pending'
  | 'ready'
  | 'running'
  | 'awaiting_input'
  | 'awaiting_approval'
  | 'done'
  | 'failed'
  | 'skipped';

/** Built-in agent roles. The planner makes the plan; the others carry out tasks. */
export type AgentRole = 'planner' | 'coder' | 'tester' | 'reviewer' | 'docs';
/** Roles a task of the plan may carry. */
export type WorkerRole = Exclude<AgentRole, 'planner'>;

/** Model providers. `replay` serves a cassette over a loopback HTTP server. */
export type ProviderName = 'openai' | 'anthropic' | 'replay';
/** Which wire format the replay provider's SDK client speaks. */
export type ReplayWireFormat = 'openai' | 'anthropic';

/** One task as the planner writes it (validated against server/engine/plan-schema). */
export interface PlanTask {
  /** Plan-local id, e.g. "t1". Unique within the plan; cassettes key task agents by it. */
  id: string;
  title: string;
  role: WorkerRole;
  instructions: string;
  /** Plain-language acceptance criteria. */
  acceptance: string[];
  /** Ids of tasks that must be done first. */
  dependsOn: string[];
  /**
   * Expected write-set: workspace-relative path globs (picomatch syntax) the task may
   * change. Tasks that could run at the same time with overlapping write-sets are
   * ordered by an added dependency. Empty: the task writes nothing (e.g. a reviewer).
   */
  writeSet: string[];
  /** Check commands that must exit 0 in the task's sandbox before it counts as done. */
  checks?: string[];
}

/** The planner's output: a task graph. */
export interface Plan {
  summary: string;
  tasks: PlanTask[];
}

/** Report a worker hands back through finish_task. */
export interface TaskReport {
  summary: string;
  filesChanged: string[];
  commands: { command: string; exitCode: number | null }[];
  openQuestions: string[];
}

/** Token and cost totals. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  /** USD; 0 when the model has no known price (replay, local models). */
  costUsd: number;
  /** Number of model calls. */
  calls: number;
}

export interface MissionSummary {
  id: string;
  goal: string;
  state: MissionState;
  workspaceRoot: string;
  provider: ProviderName;
  /** True when the mission runs on the replay provider (the panel says so). */
  replaying: boolean;
  createdAt: number;
  updatedAt: number;
  /** Failure or cancellation reason, when there is one. */
  error?: string;
  usage: UsageTotals;
  /** Count of proposed changes still waiting for a decision. */
  pendingChanges: number;
  policy: PolicyName;
  /** Autonomous missions only: changes whose checks passed are applied without review. */
  autoApply: boolean;
}

/** The result of one check command run in a task's sandbox: the evidence a task is done. */
export interface Evidence {
  /** Attempt of the task the check ran for (1-based). */
  attempt: number;
  command: string;
  /** Null when the command did not run to an exit (timeout, denied, cancelled). */
  exitCode: number | null;
  durationMs: number;
  /** The last lines of combined stdout/stderr (at most ~40 lines). */
  outputTail: string;
  passed: boolean;
  ts: number;
}

/** Why the engine added a dependency the planner did not write. */
export interface AddedDependency {
  /** The task that now runs first. */
  dependsOn: string;
  /** e.g. "write-sets overlap: src/** and src/a.js". */
  reason: string;
}

/** What a task is for: planned work, or resolving a merge conflict of another task. */
export type TaskKind = 'work' | 'resolve_conflict';

export interface TaskInfo {
  missionId: string;
  id: string;
  title: string;
  role: WorkerRole;
  kind: TaskKind;
  instructions: string;
  acceptance: string[];
  /** All dependencies, including the ones the engine added. */
  dependsOn: string[];
  /** Dependencies the engine added (overlapping write-sets, conflict resolution). */
  addedDependsOn: AddedDependency[];
  writeSet: string[];
  checks: string[];
  /** Check results, oldest first. */
  evidence: Evidence[];
  state: TaskState;
  /** Agent carrying the task out, once started. */
  agentId?: string;
  attempts: number;
  report?: TaskReport;
  error?: string;
  startedAt?: number;
  endedAt?: number;
}

export interface AgentInfo {
  id: string;
  missionId: string;
  /** Null for the planner. */
  taskId: string | null;
  role: AgentRole;
  provider: ProviderName;
  model: string;
  usage: UsageTotals;
}

/** Kinds of transcript events. */
export type EventKind =
  | 'text' // assistant text of one turn (complete)
  | 'tool_call' // the model asked for a tool
  | 'tool_result' // the observation returned to the model
  | 'turn' // a completed model turn, with timing
  | 'state' // a mission or task state transition
  | 'error'
  | 'info'
  | 'user_message'; // a message the user sent the agent (chat, steering)

/** One stored step of a mission. `seq` is the mission-wide order. */
export interface MissionEvent {
  seq: number;
  missionId: string;
  agentId: string | null;
  taskId: string | null;
  kind: EventKind;
  ts: number;
  /** Human-readable text: the assistant text, the tool result, the message. */
  text: string;
  /** Tool name for tool_call / tool_result. */
  tool?: string;
  /** Provider-assigned tool call id. */
  toolCallId?: string;
  /** Tool arguments as sent by the model (JSON text) for tool_call. */
  args?: string;
  /** For tool_result: false when the tool refused or failed. */
  ok?: boolean;
  /** For turn: total turn time and the part spent waiting for the model (ms). */
  turnMs?: number;
  modelMs?: number;
}

export type ChangeKind = 'add' | 'modify' | 'delete';
export type ChangeState = 'pending' | 'accepted' | 'rejected';

/** The user's decision on one hunk. `conflicting`: it no longer applies to the user's current text. */
export type HunkState = 'pending' | 'accepted' | 'rejected' | 'conflicting';

/** One hunk of a change, as produced by the `diff` library (unified-diff line numbers, 1-based). */
export interface HunkInfo {
  index: number;
  state: HunkState;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Lines prefixed with ' ', '+' or '-' (unified diff body). */
  lines: string[];
}

/** A proposed change to one file: the base agents started from and the proposal. */
export interface ChangeInfo {
  id: number;
  missionId: string;
  /** Workspace-relative path with forward slashes. */
  path: string;
  kind: ChangeKind;
  state: ChangeState;
  added: number;
  removed: number;
}

export interface ChangeDetail extends ChangeInfo {
  /** Null for an added file. */
  baseContent: string | null;
  /** Null for a deleted file. */
  proposedContent: string | null;
  hunks: HunkInfo[];
}

/** How much a mission may do without asking (see README, "Policies"). */
export type PolicyName = 'autonomous' | 'supervised' | 'human-required';

/** What an inbox item asks the user. */
export type InboxKind = 'question' | 'approval' | 'conflict';
/** What an approval is about. */
export type ApprovalSubject = 'command' | 'delete' | 'write_outside_write_set' | 'plan';
export type InboxState = 'open' | 'answered' | 'cancelled';
/** Who decided: the user, a policy that decided on its own, or the system (cancelled mission). */
export type DecisionActor = 'user' | 'policy' | 'system';

/** The user's answer to an inbox item. */
export interface InboxResponse {
  /** For approvals and conflicts: allow (true) or deny (false). */
  approved?: boolean;
  /** For questions: the answer; null declines to answer. */
  answer?: string | null;
  /** Optional reason, shown to the agent. */
  reason?: string;
}

/** A question, an approval request or a conflict waiting for the user. */
export interface InboxItem {
  id: number;
  missionId: string;
  taskId: string | null;
  agentId: string | null;
  kind: InboxKind;
  subject?: ApprovalSubject;
  /** One line, e.g. "t2 wants to run `npm install left-pad`". */
  title: string;
  /** The question, command line, path or plan text. */
  detail: string;
  state: InboxState;
  createdAt: number;
  response?: InboxResponse;
  respondedAt?: number;
  respondedBy?: DecisionActor;
}

export interface MissionDetail {
  mission: MissionSummary;
  plan: Plan | null;
  tasks: TaskInfo[];
  agents: AgentInfo[];
  changes: ChangeInfo[];
}

// ───────────────────────────── configuration ─────────────────────────────

/**
 * Everything a mission needs to run, sent with mission/start. API keys are not here:
 * the server reads OPENAI_API_KEY / ANTHROPIC_API_KEY from its environment, which the
 * extension fills from SecretStorage and the CLI inherits, so keys never cross
 * JSON-RPC (and so never reach a trace log).
 */
export interface MissionConfig {
  provider: ProviderName;
  /** Model per role; a missing role uses defaultModel. */
  models: Partial<Record<AgentRole, string>>;
  defaultModel?: string;
  openaiBaseURL?: string;
  anthropicBaseURL?: string;
  /** For provider `replay`: absolute path of the cassette JSON. */
  cassette?: string;
  /** For provider `replay`: wire format spoken to the loopback server (default: the cassette's, else openai). */
  replayWireFormat?: ReplayWireFormat;
  /** Commands run without approval (exact, or prefix followed by a space). */
  allowedCommands: string[];
  /** Max model turns per agent before the task fails. */
  maxTurnsPerAgent?: number;
  /** How many times an invalid plan is returned to the planner. Default 2. */
  maxPlanRetries?: number;
  /** run_command timeout (ms). Default 120000. */
  commandTimeoutMs?: number;
  /** Workers running at once. Default 3. */
  maxParallelWorkers?: number;
  /** Attempts per task (failing checks, review send-backs) before it fails. Default 3. */
  maxTaskAttempts?: number;
  /** Times the planner may replan after a task fails. Default 2. */
  maxReplans?: number;
  /** Policy of the mission. Default `supervised`. */
  policy?: PolicyName;
  /** Autonomous only: apply changes whose checks passed without review. Default false. */
  autoApply?: boolean;
}

// ───────────────────────────── client → server requests ─────────────────────────────

/** `initializationOptions` of the LSP-style `initialize` request that starts a session. */
export interface ServerInitializationOptions {
  /** Database file; null keeps the database in memory (tests). */
  dbPath: string | null;
  /** Folder for sandboxes and other server state. */
  dataDir: string;
}

export interface MissionStartParams {
  goal: string;
  /** Absolute path of the user's workspace folder. */
  workspaceRoot: string;
  config: MissionConfig;
}
export interface MissionStartResult {
  missionId: string;
}

export type MissionListParams = Record<string, never>;
export interface MissionListResult {
  missions: MissionSummary[];
}

export interface MissionGetParams {
  missionId: string;
}
export type MissionGetResult = MissionDetail;

export interface MissionCancelParams {
  missionId: string;
}
export interface MissionCancelResult {
  cancelled: boolean;
}

/** Pauses a running mission: every worker stops at its next turn boundary. */
export interface MissionPauseParams {
  missionId: string;
}
export interface MissionPauseResult {
  paused: boolean;
}
export type MissionResumeParams = MissionPauseParams;
export interface MissionResumeResult {
  resumed: boolean;
}

export interface MissionEventsParams {
  missionId: string;
  /** Return only events with seq greater than this. */
  afterSeq?: number;
  /** Only this agent's events. */
  agentId?: string;
  /** Max events (default 2000). */
  limit?: number;
}
export interface MissionEventsResult {
  events: MissionEvent[];
}

export interface ChangeListParams {
  missionId: string;
}
export interface ChangeListResult {
  changes: ChangeInfo[];
}

export interface ChangeGetParams {
  changeId: number;
}
export type ChangeGetResult = ChangeDetail;

/**
 * Records the user's decision. The client applies accepted content to the user's files
 * (the extension through a WorkspaceEdit, the CLI with --apply); the server never
 * writes to the user's workspace.
 */
export interface ChangeDecideParams {
  missionId: string;
  /** Omit to decide every pending change of the mission. */
  changeIds?: number[];
}
export interface ChangeDecideResult {
  changes: ChangeInfo[];
}

/** Records decisions on hunks of one change (the client applied accepted hunks itself). */
export interface HunkDecideParams {
  changeId: number;
  decisions: { index: number; state: Exclude<HunkState, 'pending'> }[];
}
export type HunkDecideResult = ChangeDetail;

export interface InboxListParams {
  /** Only this mission's items. */
  missionId?: string;
  /** Only open items (default false: all). */
  openOnly?: boolean;
}
export interface InboxListResult {
  items: InboxItem[];
}
export interface InboxRespondParams {
  itemId: number;
  response: InboxResponse;
}
export interface InboxRespondResult {
  item: InboxItem;
}

/**
 * A user message to an agent. To a running worker: delivered at its next turn boundary
 * (steering). To a finished task's worker: reopens the task with the request. To the
 * planner: the planner replans the tasks that have not started.
 */
export interface AgentSendMessageParams {
  missionId: string;
  agentId: string;
  text: string;
}
export interface AgentSendMessageResult {
  delivery: 'queued' | 'reopened' | 'replanning';
}

/** Per-worker control. */
export interface TaskControlParams {
  missionId: string;
  taskId: string;
}
export interface TaskControlResult {
  ok: boolean;
}

export type ServerShutdownParams = Record<string, never>;

// ───────────────────────────── server → client ─────────────────────────────

export interface MissionDidChangeParams {
  mission: MissionSummary;
}

export interface TaskDidChangeParams {
  task: TaskInfo;
}

/** A piece of an agent's live transcript. `delta` events carry streaming text. */
export interface AgentDidStreamParams {
  missionId: string;
  agentId: string;
  taskId: string | null;
  role: AgentRole;
  /** `delta`: partial assistant text; otherwise a stored event. */
  kind: 'delta' | 'event';
  delta?: string;
  event?: MissionEvent;
}

export interface ChangeDidChangeParams {
  missionId: string;
  changes: ChangeInfo[];
}

export type ServerState = 'starting' | 'ready' | 'busy' | 'error' | 'stopped';
export interface ServerDidChangeStatusParams {
  state: ServerState;
  runningMissions: number;
  /** Workers (task agents) running across all missions. */
  runningWorkers: number;
  message?: string;
  /** Server process id (for supervision and tests). */
  pid: number;
}

// ───────────────────────────── method maps ─────────────────────────────

/** Requests the client sends to the server. */
export interface ServerRequests {
  'mission/start': { params: MissionStartParams; result: MissionStartResult };
  'mission/list': { params: MissionListParams; result: MissionListResult };
  'mission/get': { params: MissionGetParams; result: MissionGetResult };
  'mission/cancel': { params: MissionCancelParams; result: MissionCancelResult };
  'mission/pause': { params: MissionPauseParams; result: MissionPauseResult };
  'mission/resume': { params: MissionResumeParams; result: MissionResumeResult };
  'mission/events': { params: MissionEventsParams; result: MissionEventsResult };
  'change/list': { params: ChangeListParams; result: ChangeListResult };
  'change/get': { params: ChangeGetParams; result: ChangeGetResult };
  'change/accept': { params: ChangeDecideParams; result: ChangeDecideResult };
  'change/reject': { params: ChangeDecideParams; result: ChangeDecideResult };
  'hunk/decide': { params: HunkDecideParams; result: HunkDecideResult };
  'inbox/list': { params: InboxListParams; result: InboxListResult };
  'inbox/respond': { params: InboxRespondParams; result: InboxRespondResult };
  'agent/sendMessage': { params: AgentSendMessageParams; result: AgentSendMessageResult };
  'task/pause': { params: TaskControlParams; result: TaskControlResult };
  'task/resume': { params: TaskControlParams; result: TaskControlResult };
  'task/cancel': { params: TaskControlParams; result: TaskControlResult };
}

/** Notifications the server sends to the client. */
export interface ClientNotifications {
  'mission/didChange': MissionDidChangeParams;
  'task/didChange': TaskDidChangeParams;
  'agent/didStream': AgentDidStreamParams;
  'change/didChange': ChangeDidChangeParams;
  'server/didChangeStatus': ServerDidChangeStatusParams;
  'inbox/didChange': InboxDidChangeParams;
}

export interface InboxDidChangeParams {
  item: InboxItem;
}

export type ServerRequestMethod = keyof ServerRequests;
export type ClientNotificationMethod = keyof ClientNotifications;

// ───────────────────────────── webview ⇄ extension ─────────────────────────────

export type { PanelState, WebviewRequests, WebviewNotifications } from './webview';
