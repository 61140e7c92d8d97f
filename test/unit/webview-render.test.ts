/**
 * The Missions webview's DOM-free logic: formatting, the mission list, transcripts
 * (live deltas replaced by stored text), event paging and the loading gate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  AgentDidStreamParams,
  MissionDetail,
  MissionEvent,
  MissionSummary,
  TaskInfo,
} from '../../protocol/protocol';
import {
  formatAge,
  formatCost,
  formatTokens,
  formatUsage,
  isMissionActive,
  summarizeArgs,
  toolEventSummary,
} from '../../webview/format';
import {
  applyDetail,
  applyMissionSummary,
  applyStoredEvent,
  applyStream,
  applyTask,
  createMissionList,
  createMissionView,
  fetchAllEvents,
  orderedTasks,
  orderedTranscripts,
  sortedMissions,
  StreamGate,
  upsertMission,
} from '../../webview/state';

const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };

function mission(id: string, createdAt: number, updatedAt = createdAt, state: MissionSummary['state'] = 'running'): MissionSummary {
  return { id, goal: `goal ${id}`, state, workspaceRoot: '/w', provider: 'replay', replaying: true, createdAt, updatedAt, usage, pendingChanges: 0, policy: 'supervised', autoApply: false };
}

function task(id: string, state: TaskInfo['state'] = 'pending', missionId = 'm1'): TaskInfo {
  return {
    missionId, id, title: `task ${id}`, role: 'coder', kind: 'work', instructions: '', acceptance: [], dependsOn: [],
    addedDependsOn: [], writeSet: [], checks: [], evidence: [], state, attempts: 0,
  };
}

function event(seq: number, agentId: string | null, kind: MissionEvent['kind'], text = ''): MissionEvent {
  return { seq, missionId: 'm1', agentId, taskId: agentId === 'p' ? null : 't1', kind, ts: seq, text };
}

function delta(agentId: string, text: string): AgentDidStreamParams {
  return { missionId: 'm1', agentId, taskId: 't1', role: 'coder', kind: 'delta', delta: text };
}

function stored(ev: MissionEvent): AgentDidStreamParams {
  return { missionId: 'm1', agentId: ev.agentId ?? '', taskId: ev.taskId, role: 'coder', kind: 'event', event: ev };
}

test('format: tokens, cost, usage and age', () => {
  assert.equal(formatTokens(1234567), '1,234,567');
  assert.equal(formatCost(0), '$0.00');
  assert.equal(formatCost(0.00421), '$0.0042');
  assert.equal(formatCost(1.5), '$1.50');
  assert.equal(formatUsage({ inputTokens: 1200, outputTokens: 34, costUsd: 0.5, calls: 2 }), '1,200 in · 34 out · $0.50');
  const now = 10_000_000;
  assert.equal(formatAge(now - 1000, now), 'just now');
  assert.equal(formatAge(now - 30_000, now), '30s ago');
  assert.equal(formatAge(now - 3 * 60_000, now), '3m ago');
  assert.equal(formatAge(now - 2 * 3_600_000, now), '2h ago');
  assert.equal(formatAge(now - 49 * 3_600_000, now), '2d ago');
  assert.equal(isMissionActive('running'), true);
  assert.equal(isMissionActive('completed'), false);
});

test('format: one-line summaries of tool calls and results', () => {
  assert.equal(summarizeArgs('{"path":"src/a.ts","startLine":3,"endLine":9}'), 'src/a.ts:3-9');
  assert.equal(summarizeArgs('{"command":"npm test"}'), 'npm test');
  assert.equal(summarizeArgs('not json'), 'not json');
  assert.equal(summarizeArgs(undefined), '');
  const call: MissionEvent = { ...event(1, 'a', 'tool_call'), tool: 'read_file', args: '{"path":"x.ts"}' };
  assert.equal(toolEventSummary(call), 'read_file x.ts');
  const ok: MissionEvent = { ...event(2, 'a', 'tool_result', 'line 1\nline 2'), tool: 'read_file', ok: true };
  assert.equal(toolEventSummary(ok), 'read_file ok: line 1 line 2');
  const failed: MissionEvent = { ...event(3, 'a', 'tool_result', 'oldText not found'), tool: 'edit_file', ok: false };
  assert.equal(toolEventSummary(failed), 'edit_file failed: oldText not found');
});

test('mission list: newest first, older summaries ignored', () => {
  const list = createMissionList();
  upsertMission(list, mission('a', 1));
  upsertMission(list, mission('b', 3));
  upsertMission(list, mission('c', 2));
  assert.deepEqual(sortedMissions(list).map((m) => m.id), ['b', 'c', 'a']);
  assert.equal(upsertMission(list, mission('b', 3, 10, 'completed')), true);
  assert.equal(upsertMission(list, mission('b', 3, 5, 'running')), false);
  assert.equal(list.missions.get('b')?.state, 'completed');
});

test('mission view: snapshot, task order and newer-only summaries', () => {
  const s = createMissionView('m1');
  applyTask(s, task('t2'));
  const detail: MissionDetail = {
    mission: mission('m1', 1, 5),
    plan: { summary: 'two tasks', tasks: [
      { id: 't1', title: 'one', role: 'coder', instructions: '', acceptance: [], dependsOn: [], writeSet: ['src/**'] },
      { id: 't2', title: 'two', role: 'tester', instructions: '', acceptance: [], dependsOn: ['t1'], writeSet: [] },
    ] },
    tasks: [task('t1', 'running'), task('t2')],
    agents: [
      { id: 'a1', missionId: 'm1', taskId: 't1', role: 'coder', provider: 'replay', model: 'm-coder', usage },
      { id: 'p', missionId: 'm1', taskId: null, role: 'planner', provider: 'replay', model: 'm-plan', usage },
    ],
    changes: [],
  };
  applyDetail(s, detail);
  assert.deepEqual(orderedTasks(s).map((t) => t.id), ['t1', 't2']);
  assert.deepEqual(orderedTranscripts(s).map((t) => [t.agentId, t.model]), [['p', 'm-plan'], ['a1', 'm-coder']]);
  assert.equal(applyMissionSummary(s, mission('m1', 1, 4, 'failed')), false);
  assert.equal(applyMissionSummary(s, mission('m1', 1, 6, 'completed')), true);
  assert.equal(s.mission?.state, 'completed');
  applyTask(s, task('t9', 'pending', 'other'));
  assert.equal(s.tasks.has('t9'), false);
});

test('transcripts: deltas stream live until the stored text event replaces them', () => {
  const s = createMissionView('m1');
  const e1 = applyStream(s, delta('a1', 'Hel'));
  assert.deepEqual(e1, { agentId: 'a1', created: true, inserted: null, liveChanged: true });
  applyStream(s, delta('a1', 'lo'));
  assert.equal(s.transcripts.get('a1')?.live, 'Hello');
  const text = event(7, 'a1', 'text', 'Hello');
  const e2 = applyStream(s, stored(text));
  assert.deepEqual(e2?.inserted, text);
  assert.equal(e2?.liveChanged, true);
  assert.equal(s.transcripts.get('a1')?.live, '');
  // A duplicate (already paged in) still clears text streamed before it.
  applyStream(s, delta('a1', 'again'));
  const e3 = applyStream(s, stored(text));
  assert.equal(e3?.inserted, null);
  assert.equal(s.transcripts.get('a1')?.live, '');
  // A tool call does not clear the live text.
  applyStream(s, delta('a1', 'next'));
  applyStream(s, stored(event(8, 'a1', 'tool_call')));
  assert.equal(s.transcripts.get('a1')?.live, 'next');
});

test('transcripts: events kept in seq order without duplicates; mission-level events skipped', () => {
  const s = createMissionView('m1');
  for (const seq of [5, 2, 9, 2, 7]) applyStoredEvent(s, event(seq, 'a1', 'info'));
  assert.deepEqual(s.transcripts.get('a1')?.events.map((e) => e.seq), [2, 5, 7, 9]);
  assert.equal(applyStoredEvent(s, event(10, null, 'state')), null);
  assert.equal(applyStoredEvent(s, { ...event(11, 'a1', 'info'), missionId: 'other' }), null);
  // Role of an unknown agent comes from its task, or planner without one.
  applyTask(s, { ...task('t1'), role: 'tester' });
  applyStoredEvent(s, event(12, 'a2', 'info'));
  applyStoredEvent(s, event(13, 'p', 'info'));
  assert.equal(s.transcripts.get('a2')?.role, 'tester');
  assert.equal(s.transcripts.get('p')?.role, 'planner');
  assert.deepEqual(orderedTranscripts(s).map((t) => t.agentId), ['p', 'a1', 'a2']);
});

test('fetchAllEvents pages with afterSeq until a short page', async () => {
  const all = Array.from({ length: 25 }, (_, i) => event(i + 1, 'a1', 'info'));
  const asked: (number | undefined)[] = [];
  const got = await fetchAllEvents(async (afterSeq, limit) => {
    asked.push(afterSeq);
    return all.filter((e) => e.seq > (afterSeq ?? 0)).slice(0, limit);
  }, 10);
  assert.equal(got.length, 25);
  assert.deepEqual(asked, [undefined, 10, 20]);
  // Exactly a multiple of the page size: one extra, empty page.
  const asked2: (number | undefined)[] = [];
  await fetchAllEvents(async (afterSeq, limit) => {
    asked2.push(afterSeq);
    return all.slice(0, 20).filter((e) => e.seq > (afterSeq ?? 0)).slice(0, limit);
  }, 10);
  assert.deepEqual(asked2, [undefined, 10, 20]);
  // A server that does not advance does not loop forever.
  let calls = 0;
  await fetchAllEvents(async () => {
    calls++;
    return all.slice(0, 10);
  }, 10);
  assert.equal(calls, 2);
});

test('StreamGate drops during the snapshot, holds while paging, releases in order', () => {
  const gate = new StreamGate();
  assert.equal(gate.offer(delta('a', 'x')), 'dropped');
  gate.set('events');
  assert.equal(gate.offer(delta('a', '1')), 'held');
  assert.equal(gate.offer(delta('a', '2')), 'held');
  assert.deepEqual(gate.set('live').map((p) => p.delta), ['1', '2']);
  assert.equal(gate.offer(delta('a', '3')), 'apply');
  // A reload forgets what was held.
  gate.set('events');
  gate.offer(delta('a', 'old'));
  gate.set('snapshot');
  gate.set('events');
  assert.deepEqual(gate.set('live'), []);
});
