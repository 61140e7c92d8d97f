/**
 * Hunks on the user's current text, without `vscode`: anchoring each hunk of a change
 * (computed by the server between the change's base and its proposal with jsdiff's
 * `structuredPatch`) onto the text the user has *now*, applying hunks, and merging a
 * whole file.
 *
 * This is a three-way merge in the diff3 sense, done by jsdiff (the `diff` package, v9)
 * rather than by an algorithm of our own: every hunk becomes a one-hunk patch for
 * `applyPatch`, which looks for the hunk's context and removed lines at the recorded line
 * and then at growing offsets either side (fuzz factor 0: every context and removed line
 * must match exactly). Where jsdiff fits the hunk, the hunk still applies, however far
 * the user's own edits moved it; where it does not, the user changed those lines and the
 * hunk *conflicts*; it is then never applied over the user's text. A hunk whose reversed
 * patch fits is already in the text (`applied`).
 *
 * Line numbers here are 0-based; hunk fields (`oldStart`, `newStart`) are jsdiff's
 * 1-based ones. Text offsets are UTF-16 indices into the current text. Pure and
 * unit-tested (test/unit/review-hunks.test.ts).
 */
import { applyPatch, reversePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';

/** The hunk fields this module needs: HunkInfo of protocol.ts without its state. */
export interface HunkLines extends StructuredPatchHunk {
  index: number;
}

/** How a hunk relates to the current text. */
export type AnchorStatus =
  /** The hunk's context and removed lines are there: accepting applies it. */
  | 'clean'
  /** The hunk's result is already there (the reversed hunk fits): accepting only records it. */
  | 'applied'
  /** Neither: the user changed the lines the hunk touches. Never applied. */
  | 'conflict';

/** A run of removed and added lines within a hunk, placed on the current text. */
export interface ChangeBlock {
  /** 0-based line of the current text where the block starts (its first removed line, or where its lines go). */
  line: number;
  /** How many lines of the current text, from `line`, the block removes. */
  removed: number;
  /** The lines the block adds before `line + removed`, without line ends. */
  added: string[];
}

/** Replace `text.slice(start, end)` with `newText` (UTF-16 offsets into the current text). */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** One hunk placed on the current text. */
export interface HunkAnchor {
  /** The hunk's index in its change. */
  index: number;
  status: AnchorStatus;
  /**
   * 0-based line where the hunk shows: its first changed line for `clean` and `applied`
   * hunks; for a `conflict`, the recorded line shifted as much as the hunks before it
   * moved (a best guess of where it was).
   */
  line: number;
  /** 0-based lines [start, end) of the hunk in the current text, context included (start = end = line for a conflict). */
  start: number;
  end: number;
  /** Removed and added lines, on the current text (`clean` only; empty otherwise). */
  blocks: ChangeBlock[];
  /** The minimal edit that applies the hunk (`clean` only). */
  edit?: TextEdit;
}

/** Where jsdiff fitted a hunk: 0-based line of its first old-side line, and the patched text. */
interface Fit {
  start: number;
  result: string;
}

/** Line starts of a text split at '\n' (as jsdiff splits it); one more entry than there are '\n'. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Offset where 0-based line `line` starts, clamped to the text's end. */
function offsetOf(starts: readonly number[], line: number, length: number): number {
  return line < starts.length ? (starts[line] ?? length) : length;
}

/** Number of old-side lines (context and removed) of a hunk. */
function oldSideCount(hunk: StructuredPatchHunk): number {
  let n = 0;
  for (const l of hunk.lines) if (l[0] === ' ' || l[0] === '-') n++;
  return n;
}

function onePatch(hunk: StructuredPatchHunk): StructuredPatch {
  const { oldStart, oldLines, newStart, newLines, lines } = hunk;
  return {
    oldFileName: undefined,
    newFileName: undefined,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [{ oldStart, oldLines, newStart, newLines, lines }],
  };
}

/**
 * Fits one hunk onto `text` with jsdiff's `applyPatch` (fuzz 0, line ends converted when
 * the text consistently uses the other style). The line jsdiff chose is read from its
 * `compareLine` callback: with fuzz 0 each attempt compares the hunk's old-side lines in
 * order and stops at the first mismatch, so the attempt whose comparisons all succeed is
 * the fit. The fit is then checked against the text (prefix and suffix unchanged), so a
 * different jsdiff behaviour can only make a hunk conflict, never misapply it.
 */
function fit(text: string, starts: readonly number[], hunk: StructuredPatchHunk): Fit | undefined {
  const count = oldSideCount(hunk);
  let attempt = 0;
  let matched = 0;
  let found = count === 0 ? Math.min(Math.max(hunk.oldStart - 1, 0), starts.length - 1) : -1;
  const result = applyPatch(text, onePatch(hunk), {
    compareLine: (lineNumber, line, _operation, content) => {
      if (matched === 0) attempt = lineNumber - 1;
      const same = line === content;
      if (!same) matched = 0;
      else if (++matched === count) found = attempt;
      return same;
    },
  });
  if (result === false || found < 0) return undefined;
  const startOffset = offsetOf(starts, found, text.length);
  const endOffset = offsetOf(starts, found + count, text.length);
  const suffix = text.slice(endOffset);
  if (!result.startsWith(text.slice(0, startOffset)) || !result.endsWith(suffix)) return undefined;
  if (result.length - suffix.length < startOffset) return undefined;
  return { start: found, result };
}

/** The smallest edit inside [start, end) of `text` that yields `result` (same text outside). */
function minimalEdit(text: string, result: string, start: number, end: number): TextEdit {
  const suffixLength = text.length - end;
  let from = start;
  let to = end;
  let newTo = result.length - suffixLength;
  while (from < to && from < newTo && text.charCodeAt(from) === result.charCodeAt(from)) from++;
  while (to > from && newTo > from && text.charCodeAt(to - 1) === result.charCodeAt(newTo - 1)) {
    to--;
    newTo--;
  }
  return { start: from, end: to, newText: result.slice(from, newTo) };
}

/** Removed/added runs of a hunk whose old side starts at 0-based line `start`. */
function blocksAt(hunk: StructuredPatchHunk, start: number): ChangeBlock[] {
  const blocks: ChangeBlock[] = [];
  let line = start;
  let block: ChangeBlock | undefined;
  for (const l of hunk.lines) {
    const op = l[0];
    if (op === ' ') {
      block = undefined;
      line++;
    } else if (op === '-' || op === '+') {
      if (!block) {
        block = { line, removed: 0, added: [] };
        blocks.push(block);
      }
      if (op === '-') {
        block.removed++;
        line++;
      } else {
        block.added.push(l.slice(1).replace(/\r$/, ''));
      }
    }
  }
  return blocks;
}

/** Number of leading context lines of a hunk. */
function leadingContext(hunk: StructuredPatchHunk): number {
  let n = 0;
  while (hunk.lines[n]?.[0] === ' ') n++;
  return n;
}

/**
 * Places one hunk on the current text (see the module comment).
 * @param starts `lineStarts(text)`, when the caller already has it.
 * @param shift lines the hunks before this one moved; places a conflicting hunk.
 */
export function anchorHunk(text: string, hunk: HunkLines, starts = lineStarts(text), shift = 0): HunkAnchor {
  const placed = fit(text, starts, hunk);
  const lastLine = Math.max(starts.length - 1, 0);
  if (placed) {
    const blocks = blocksAt(hunk, placed.start);
    const end = placed.start + oldSideCount(hunk);
    const edit = minimalEdit(text, placed.result, offsetOf(starts, placed.start, text.length), offsetOf(starts, end, text.length));
    const line = Math.min(blocks[0]?.line ?? placed.start, lastLine);
    return { index: hunk.index, status: 'clean', line, start: placed.start, end, blocks, edit };
  }
  const [reversed] = reversePatch(onePatch(hunk)).hunks;
  const undone = reversed ? fit(text, starts, reversed) : undefined;
  if (undone) {
    const line = Math.min(undone.start + leadingContext(reversed ?? hunk), lastLine);
    return { index: hunk.index, status: 'applied', line, start: undone.start, end: undone.start + oldSideCount(reversed ?? hunk), blocks: [] };
  }
  const guess = Math.min(Math.max(hunk.oldStart - 1 + leadingContext(hunk) + shift, 0), lastLine);
  return { index: hunk.index, status: 'conflict', line: guess, start: guess, end: guess, blocks: [] };
}

/**
 * Places every hunk on the current text, in hunk order. Each hunk is fitted on its own
 * (hunks do not depend on each other: their contexts never overlap). A clean hunk whose
 * lines overlap an earlier clean hunk's (possible only in repetitive text) conflicts.
 */
export function anchorHunks(text: string, hunks: readonly HunkLines[]): HunkAnchor[] {
  const starts = lineStarts(text);
  const anchors: HunkAnchor[] = [];
  let shift = 0;
  let reserved = 0;
  for (const hunk of [...hunks].sort((a, b) => a.oldStart - b.oldStart || a.index - b.index)) {
    let anchor = anchorHunk(text, hunk, starts, shift);
    if (anchor.status === 'clean' && anchor.edit && anchor.edit.start < reserved) {
      anchor = { index: hunk.index, status: 'conflict', line: anchor.line, start: anchor.line, end: anchor.line, blocks: [] };
    }
    if (anchor.status === 'clean' && anchor.edit) reserved = anchor.edit.end;
    if (anchor.status !== 'conflict') shift = anchor.start - (hunk.oldStart - 1);
    anchors.push(anchor);
  }
  return anchors;
}

/** Applies non-overlapping edits (offsets into `text`) and returns the new text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error('overlapping edits');
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}

/**
 * Accepts one hunk on the current text: the edit and the text after it, or undefined
 * when the hunk conflicts or is already applied. (What `hunk_accept_ms` times.)
 */
export function applyHunk(text: string, hunk: HunkLines): { text: string; edit: TextEdit } | undefined {
  const anchor = anchorHunk(text, hunk);
  if (anchor.status !== 'clean' || !anchor.edit) return undefined;
  return { text: applyEdits(text, [anchor.edit]), edit: anchor.edit };
}

/** The outcome of merging several hunks onto the current text at once. */
export interface MergeResult {
  /** The text after the edits. */
  text: string;
  /** Non-overlapping edits on the *original* text; one WorkspaceEdit applies them together. */
  edits: TextEdit[];
  /** Hunks the edits apply. */
  applied: number[];
  /** Hunks already in the text (nothing to edit). */
  alreadyApplied: number[];
  /** Hunks whose lines the user changed: not applied. */
  conflicting: number[];
}

/**
 * The three-way merge of several hunks onto the current text: every clean hunk is applied
 * (the user's other edits stay), applied ones are noted, conflicting ones are left out.
 */
export function mergeHunks(text: string, hunks: readonly HunkLines[]): MergeResult {
  const out: MergeResult = { text, edits: [], applied: [], alreadyApplied: [], conflicting: [] };
  for (const anchor of anchorHunks(text, hunks)) {
    if (anchor.status === 'clean' && anchor.edit) {
      out.edits.push(anchor.edit);
      out.applied.push(anchor.index);
    } else if (anchor.status === 'applied') {
      out.alreadyApplied.push(anchor.index);
    } else {
      out.conflicting.push(anchor.index);
    }
  }
  out.text = applyEdits(text, out.edits);
  return out;
}
