/**
 * DOM-free paging of transcripts: a transcript shows its most recent events (a window
 * of TRANSCRIPT_WINDOW), with a "Show earlier (k)" button that reveals older ones a
 * step at a time. Unit-tested under Node.
 *
 * The window is anchored by the seq of its first shown event. While the user has not
 * asked for earlier events it follows the newest ones, sliding only once it has grown
 * half a window past its size (so a streaming transcript is not re-trimmed on every
 * event). Once the user asked for earlier events it stays where they put it.
 */

/** Events of a transcript shown by default. */
export const TRANSCRIPT_WINDOW = 200;
/** Events "Show earlier" reveals per click. */
export const EARLIER_STEP = 200;

/** Where a transcript's window stands. */
export interface TranscriptPaging {
  /** Seq of the first event shown; null until something is shown. */
  firstSeq: number | null;
  /** The user asked for earlier events: the window no longer slides. */
  pinned: boolean;
}

/** A transcript's paging before anything is shown. */
export function createPaging(): TranscriptPaging {
  return { firstSeq: null, pinned: false };
}

/** Index of the first event whose seq is ≥ `seq` (events sorted by seq); events.length if none. */
export function lowerBound(events: readonly { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index of the first event to show. Following: the newest `window` events, letting the
 * window grow to 1.5 × `window` before it slides. Pinned: from the pinned seq.
 */
export function pageStart(
  events: readonly { seq: number }[],
  p: TranscriptPaging,
  window = TRANSCRIPT_WINDOW,
): number {
  const total = events.length;
  const follow = Math.max(0, total - window);
  if (p.firstSeq === null) return follow;
  const at = lowerBound(events, p.firstSeq);
  if (p.pinned) return Math.min(at, follow);
  const slack = Math.floor(window / 2);
  return total - at > window + slack ? follow : Math.min(at, follow);
}

/** Records where the window starts now (call after rendering from `start`). */
export function commitStart(events: readonly { seq: number }[], p: TranscriptPaging, start: number): void {
  p.firstSeq = events[start]?.seq ?? null;
}

/**
 * Reveals up to `step` earlier events: pins the window `step` events before its
 * current start. Returns the new start.
 */
export function showEarlier(
  events: readonly { seq: number }[],
  p: TranscriptPaging,
  step = EARLIER_STEP,
  window = TRANSCRIPT_WINDOW,
): number {
  const start = Math.max(0, pageStart(events, p, window) - step);
  p.pinned = true;
  commitStart(events, p, start);
  return start;
}

/** Label of the button: "Show earlier (k)" with k hidden events. */
export function earlierLabel(hidden: number): string {
  return `Show earlier (${hidden})`;
}
