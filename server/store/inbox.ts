/**
 * The inbox table: questions, approval requests and conflicts for the user, with every
 * decision stored with who (user, policy, system), what and when.
 */
import type { ApprovalSubject, DecisionActor, InboxItem, InboxKind, InboxResponse, InboxState } from '../../protocol/protocol';
import type { Db, Row } from './db';

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** Fields of a new inbox item. */
export interface NewInboxItem {
  missionId: string;
  taskId: string | null;
  agentId: string | null;
  kind: InboxKind;
  subject?: ApprovalSubject;
  title: string;
  detail: string;
}

export class InboxStore {
  constructor(private readonly db: Db) {}

  /** Inserts an open item and returns it. */
  create(n: NewInboxItem): InboxItem {
    const id = this.db.run(
      `INSERT INTO inbox (mission_id, task_id, agent_id, kind, subject, title, detail, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
      [n.missionId, n.taskId, n.agentId, n.kind, n.subject ?? null, n.title, n.detail, Date.now()],
    );
    return this.get(id)!;
  }

  /**
   * Records the response to an open item.
   * @throws Error when the item does not exist or is no longer open.
   */
  respond(id: number, response: InboxResponse, by: DecisionActor, state: Exclude<InboxState, 'open'> = 'answered'): InboxItem {
    const item = this.get(id);
    if (!item) throw new Error(`no inbox item with id ${id}`);
    if (item.state !== 'open') throw new Error(`inbox item ${id} is already ${item.state}`);
    this.db.run(`UPDATE inbox SET state = ?, response_json = ?, responded_at = ?, responded_by = ? WHERE id = ?`, [
      state,
      JSON.stringify(response),
      Date.now(),
      by,
      id,
    ]);
    return this.get(id)!;
  }

  get(id: number): InboxItem | undefined {
    const r = this.db.get(`SELECT * FROM inbox WHERE id = ?`, [id]);
    return r ? toItem(r) : undefined;
  }

  /** Items, newest first, optionally of one mission and only open ones. */
  list(filter: { missionId?: string; openOnly?: boolean } = {}): InboxItem[] {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.missionId) {
      where.push('mission_id = ?');
      params.push(filter.missionId);
    }
    if (filter.openOnly) where.push(`state = 'open'`);
    const sql = `SELECT * FROM inbox${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT 500`;
    return this.db.all(sql, params).map(toItem);
  }
}

function toItem(r: Row): InboxItem {
  return {
    id: Number(r.id),
    missionId: str(r.mission_id),
    taskId: r.task_id === null ? null : str(r.task_id),
    agentId: r.agent_id === null ? null : str(r.agent_id),
    kind: str(r.kind) as InboxKind,
    subject: r.subject === null ? undefined : (str(r.subject) as ApprovalSubject),
    title: str(r.title),
    detail: str(r.detail),
    state: str(r.state) as InboxState,
    createdAt: Number(r.created_at),
    response: r.response_json ? (JSON.parse(str(r.response_json)) as InboxResponse) : undefined,
    respondedAt: r.responded_at === null ? undefined : Number(r.responded_at),
    respondedBy: r.responded_by === null ? undefined : (str(r.responded_by) as DecisionActor),
  };
}
