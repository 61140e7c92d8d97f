/** `taskforce missions list` and `taskforce missions show ID`. */
import * as path from 'node:path';
import { startServer } from './serverConnection';
import { EXIT } from './common';

/** Prints the missions in the database, newest first. */
export async function listMissions(db: string, json: boolean): Promise<number> {
  const server = await startServer({ dbPath: db, dataDir: path.dirname(db) });
  try {
    const { missions } = await server.request('mission/list', {});
    if (json) {
      for (const m of missions) process.stdout.write(`${JSON.stringify(m)}\n`);
    } else if (missions.length === 0) {
      process.stdout.write('No missions yet.\n');
    } else {
      for (const m of missions) {
        const when = new Date(m.createdAt).toISOString().replace('T', ' ').slice(0, 19);
        process.stdout.write(`${m.id}  ${m.state.padEnd(12)} ${when}  ${m.goal.split('\n')[0].slice(0, 70)}\n`);
      }
    }
    return EXIT.completed;
  } finally {
    await server.close();
  }
}

/** Prints one mission with its tasks, events and usage. Exit 2 when the id is unknown. */
export async function showMission(db: string, id: string, json: boolean): Promise<number> {
  const server = await startServer({ dbPath: db, dataDir: path.dirname(db) });
  try {
    const detail = await server.request('mission/get', { missionId: id }).catch((err: Error) => {
      process.stderr.write(`taskforce: ${err.message}\n`);
      return undefined;
    });
    if (!detail) return EXIT.usage;
    const events = [];
    for (let after = 0; ; ) {
      const page = await server.request('mission/events', { missionId: id, afterSeq: after, limit: 1000 });
      events.push(...page.events);
      if (page.events.length < 1000) break;
      after = page.events[page.events.length - 1].seq;
    }
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...detail, events })}\n`);
      return EXIT.completed;
    }
    const m = detail.mission;
    const out: string[] = [
      `Mission ${m.id}: ${m.goal}`,
      `State: ${m.state}${m.error ? ` (${m.error})` : ''}`,
      `Workspace: ${m.workspaceRoot}`,
      `Provider: ${m.provider}${m.replaying ? ' (replay)' : ''}`,
      `Usage: ${m.usage.inputTokens} input + ${m.usage.outputTokens} output tokens in ${m.usage.calls} calls, $${m.usage.costUsd.toFixed(4)}`,
      '',
      'Tasks:',
      ...detail.tasks.map((t) => `  ${t.id} [${t.state}] ${t.role}: ${t.title}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}${t.report ? `\n      ${t.report.summary}` : ''}${t.error ? `\n      error: ${t.error}` : ''}`),
      '',
      'Changes:',
      ...(detail.changes.length ? detail.changes.map((c) => `  ${c.kind.padEnd(6)} ${c.path} +${c.added} -${c.removed} [${c.state}]`) : ['  none']),
      '',
      'Events:',
      ...events.map((e) => `  #${e.seq} ${new Date(e.ts).toISOString().slice(11, 23)} ${e.taskId ?? (e.agentId ? 'planner' : 'mission')} ${e.kind}${e.tool ? ` ${e.tool}` : ''}: ${e.text.split('\n')[0].slice(0, 100)}`),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return EXIT.completed;
  } finally {
    await server.close();
  }
}
