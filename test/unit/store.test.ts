import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Db } from '../../server/store/db';
import { MIGRATIONS } from '../../server/store/migrations';
import { Store } from '../../server/store/store';
import type { MissionConfig } from '../../protocol/protocol';

const config: MissionConfig = { provider: 'replay', models: {}, allowedCommands: [], cassette: '/tmp/c.json' };

test('a new database is migrated to the latest user_version', async () => {
  const db = await Db.open(null);
  assert.equal(db.version, MIGRATIONS.length);
  db.close();
});

test('writes are flushed atomically to the file and survive reopening', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-store-'));
  const file = path.join(dir, 'db', 'taskforce.db');
  const store = new Store(await Db.open(file));
  store.createMission({ id: 'm1', goal: 'goal', workspaceRoot: '/w', config, replaying: true });
  store.insertTasks('m1', [{ id: 't1', title: 'T', role: 'coder', instructions: 'i', acceptance: ['a'], dependsOn: [], writeSet: ['a.txt'], checks: ['npm test'] }, { id: 't2', title: 'U', role: 'tester', instructions: 'i', acceptance: [], dependsOn: ['t1'], writeSet: [] }]);
  store.appendEvent({ missionId: 'm1', agentId: null, taskId: null, kind: 'info', text: 'hello' });
  store.replaceChanges('m1', [{ path: 'a.txt', kind: 'modify', baseContent: 'a\n', proposedContent: 'b\n', added: 1, removed: 1 }]);
  store.db.flushNow();
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['taskforce.db'], 'no temporary file is left behind');
  store.db.close();

  const again = new Store(await Db.open(file));
  const m = again.getMission('m1');
  assert.equal(m?.goal, 'goal');
  assert.equal(m?.replaying, true);
  assert.equal(m?.pendingChanges, 1);
  assert.deepEqual(again.listTasks('m1').map((t) => [t.id, t.dependsOn, t.writeSet, t.checks, t.kind]), [['t1', [], ['a.txt'], ['npm test'], 'work'], ['t2', ['t1'], [], [], 'work']]);
  assert.equal(again.listEvents('m1')[0].text, 'hello');
  const change = again.getChange(again.listChanges('m1')[0].id);
  assert.equal(change?.hunks.length, 1);
  again.db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('deciding changes records the state once and only for pending changes', async () => {
  const store = new Store(await Db.open(null));
  store.createMission({ id: 'm1', goal: 'g', workspaceRoot: '/w', config, replaying: false });
  store.replaceChanges('m1', [
    { path: 'a', kind: 'add', baseContent: null, proposedContent: 'x', added: 1, removed: 0 },
    { path: 'b', kind: 'delete', baseContent: 'y', proposedContent: null, added: 0, removed: 1 },
  ]);
  const [a, b] = store.listChanges('m1');
  assert.deepEqual(store.decideChanges('m1', 'accepted', [a.id]).map((c) => c.path), ['a']);
  assert.deepEqual(store.decideChanges('m1', 'rejected').map((c) => c.path), ['b'], 'a is already decided');
  assert.deepEqual(store.listChanges('m1').map((c) => c.state), ['accepted', 'rejected']);
  assert.equal(store.getChange(b.id)?.proposedContent, null);
});

test('a file that is not a database is refused with a clear message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-store-'));
  const file = path.join(dir, 'bad.db');
  fs.writeFileSync(file, 'this is not sqlite at all, just text that is long enough to have a header');
  await assert.rejects(Db.open(file), /Cannot open the Taskforce database .*bad\.db/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('hunk decisions are stored per hunk; the change is decided when no hunk is pending', async () => {
  const store = new Store(await Db.open(null));
  store.createMission({ id: 'm1', goal: 'g', workspaceRoot: '/w', config, replaying: false });
  const base = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const proposed = base.replace('line 2\n', 'LINE 2\n').replace('line 27\n', 'LINE 27\n');
  store.replaceChanges('m1', [{ path: 'f.txt', kind: 'modify', baseContent: base, proposedContent: proposed, added: 2, removed: 2 }]);
  const id = store.listChanges('m1')[0].id;
  assert.equal(store.getChange(id)?.hunks.length, 2);
  const partial = store.decideHunks(id, [{ index: 0, state: 'accepted' }]);
  assert.deepEqual(partial.hunks.map((h) => h.state), ['accepted', 'pending']);
  assert.equal(partial.state, 'pending');
  const flagged = store.decideHunks(id, [{ index: 1, state: 'conflicting' }]);
  assert.equal(flagged.state, 'pending', 'a conflicting hunk still needs a decision');
  const done = store.decideHunks(id, [{ index: 1, state: 'rejected' }]);
  assert.deepEqual(done.hunks.map((h) => h.state), ['accepted', 'rejected']);
  assert.equal(done.state, 'accepted');
  assert.throws(() => store.decideHunks(id, [{ index: 0, state: 'rejected' }]), /already accepted/);
  assert.throws(() => store.decideHunks(9999, [{ index: 0, state: 'rejected' }]), /no change with id 9999/);
});
