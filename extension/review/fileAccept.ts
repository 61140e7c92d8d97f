/**
 * What accepting hunks of one change does to the user's file, without `vscode`: which
 * edit to make (text edits, create or delete), and which hunk decisions to record with
 * `hunk/decide` afterwards. Accepting every undecided hunk is the whole-file accept; one
 * index is the per-hunk accept. The merge onto the user's current text is hunks.ts's
 * (jsdiff), so the user's own edits since the mission started survive, and a hunk that
 * conflicts with them is flagged instead of applied.
 */
import type { ChangeKind, HunkInfo } from '../../protocol/protocol';
import { mergeHunks, type TextEdit } from './hunks';
import { sameContent } from './model';

/** One change, the user's current file and the hunks to accept. */
export interface FileAcceptInput {
  kind: ChangeKind;
  /** Null for an added file (and for binary changes). */
  baseContent: string | null;
  /** Null for a deleted file (and for binary changes). */
  proposedContent: string | null;
  /** The user's file now, unsaved edits included; null when it does not exist. */
  current: string | null;
  /** All hunks of the change, with their recorded states. */
  hunks: readonly HunkInfo[];
  /** Hunks to accept; undefined: every hunk still pending or conflicting (accept the file). */
  indexes?: readonly number[];
}

/** What to do to the file. */
export type FileOp =
  /** Apply `edits` to the current text. */
  | 'edit'
  /** Create the file with `text`. */
  | 'create'
  /** Delete the file. */
  | 'delete'
  /** Nothing to do to the file (the decisions may still be recorded). */
  | 'none';

/** The plan of one accept. */
export interface FileAcceptPlan {
  op: FileOp;
  /** For `edit`: non-overlapping edits on the current text, applied as one WorkspaceEdit. */
  edits: TextEdit[];
  /** The file's content after the plan (null: deleted or still missing). */
  text: string | null;
  /** Hunks to record as accepted: applied now, or already in the file. */
  accepted: number[];
  /** Hunks to record as conflicting: their lines changed, so they are not applied. */
  conflicting: number[];
  /** Why nothing can be applied, when that is so (binary change). */
  refused?: string;
}

/** Hunks an accept considers: the requested ones that are still undecided (pending or conflicting). */
export function undecidedHunks(hunks: readonly HunkInfo[], indexes?: readonly number[]): HunkInfo[] {
  const wanted = indexes ? new Set(indexes) : undefined;
  return hunks.filter((h) => (h.state === 'pending' || h.state === 'conflicting') && (!wanted || wanted.has(h.index)));
}

/**
 * Plans an accept (see the module comment). Whole-file cases:
 * - added file: created when missing; already there with the proposed content: recorded;
 *   the user made a different file of that name: conflict (never overwritten);
 * - deleted file: deleted while it is still the base; edited by the user: conflict;
 * - modified file the user deleted: conflict;
 * - change without hunks (binary, or an added empty file): created when missing, refused
 *   otherwise (binary contents are not sent to the editor).
 */
export function planFileAccept(input: FileAcceptInput): FileAcceptPlan {
  const { kind, baseContent: base, proposedContent: proposed, current } = input;
  const hunks = undecidedHunks(input.hunks, input.indexes);
  const indexes = hunks.map((h) => h.index);
  const plan = (op: FileOp, text: string | null, accepted: number[], conflicting: number[] = []): FileAcceptPlan => ({
    op,
    edits: [],
    text,
    accepted,
    conflicting,
  });

  if (input.hunks.length === 0) {
    if (kind === 'add' && proposed !== null) {
      if (current === null) return plan('create', proposed, []);
      return sameContent(current, proposed) ? plan('none', current, []) : { ...plan('none', current, []), refused: 'the file exists' };
    }
    if (kind === 'delete' && base !== null) return current === null ? plan('none', null, []) : plan('delete', null, []);
    return { ...plan('none', current, []), refused: 'a binary change cannot be applied from the editor' };
  }
  if (hunks.length === 0) return plan('none', current, []);

  if (kind === 'add' || base === null) {
    if (current === null) return proposed === null ? plan('none', null, indexes) : plan('create', proposed, indexes);
    if (proposed !== null && sameContent(current, proposed)) return plan('none', current, indexes);
    if (current !== '') return plan('none', current, [], indexes);
  } else if (kind === 'delete' || proposed === null) {
    if (current === null) return plan('none', null, indexes);
    return sameContent(current, base) ? plan('delete', null, indexes) : plan('none', current, [], indexes);
  } else if (current === null) {
    return plan('none', null, [], indexes);
  }

  const merged = mergeHunks(current ?? '', hunks);
  return {
    op: merged.edits.length > 0 ? 'edit' : 'none',
    edits: merged.edits,
    text: merged.text,
    accepted: [...merged.applied, ...merged.alreadyApplied].sort((a, b) => a - b),
    conflicting: merged.conflicting,
  };
}
