import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globsOverlap, orderOverlappingTasks } from '../../server/engine/writeSets';
import type { PlanTask } from '../../protocol/protocol';

const task = (id: string, writeSet: string[], dependsOn: string[] = []): PlanTask => ({ id, title: id, role: 'coder', instructions: 'x', acceptance: [], dependsOn, writeSet });

test('glob overlap: literal paths, literal against glob, folders and globs', () => {
  assert.equal(globsOverlap('src/a.js', 'src/a.js'), true);
  assert.equal(globsOverlap('./src/a.js', 'src/a.js'), true);
  assert.equal(globsOverlap('src/a.js', 'src/b.js'), false);
  assert.equal(globsOverlap('src/**', 'src/deep/a.js'), true);
  assert.equal(globsOverlap('src/*.ts', 'src/a.js'), false);
  assert.equal(globsOverlap('src/', 'src/a.js'), true, 'a folder means everything under it');
  assert.equal(globsOverlap('src/**/*.js', 'src/lib/*.js'), true);
  assert.equal(globsOverlap('src/**', 'test/**'), false);
  assert.equal(globsOverlap('**/*.md', 'docs/**'), true, 'a glob without a static base overlaps everything');
});

test('tasks that could run together with overlapping write-sets get an added dependency, with the reason', () => {
  const added = orderOverlappingTasks([task('t1', ['src/**']), task('t2', ['src/a.js']), task('t3', ['docs/**'])]);
  assert.deepEqual([...added.keys()], ['t2']);
  assert.equal(added.get('t2')?.[0].dependsOn, 't1');
  assert.match(added.get('t2')?.[0].reason ?? '', /write-sets overlap \(src\/\*\* and src\/a\.js\)/);
});

test('tasks already ordered, directly or transitively, are left alone', () => {
  const added = orderOverlappingTasks([task('t1', ['a.js']), task('t2', ['b.js'], ['t1']), task('t3', ['a.js'], ['t2'])]);
  assert.equal(added.size, 0);
});

test('three tasks on one file become a chain, not a cycle', () => {
  const added = orderOverlappingTasks([task('a', ['x.js']), task('b', ['x.js']), task('c', ['x.js'])]);
  assert.deepEqual(added.get('b')?.map((d) => d.dependsOn), ['a']);
  assert.deepEqual(added.get('c')?.map((d) => d.dependsOn), ['a', 'b'], 'c after a; b and c still overlap, so c also waits for b');
});
