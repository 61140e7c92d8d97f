/** Shared CLI pieces: exit codes, the usage error, and mission-state → exit code. */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { MissionState } from '../protocol/protocol';

/** Process exit codes of `taskforce`. */
export const EXIT = { completed: 0, failed: 1, usage: 2, stopped: 3 } as const;

/** A mistake in the command line; printed with the usage text, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for a mission's final state. */
export function exitCodeFor(state: MissionState): number {
  if (state === 'completed') return EXIT.completed;
  if (state === 'failed') return EXIT.failed;
  return EXIT.stopped;
}

/** Path of the bundled demo cassette (media/demo/cassette.json beside dist/). */
export function demoCassette(): string {
  const candidates = [path.join(__dirname, '..', 'media', 'demo', 'cassette.json'), path.join(__dirname, '..', '..', 'media', 'demo', 'cassette.json')];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}
