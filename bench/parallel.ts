/**
 * parallel_speedup_4: a mission of 4 independent tasks, 5 model turns each, with the
 * replay server adding 300 ms of latency per task turn (the planner's single turn has
 * none). The mission's wall time (server clock, mission created → final state) with
 * maxParallelWorkers 1 divided by the wall time with 4, both run here, in one server,
 * after one warm-up mission.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer } from '../cli/serverConnection';
import { replayConfig, writeCassette, writeFiles, type Entry } from '../test/integration/helpers';

/** Latency the replay adds per task turn (ms). */
export const TURN_LATENCY_MS = 300;

/** Wall times (ms) with 1 and 4 workers, and their ratio. */
export async function parallelSpeedup(dir: string): Promise<{ sequentialMs: number; parallelMs: number; speedup: number }> {
  const ids = ['a', 'b', 'c', 'd'];
  const turn = (id: string, i: number): Entry => ({ delayMs: TURN_LATENCY_MS, text: `step ${i}`, toolCalls: [{ name: 'write_file', arguments: { path: `${id}.txt`, content: `${id} ${i}\n` } }] });
  const agents: Record<string, Entry[]> = {
    planner: [{ toolCalls: [{ name: 'submit_plan', arguments: { summary: 'four', tasks: ids.map((id) => ({ id, title: id, role: 'coder', instructions: id, acceptance: [], dependsOn: [], writeSet: [`${id}.txt`] })) } }] }],
  };
  for (const id of ids) {
    agents[id] = [
      ...[1, 2, 3, 4].map((i) => turn(id, i)),
      { delayMs: TURN_LATENCY_MS, toolCalls: [{ name: 'finish_task', arguments: { summary: 'done', filesChanged: [`${id}.txt`], commands: [], openQuestions: [] } }] },
    ];
  }
  const cassette = writeCassette(dir, agents);
  const server = await startServer({ dbPath: path.join(dir, 'parallel.db'), dataDir: dir });
  try {
    const wall = async (workers: number): Promise<number> => {
      const ws = path.join(dir, `ws-${workers}`);
      fs.mkdirSync(ws, { recursive: true });
      writeFiles(ws, { 'README.md': '# bench\n' });
      const { missionId } = await server.request('mission/start', { goal: 'four', workspaceRoot: ws, config: replayConfig(cassette, { maxParallelWorkers: workers }) });
      for (;;) {
        const { mission } = await server.request('mission/get', { missionId });
        if (!['draft', 'planning', 'running'].includes(mission.state)) {
          if (mission.state !== 'completed') throw new Error(`parallel bench mission ended ${mission.state}: ${mission.error}`);
          return mission.updatedAt - mission.createdAt;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await wall(2); // warm-up: the first mission of a server loads execa and warms git's caches
    const sequentialMs = await wall(1);
    const parallelMs = await wall(4);
    return { sequentialMs, parallelMs, speedup: sequentialMs / parallelMs };
  } finally {
    await server.close();
  }
}
