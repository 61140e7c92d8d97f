/**
 * The Missions webview's plan-graph and Live-area logic, DOM-free: dependency order,
 * "Running now", dependency chips, attempt and worker labels, evidence rows, worker
 * slots, the latest tool call, and the scroll-follow rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentInfo, Evidence, MissionEvent, TaskInfo } from '../../protocol/protocol';
import {
  attemptLabel,
  dependencyChips,
  evidenceRows,
  runningNow,
  runningNowText,
  topoOrder,
  workerLabel,
} from '../../webview/graph';
import { assignSlots, isAtBottom, latestToolCall, liveWorkers, showsLiveArea } from '../../webview/liveModel';

const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };

function task(id: string, over: Partial<TaskInfo> = {}): TaskInfo {
  return {
    missionId: 'm1', id, title: `title ${id}`, role: 'coder', kind: 'work', instructions: '', acceptance: [],
    dependsOn: [], addedDependsOn: [], writeSet: [], checks: [], evidence: [], state: 'pending', attempts: 0,
    ...over,
  };
}

function ids(tasks: TaskInfo[]): string[] {
  return tasks.map((t) => t.id);
}

function evidence(over: Partial<Evidence> = {}): Evidence {
  return { attempt: 1, command: 'npm test', exitCode: 0, durationMs: 2400, outputTail: 'ok', passed: true, ts: 1, ...over };
}

function ev(seq: number, kind: MissionEvent['kind'], over: Partial<MissionEvent> = {}): MissionEvent {
  return { seq, missionId: 'm1', agentId: 'a1', taskId: 't1', kind, ts: seq, text: '', ...over };
}

test('topoOrder: dependencies first, ties in plan order, plan order kept when already topological', () => {
  // Plan order t3, t1, t2 with t3 after t2 and t2 after t1.
  const tasks = [task('t3', { dependsOn: ['t2'] }), task('t1'), task('t2', { dependsOn: ['t1'] })];
  assert.deepEqual(ids(topoOrder(tasks)), ['t1', 't2', 't3']);
  // A diamond in plan order stays as it is; B and C (ties) keep plan order.
  const diamond = [task('a'), task('c', { dependsOn: ['a'] }), task('b', { dependsOn: ['a'] }), task('d', { dependsOn: ['b', 'c'] })];
  assert.deepEqual(ids(topoOrder(diamond)), ['a', 'c', 'b', 'd']);
  // Independent tasks keep plan order.
  assert.deepEqual(ids(topoOrder([task('x'), task('y'), task('z')])), ['x', 'y', 'z']);
});

test('topoOrder: engine-added dependencies count; unknown deps ignored; cycles fall back to plan order', () => {
  const added = [
    task('t2', { addedDependsOn: [{ dependsOn: 't1', reason: 'write-sets overlap (src/**)' }] }),
    task('t1'),
  ];
  assert.deepEqual(ids(topoOrder(added)), ['t1', 't2']);
  assert.deepEqual(ids(topoOrder([task('t1', { dependsOn: ['gone'] }), task('t2')])), ['t1', 't2']);
  const cyclic = [task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['a'] }), task('c')];
  assert.deepEqual(ids(topoOrder(cyclic)), ['c', 'a', 'b']);
});

test('runningNow: running and awaiting tasks, with waiting states spelled out', () => {
  const tasks = [
    task('t1', { state: 'done' }),
    task('t2', { state: 'running' }),
    task('t3', { state: 'running' }),
    task('t4', { state: 'awaiting_approval' }),
    task('t5', { state: 'ready' }),
  ];
  assert.deepEqual(ids(runningNow(tasks)), ['t2', 't3', 't4']);
  assert.equal(runningNowText(tasks), 'Running now: t2, t3, t4 (awaiting approval)');
  assert.equal(runningNowText([task('t1', { state: 'done' })]), 'Running now: none');
});

test('dependencyChips: planned deps with titles, engine-added ones distinct with their reason', () => {
  const t1 = task('t1', { title: 'Write the limiter', state: 'done' });
  const t2 = task('t2', { title: 'Docs' });
  const t3 = task('t3', {
    dependsOn: ['t1', 't2'],
    addedDependsOn: [{ dependsOn: 't2', reason: 'write-sets overlap (src/**)' }],
  });
  const all = new Map([t1, t2, t3].map((t) => [t.id, t]));
  const chips = dependencyChips(t3, all);
  assert.deepEqual(
    chips.map((c) => [c.id, c.added, c.label]),
    [
      ['t1', false, 't1 · Write the limiter'],
      ['t2', true, 'after t2: write-sets overlap (src/**)'],
    ],
  );
  assert.equal(chips[0].state, 'done');
  assert.equal(chips[1].reason, 'write-sets overlap (src/**)');
  // An added dependency missing from dependsOn is still shown; an unknown task shows its id.
  const lone = dependencyChips(task('t4', { dependsOn: ['tx'], addedDependsOn: [{ dependsOn: 't1', reason: 'conflict' }] }), all);
  assert.deepEqual(lone.map((c) => c.label), ['tx', 'after t1: conflict']);
});

test('attemptLabel: shown from the second attempt, "of N" when the limit is known', () => {
  assert.equal(attemptLabel(0, 3), '');
  assert.equal(attemptLabel(1, 3), '');
  assert.equal(attemptLabel(2, 3), 'attempt 2 of 3');
  assert.equal(attemptLabel(2), 'attempt 2 of 3');
  assert.equal(attemptLabel(4, 3), 'attempt 4');
  assert.equal(attemptLabel(2, undefined), 'attempt 2 of 3');
});

test('workerLabel: role and model of the task agent, from agents or a hint; null before a worker', () => {
  const agents = new Map<string, AgentInfo>([
    ['a1', { id: 'a1', missionId: 'm1', taskId: 't1', role: 'tester', provider: 'replay', model: 'gpt-x', usage }],
  ]);
  assert.equal(workerLabel(task('t1', { agentId: 'a1' }), agents), 'tester · gpt-x');
  assert.equal(workerLabel(task('t1', { agentId: 'a2' }), agents, { role: 'coder', model: 'm2' }), 'coder · m2');
  assert.equal(workerLabel(task('t1', { agentId: 'a3', role: 'docs' }), agents), 'docs');
  assert.equal(workerLabel(task('t1'), agents), null);
});

test('evidenceRows: command, pass/fail icon, exit code, duration, attempt labels for retries', () => {
  const one = evidenceRows([evidence({ durationMs: 850 })]);
  assert.equal(one.length, 1);
  assert.equal(one[0].icon, 'pass');
  assert.equal(one[0].status, 'passed · exit 0 · 850 ms');
  assert.equal(one[0].attempt, '');
  assert.equal(one[0].stale, false);
  const rows = evidenceRows([
    evidence({ exitCode: 1, passed: false, durationMs: 2400, outputTail: 'FAIL a.test.js', ts: 1 }),
    evidence({ attempt: 2, exitCode: 0, passed: true, durationMs: 1200, ts: 2 }),
    evidence({ attempt: 2, command: 'npm run lint', exitCode: null, passed: false, durationMs: 120_000, ts: 3 }),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.command, r.icon, r.exit, r.duration, r.attempt, r.stale]),
    [
      ['npm test', 'error', 'exit 1', '2.4 s', 'attempt 1', true],
      ['npm test', 'pass', 'exit 0', '1.2 s', 'attempt 2', false],
      ['npm run lint', 'error', 'no exit', '120.0 s', 'attempt 2', false],
    ],
  );
  assert.equal(rows[0].outputTail, 'FAIL a.test.js');
  assert.equal(new Set(rows.map((r) => r.key)).size, 3);
});

test('liveWorkers and showsLiveArea: active tasks with an agent; area shown while the mission runs, hidden once it ended', () => {
  const tasks = [
    task('t1', { state: 'running', agentId: 'a1' }),
    task('t2', { state: 'running' }),
    task('t3', { state: 'done', agentId: 'a3' }),
    task('t4', { state: 'awaiting_input', agentId: 'a4' }),
  ];
  assert.deepEqual(liveWorkers(tasks).map((w) => [w.agentId, w.task.id]), [['a1', 't1'], ['a4', 't4']]);
  assert.equal(showsLiveArea('running', 0), true);
  assert.equal(showsLiveArea('paused', 0), true);
  assert.equal(showsLiveArea('completed', 0), false);
  assert.equal(showsLiveArea('planning', 0), false);
  // An ended mission hides the area even if a task was left "running".
  assert.equal(showsLiveArea('cancelled', 2), false);
  assert.equal(showsLiveArea('interrupted', 1), false);
  assert.equal(showsLiveArea(undefined, 1), true);
  assert.equal(showsLiveArea(undefined, 0), false);
});

test('assignSlots: agents keep their slot, freed slots are reused, the list never shrinks', () => {
  let slots = assignSlots([], ['a', 'b', 'c']);
  assert.deepEqual(slots, ['a', 'b', 'c']);
  slots = assignSlots(slots, ['a', 'c']);
  assert.deepEqual(slots, ['a', null, 'c']);
  slots = assignSlots(slots, ['c', 'd']);
  assert.deepEqual(slots, ['d', null, 'c']);
  slots = assignSlots(slots, []);
  assert.deepEqual(slots, [null, null, null]);
  slots = assignSlots(slots, ['e', 'f', 'g', 'h']);
  assert.deepEqual(slots, ['e', 'f', 'g', 'h']);
});

test('latestToolCall: the last call, running until its result, then ok or failed', () => {
  assert.equal(latestToolCall([ev(1, 'text', { text: 'hi' })]), null);
  const call = ev(2, 'tool_call', { tool: 'read_file', args: '{"path":"src/a.ts"}', toolCallId: 'c1' });
  assert.deepEqual(latestToolCall([call]), { summary: 'read_file src/a.ts', status: 'running', seq: 2 });
  const ok = ev(3, 'tool_result', { tool: 'read_file', toolCallId: 'c1', ok: true, text: 'x' });
  assert.equal(latestToolCall([call, ok])?.status, 'ok');
  const call2 = ev(4, 'tool_call', { tool: 'run_command', args: '{"command":"npm test"}', toolCallId: 'c2' });
  const failed = ev(5, 'tool_result', { tool: 'run_command', toolCallId: 'c2', ok: false, text: 'exit 1' });
  assert.deepEqual(latestToolCall([call, ok, call2]), { summary: 'run_command npm test', status: 'running', seq: 4 });
  assert.equal(latestToolCall([call, ok, call2, failed])?.status, 'failed');
  // A later text event does not hide the latest call.
  assert.equal(latestToolCall([call, ok, call2, failed, ev(6, 'text', { text: 'done' })])?.seq, 4);
});

test('isAtBottom: follows only when the box is scrolled to (nearly) its end', () => {
  assert.equal(isAtBottom(0, 100, 100), true);
  assert.equal(isAtBottom(400, 600, 200), true);
  assert.equal(isAtBottom(395, 600, 200), true);
  assert.equal(isAtBottom(300, 600, 200), false);
});
