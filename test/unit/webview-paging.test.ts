/**
 * Transcript paging: the most recent window of events, "Show earlier (k)", the window
 * sliding (with slack) while it follows new events, staying put once pinned, and event
 * pages applied as they arrive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MissionEvent } from '../../protocol/protocol';
import {
  commitStart,
  createPaging,
  earlierLabel,
  EARLIER_STEP,
  lowerBound,
  pageStart,
  showEarlier,
  TRANSCRIPT_WINDOW,
} from '../../webview/paging';
import { fetchAllEvents } from '../../webview/state';

const evs = (n: number, from = 1): { seq: number }[] => Array.from({ length: n }, (_, i) => ({ seq: from + i * 2 }));

test('lowerBound finds the first event at or after a seq', () => {
  const e = evs(5); // seqs 1 3 5 7 9
  assert.equal(lowerBound(e, 0), 0);
  assert.equal(lowerBound(e, 5), 2);
  assert.equal(lowerBound(e, 6), 3);
  assert.equal(lowerBound(e, 10), 5);
});

test('a new transcript shows its most recent window; short ones show everything', () => {
  const p = createPaging();
  assert.equal(pageStart(evs(1000), p), 1000 - TRANSCRIPT_WINDOW);
  assert.equal(pageStart(evs(50), p), 0);
  assert.equal(earlierLabel(800), 'Show earlier (800)');
});

test('following: the window grows by half a window before it slides back to the newest events', () => {
  const p = createPaging();
  let e = evs(300);
  let start = pageStart(e, p);
  commitStart(e, p, start);
  assert.equal(start, 100);
  e = evs(390); // 290 shown: within the slack, nothing is removed
  start = pageStart(e, p);
  assert.equal(start, 100);
  commitStart(e, p, start);
  e = evs(401); // 301 shown: slides back to the newest 200
  start = pageStart(e, p);
  assert.equal(start, 201);
});

test('"Show earlier" reveals a step of older events and pins the window', () => {
  const p = createPaging();
  const e = evs(1000);
  commitStart(e, p, pageStart(e, p));
  const start = showEarlier(e, p);
  assert.equal(start, 1000 - TRANSCRIPT_WINDOW - EARLIER_STEP);
  assert.equal(p.pinned, true);
  // New events do not move a pinned window.
  const more = evs(1500);
  assert.equal(pageStart(more, p), start);
  // Down to the first event, then no further.
  for (let i = 0; i < 10; i++) showEarlier(more, p);
  assert.equal(pageStart(more, p), 0);
});

test('events pages are handed over as they arrive', async () => {
  const all: MissionEvent[] = Array.from({ length: 25 }, (_, i) => ({ seq: i + 1, missionId: 'm', agentId: 'a', taskId: null, kind: 'text', ts: i, text: '' }));
  const pages: number[] = [];
  const got = await fetchAllEvents(
    async (after, limit) => all.filter((e) => e.seq > (after ?? 0)).slice(0, limit),
    10,
    (page) => pages.push(page.length),
  );
  assert.deepEqual(pages, [10, 10, 5]);
  assert.equal(got.length, 25);
});
