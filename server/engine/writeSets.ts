/**
 * Write-set ordering: tasks that could run at the same time (neither depends on the
 * other, directly or through others) but whose write-sets overlap get an added
 * dependency, the later one in plan order waiting for the earlier one.
 *
 * Glob overlap is decided with picomatch: a literal path overlaps a glob it matches; two
 * literal paths overlap when equal; two globs overlap when one's static base contains
 * the other's (conservative: `src/*.js` and `src/*.ts` count as overlapping).
 */
import picomatch from 'picomatch';
import type { AddedDependency, PlanTask } from '../../protocol/protocol';

/** Normalises a write-set entry: no leading `./`, a folder (`src/`) means everything under it. */
function normalise(glob: string): string {
  let g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  if (g.endsWith('/')) g += '**';
  return g === '' || g === '.' ? '**' : g;
}

/** Whether two write-set globs can name the same file. */
export function globsOverlap(a: string, b: string): boolean {
  const ga = normalise(a);
  const gb = normalise(b);
  const sa = picomatch.scan(ga);
  const sb = picomatch.scan(gb);
  if (!sa.isGlob && !sb.isGlob) return ga === gb;
  if (!sa.isGlob) return picomatch(gb, { dot: true })(ga);
  if (!sb.isGlob) return picomatch(ga, { dot: true })(gb);
  const ba = sa.base;
  const bb = sb.base;
  return ba === '' || bb === '' || ba === bb || bb.startsWith(`${ba}/`) || ba.startsWith(`${bb}/`);
}

/** The first overlapping pair of two write-sets, or undefined. */
export function writeSetOverlap(a: readonly string[], b: readonly string[]): [string, string] | undefined {
  for (const x of a) for (const y of b) if (globsOverlap(x, y)) return [x, y];
  return undefined;
}

/**
 * Orders tasks with overlapping write-sets. `existing` are tasks already in the mission
 * (done or running) that new tasks may depend on; they are not reordered.
 * @returns task id → dependencies added to it, with the reason.
 */
export function orderOverlappingTasks(tasks: readonly PlanTask[]): Map<string, AddedDependency[]> {
  const deps = new Map(tasks.map((t) => [t.id, new Set(t.dependsOn.filter((d) => tasks.some((u) => u.id === d)))]));
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const cur = stack.pop()!;
      if (cur === to) return true;
      if (seen.has(cur)) continue;
      seen.add(cur);
      stack.push(...(deps.get(cur) ?? []));
    }
    return false;
  };
  const added = new Map<string, AddedDependency[]>();
  for (let j = 1; j < tasks.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = tasks[i];
      const b = tasks[j];
      const overlap = writeSetOverlap(a.writeSet, b.writeSet);
      if (!overlap || reaches(a.id, b.id) || reaches(b.id, a.id)) continue;
      deps.get(b.id)!.add(a.id);
      const list = added.get(b.id) ?? [];
      list.push({ dependsOn: a.id, reason: `write-sets overlap (${overlap[0]} and ${overlap[1]}), so ${b.id} runs after ${a.id}` });
      added.set(b.id, list);
    }
  }
  return added;
}
