/**
 * Hunk figure for `npm run bench` (`hunk_accept_ms`): accepting one hunk in a 5,000-line
 * file, i.e. what the extension computes before its WorkspaceEdit: jsdiff fits the hunk
 * onto the user's current text (which gained lines above it since the mission started, so
 * the hunk sits at an offset) and yields the edit and the new text
 * (extension/review/hunks.ts `applyHunk`). The server computes the hunks once, so making
 * them is not timed.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { hunksOf } from '../server/changes/changes';
import { applyHunk } from '../extension/review/hunks';

const LINES = 5000;
const HUNKS = 10;
const RUNS = 25;
const WARMUP = 5;

/** A plausible source line. */
function line(i: number): string {
  return `  const value${i} = compute(${i}, "item-${i % 97}") + offset; // line ${i + 1}`;
}

/** Median of accepting the middle hunk of ten in a 5,000-line file, in milliseconds. */
export async function hunkAcceptMs(): Promise<number> {
  const base = Array.from({ length: LINES }, (_, i) => line(i));
  const proposed = [...base];
  for (let h = HUNKS - 1; h >= 0; h--) {
    const at = Math.floor(((h + 0.5) * LINES) / HUNKS);
    proposed.splice(at, 1, `${base[at]} // reviewed`, `  log("hunk ${h}");`);
  }
  const hunks = hunksOf(`${base.join('\n')}\n`, `${proposed.join('\n')}\n`);
  assert.equal(hunks.length, HUNKS);
  const hunk = hunks[HUNKS / 2];
  assert.ok(hunk);
  // The user added a header since the mission started: the hunk is 7 lines off.
  const current = `// header\n// added\n// by\n// the\n// user\n// meanwhile\n\n${base.join('\n')}\n`;
  const times: number[] = [];
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const started = performance.now();
    const result = applyHunk(current, hunk);
    const elapsed = performance.now() - started;
    assert.ok(result, 'the hunk applies');
    if (run >= WARMUP) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}
