/**
 * Finding hunks by line, without `vscode`: the hunk under the cursor in the user's file
 * (from hunks.ts anchors) or on the proposed side of the diff editor (from the hunk's
 * `newStart`/`newLines`), and the next or previous hunk for the keyboard commands.
 * All line numbers are 0-based.
 */
import type { StructuredPatchHunk } from 'diff';
import type { HunkAnchor } from './hunks';

/** Lines [first, last] (inclusive) a hunk occupies where it shows: its changed lines, at least one line. */
export function displaySpan(anchor: HunkAnchor): { first: number; last: number } {
  const first = anchor.line;
  let last = first;
  for (const b of anchor.blocks) last = Math.max(last, b.line + Math.max(b.removed, 1) - 1);
  return { first, last };
}

/**
 * The hunk at a line of the user's file: the one whose changed lines contain it, else the
 * one whose context contains it, else undefined.
 */
export function hunkAtLine<T extends HunkAnchor>(anchors: readonly T[], line: number): T | undefined {
  const inChange = anchors.find((a) => {
    const { first, last } = displaySpan(a);
    return line >= first && line <= last;
  });
  return inChange ?? anchors.find((a) => a.status !== 'conflict' && line >= a.start && line < a.end);
}

/** 0-based lines [first, last] of a hunk's changed lines on the proposed (new) side. */
export function proposedSpan(hunk: StructuredPatchHunk): { first: number; last: number } {
  let line = hunk.newStart - 1;
  let first = -1;
  let last = -1;
  for (const l of hunk.lines) {
    const op = l[0];
    if (op === '+') {
      if (first < 0) first = line;
      last = line;
      line++;
    } else if (op === '-') {
      if (first < 0) first = line;
      last = Math.max(last, line);
    } else if (op === ' ') {
      line++;
    }
  }
  if (first < 0) first = last = Math.max(hunk.newStart - 1, 0);
  return { first: Math.max(first, 0), last: Math.max(last, first, 0) };
}

/**
 * The hunk at a line of the proposed side (right side of the diff editor): the one whose
 * changed lines contain it, else the one whose lines (context included) contain it.
 */
export function hunkAtProposedLine<T extends StructuredPatchHunk>(hunks: readonly T[], line: number): T | undefined {
  const inChange = hunks.find((h) => {
    const { first, last } = proposedSpan(h);
    return line >= first && line <= last;
  });
  if (inChange) return inChange;
  return hunks.find((h) => line >= h.newStart - 1 && line < h.newStart - 1 + Math.max(h.newLines, 1));
}

/**
 * The line to move to from `cursor`: the first of `lines` after it (`next`) or before it
 * (`previous`), wrapping around; undefined when there are none.
 */
export function nextHunkLine(lines: readonly number[], cursor: number, direction: 'next' | 'previous'): number | undefined {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  if (direction === 'next') return sorted.find((l) => l > cursor) ?? sorted[0];
  return [...sorted].reverse().find((l) => l < cursor) ?? sorted[sorted.length - 1];
}
