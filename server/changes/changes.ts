/**
 * The proposed-change model (see ../../shared/design.md "Sandboxes and changes"): per file,
 * the base content agents started from and the proposed content. Hunks and line counts come
 * from the `diff` package (jsdiff v9, `structuredPatch`), with git's 3 lines of context.
 */
import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';
import type { ChangeKind, HunkInfo } from '../../protocol/protocol';

/** A proposed change to one file, as computed from a sandbox. */
export interface ProposedChange {
  /** Workspace-relative path with forward slashes. */
  path: string;
  kind: ChangeKind;
  /** Content before the mission; null for an added file and for binary files. */
  baseContent: string | null;
  /** Content the agents propose; null for a deleted file and for binary files. */
  proposedContent: string | null;
  /** True when either side is not text (contains a NUL byte or is not valid UTF-8). */
  binary?: boolean;
}

/** Lines of context around each hunk, as in `git diff`. */
export const HUNK_CONTEXT = 3;

/**
 * Hunks between `base` and `proposed` (null = file absent, treated as empty).
 * Hunk fields are jsdiff's: 1-based starts; for an empty side, start is 1 and lines 0
 * (the unified-diff text form writes that start as 0, see {@link unifiedDiff}).
 * `lines` are prefixed with ' ', '+' or '-', keep a trailing '\r' of CRLF files, and may
 * include jsdiff's `\ No newline at end of file` marker after the affected line.
 * Returns [] when both sides are equal.
 */
export function hunksOf(base: string | null, proposed: string | null): HunkInfo[] {
  return patchOf(base, proposed).hunks.map((h, index) => ({
    index,
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    lines: h.lines,
    state: 'pending' as const,
  }));
}

/**
 * Lines added and removed by a change (what `git diff --numstat` reports for text).
 * Binary changes count 0/0.
 */
export function countLines(change: ProposedChange): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  if (change.binary) return { added, removed };
  for (const hunk of hunksOf(change.baseContent, change.proposedContent)) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
  }
  return { added, removed };
}

/**
 * A git-style unified diff of one change, as printed by `git diff` and accepted by
 * `git apply`: a `diff --git a/<path> b/<path>` line, `new file mode` / `deleted file mode`
 * for add/delete, `--- a/<path>` (or `/dev/null`) and `+++ b/<path>` (or `/dev/null`),
 * then the hunks. Paths with special characters are C-quoted as git does. Binary changes
 * produce git's `Binary files ... differ` line (informational, not applicable). The text
 * ends with a newline; a modification with identical contents gives only the header line.
 */
export function unifiedDiff(change: ProposedChange): string {
  const a = `a/${change.path}`;
  const b = `b/${change.path}`;
  const oldName = change.kind === 'add' ? '/dev/null' : a;
  const newName = change.kind === 'delete' ? '/dev/null' : b;
  if (change.binary) {
    const patch: StructuredPatch = {
      oldFileName: a, newFileName: b, oldHeader: undefined, newHeader: undefined, hunks: [], isGit: true,
      isCreate: change.kind === 'add', isDelete: change.kind === 'delete',
    };
    return `${formatPatch(patch)}Binary files ${oldName} and ${newName} differ\n`;
  }
  const patch = patchOf(change.baseContent, change.proposedContent, oldName, newName);
  patch.isGit = true;
  patch.isCreate = change.kind === 'add';
  patch.isDelete = change.kind === 'delete';
  return formatPatch(patch);
}

/** Unified diff of several changes, concatenated in order. */
export function unifiedDiffAll(changes: readonly ProposedChange[]): string {
  return changes.map(unifiedDiff).join('');
}

function patchOf(base: string | null, proposed: string | null, oldName = 'a', newName = 'b'): StructuredPatch {
  return structuredPatch(oldName, newName, base ?? '', proposed ?? '', undefined, undefined, {
    context: HUNK_CONTEXT,
  });
}
