import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePlan, topologicalOrder } from '../../server/engine/plan';
import type { Plan } from '../../protocol/protocol';

const task = (id: string, dependsOn: string[] = [], role = 'coder', writeSet: string[] = []) => ({ id, title: `Task ${id}`, role, instructions: 'do it', acceptance: [], dependsOn, writeSet });

test('a valid DAG is accepted and typed', () => {
  const v = validatePlan({ summary: 's', tasks: [task('t1'), task('t2', ['t1']), task('t3', ['t1']), task('t4', ['t2', 't3'])] });
  assert.equal(v.ok, true);
  if (v.ok) assert.equal(v.plan.tasks.length, 4);
});

test('schema violations name the path and the problem', () => {
  const v = validatePlan({ summary: '', tasks: [{ ...task('t1'), role: 'wizard', extra: 1 }, { id: 't2' }] });
  assert.equal(v.ok, false);
  if (v.ok) return;
  const all = v.errors.join('\n');
  assert.match(all, /\/summary/);
  assert.match(all, /\/tasks\/0\/role.*allowed values.*coder, tester, reviewer, docs/);
  assert.match(all, /\/tasks\/0.*'extra'/);
  assert.match(all, /\/tasks\/1.*required property 'title'/);
});

test('an empty task list and a non-object are rejected', () => {
  assert.equal(validatePlan({ summary: 's', tasks: [] }).ok, false);
  assert.equal(validatePlan('plan').ok, false);
  assert.equal(validatePlan(null).ok, false);
});

test('duplicate ids, unknown dependencies and self-dependencies are reported', () => {
  const v = validatePlan({ summary: 's', tasks: [task('t1'), task('t1'), task('t2', ['t9']), task('t3', ['t3'])] });
  assert.equal(v.ok, false);
  if (v.ok) return;
  assert.ok(v.errors.some((e) => /"t1" is used more than once/.test(e)));
  assert.ok(v.errors.some((e) => /"t2" depends on unknown task "t9"/.test(e)));
  assert.ok(v.errors.some((e) => /"t3" depends on itself/.test(e)));
});

test('a cycle is rejected and names the tasks on it', () => {
  const v = validatePlan({ summary: 's', tasks: [task('a', ['c']), task('b', ['a']), task('c', ['b']), task('d')] });
  assert.equal(v.ok, false);
  if (v.ok) return;
  assert.match(v.errors.join(), /cycle among tasks a, b, c/);
});

test('topological order puts every task after its dependencies, keeping plan order for ties', () => {
  const plan: Plan = { summary: 's', tasks: [task('d', ['b', 'c']), task('c', ['a']), task('b', ['a']), task('a')] as Plan['tasks'] };
  const order = topologicalOrder(plan);
  assert.deepEqual(order, ['a', 'c', 'b', 'd']);
});

test('a replan may depend on existing done or running tasks but must not reuse their ids', () => {
  const ctx = { taken: new Set(['t1', 't2', 't3']), dependable: new Set(['t1']) };
  assert.equal(validatePlan({ summary: 's', tasks: [task('t4', ['t1'])] }, ctx).ok, true);
  const reused = validatePlan({ summary: 's', tasks: [task('t2')] }, ctx);
  assert.equal(reused.ok, false);
  if (!reused.ok) assert.match(reused.errors.join(), /"t2" is already used in this mission/);
  const skipped = validatePlan({ summary: 's', tasks: [task('t5', ['t3'])] }, ctx);
  assert.equal(skipped.ok, false, 't3 is neither done nor running');
});
