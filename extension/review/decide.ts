/**
 * Deciding on hunks and changes: accepting applies the hunks to the user's files first
 * (applyEdits.ts, one WorkspaceEdit) and only then records the decisions with
 * `hunk/decide` (accepted and conflicting hunks; the server marks the change accepted or
 * rejected once no hunk is left open). Rejecting records `rejected` and touches no file.
 * Changes without hunks (an added empty file, binary changes) are decided with
 * `change/accept` / `change/reject`.
 */
import type { ChangeDetail, ChangeInfo, HunkDecideParams } from '../../protocol/protocol';
import type { ServerApi } from '../serverApi';
import { applyAccepts, changeFileUri, type AcceptRequest } from './applyEdits';
import { undecidedHunks } from './fileAccept';
import { isSafeRelativePath } from './model';
import type { ProposedContentProvider } from './proposedContent';

/** Hunks of one change to decide; `indexes` undefined means every undecided hunk (the whole file). */
export interface HunkRequest {
  changeId: number;
  indexes?: readonly number[];
}

/** What one accept or reject did. */
export interface DecisionOutcome {
  /** The decided changes as the server now has them. */
  changes: ChangeInfo[];
  /** Hunks recorded as accepted or rejected now. */
  hunks: number;
  /** Changes with at least one hunk (or the whole file) accepted or rejected now. */
  files: number;
  /** Hunks recorded as conflicting (not applied): path → count. */
  conflicts: Map<string, number>;
  /** Changes that were already decided. */
  alreadyDecided: number;
  /** Changes refused: path → why. */
  refused: Map<string, string>;
}

/** Strips a ChangeDetail down to its ChangeInfo. */
function info(detail: ChangeDetail): ChangeInfo {
  const { id, missionId, path, kind, state, added, removed } = detail;
  return { id, missionId, path, kind, state, added, removed };
}

function emptyOutcome(): DecisionOutcome {
  return { changes: [], hunks: 0, files: 0, conflicts: new Map(), alreadyDecided: 0, refused: new Map() };
}

/** Applies and records decisions on hunks; see the module comment. */
export class Decider {
  constructor(
    private readonly server: ServerApi,
    private readonly contents: Pick<ProposedContentProvider, 'getChange' | 'remember'>,
    private readonly rootOf: (missionId: string) => Promise<string>,
  ) {}

  /** The pending changes among the requests, fetched fresh; counts the others. */
  private async pendingDetails(requests: readonly HunkRequest[], out: DecisionOutcome): Promise<ChangeDetail[]> {
    const details = await Promise.all(requests.map((r) => this.contents.getChange(r.changeId, true)));
    return details.filter((d) => {
      if (d.state === 'pending') return true;
      out.alreadyDecided++;
      return false;
    });
  }

  /**
   * Applies the requested hunks to the user's files (three-way merge onto their current
   * text), then records accepted and conflicting hunks.
   * @throws Error when the edit fails, or when recording fails after the edit (the message says so).
   */
  async accept(requests: readonly HunkRequest[]): Promise<DecisionOutcome> {
    const out = emptyOutcome();
    const details = await this.pendingDetails(requests, out);
    const accepts: AcceptRequest[] = [];
    for (const detail of details) {
      if (!isSafeRelativePath(detail.path)) {
        out.refused.set(detail.path, 'its path is outside the workspace');
        continue;
      }
      const indexes = requests.find((r) => r.changeId === detail.id)?.indexes;
      accepts.push({ detail, uri: changeFileUri(await this.rootOf(detail.missionId), detail.path), indexes });
    }
    const planned = await applyAccepts(accepts);
    try {
      for (const { detail, plan } of planned) {
        if (plan.refused) {
          out.refused.set(detail.path, plan.refused);
        } else if (detail.hunks.length === 0) {
          const result = await this.server.request('change/accept', { missionId: detail.missionId, changeIds: [detail.id] });
          out.changes.push(...result.changes.filter((c) => c.id === detail.id));
          out.files++;
        } else {
          const decisions: HunkDecideParams['decisions'] = [
            ...plan.accepted.map((index) => ({ index, state: 'accepted' as const })),
            ...plan.conflicting.map((index) => ({ index, state: 'conflicting' as const })),
          ];
          if (plan.conflicting.length > 0) out.conflicts.set(detail.path, plan.conflicting.length);
          if (decisions.length === 0) continue;
          const after = await this.server.request('hunk/decide', { changeId: detail.id, decisions });
          this.contents.remember(after);
          out.hunks += plan.accepted.length;
          if (plan.accepted.length > 0) out.files++;
          out.changes.push(info(after));
        }
      }
    } catch (err) {
      throw new Error(
        `applied the change to your files but could not record the decision ` +
          `(${err instanceof Error ? err.message : String(err)}). Accept again to record it.`,
      );
    }
    return out;
  }

  /** Records the requested hunks (every undecided one when `indexes` is omitted) as rejected. */
  async reject(requests: readonly HunkRequest[]): Promise<DecisionOutcome> {
    const out = emptyOutcome();
    const details = await this.pendingDetails(requests, out);
    const whole: ChangeDetail[] = [];
    for (const detail of details) {
      if (detail.hunks.length === 0) {
        whole.push(detail);
        continue;
      }
      const indexes = requests.find((r) => r.changeId === detail.id)?.indexes;
      const hunks = undecidedHunks(detail.hunks, indexes);
      if (hunks.length === 0) continue;
      const after = await this.server.request('hunk/decide', {
        changeId: detail.id,
        decisions: hunks.map((h) => ({ index: h.index, state: 'rejected' as const })),
      });
      this.contents.remember(after);
      out.hunks += hunks.length;
      out.files++;
      out.changes.push(info(after));
    }
    const byMission = new Map<string, number[]>();
    for (const d of whole) byMission.set(d.missionId, [...(byMission.get(d.missionId) ?? []), d.id]);
    for (const [missionId, changeIds] of byMission) {
      const result = await this.server.request('change/reject', { missionId, changeIds });
      out.changes.push(...result.changes.filter((c) => changeIds.includes(c.id)));
      out.files += changeIds.length;
    }
    return out;
  }
}
