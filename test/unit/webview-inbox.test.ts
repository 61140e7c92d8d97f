/**
 * The Inbox's DOM-free state: open items across missions, answered items leaving the
 * open list for "Recent decisions", stale updates, reloads after a server restart, the
 * responses the panel sends, and how items and decisions read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InboxItem } from '../../protocol/protocol';
import {
  announcement,
  answerResponse,
  applyInboxItem,
  approvalResponse,
  createInbox,
  decisionText,
  detailStyle,
  inboxIcon,
  itemContext,
  kindLabel,
  MAX_RECENT,
  openCount,
  openItems,
  recentDecisions,
  replaceOpenItems,
} from '../../webview/inbox';

function item(id: number, patch: Partial<InboxItem> = {}): InboxItem {
  return {
    id, missionId: 'm1', taskId: 't2', agentId: 'a2', kind: 'approval', subject: 'command',
    title: `t2 wants to run cmd${id}`, detail: `cmd${id}`, state: 'open', createdAt: 1000 + id, ...patch,
  };
}

function answered(i: InboxItem, response: InboxItem['response'], at = 5000, by: InboxItem['respondedBy'] = 'user'): InboxItem {
  return { ...i, state: 'answered', response, respondedAt: at, respondedBy: by };
}

test('open items are listed oldest first across missions and counted', () => {
  const s = createInbox();
  assert.equal(applyInboxItem(s, item(2, { createdAt: 300 })), 'opened');
  assert.equal(applyInboxItem(s, item(1, { createdAt: 200, missionId: 'm2' })), 'opened');
  assert.equal(applyInboxItem(s, item(3, { createdAt: 200 })), 'opened');
  assert.deepEqual(openItems(s).map((i) => i.id), [1, 3, 2]);
  assert.equal(openCount(s), 3);
});

test('an answered item leaves the open list and shows under recent decisions, newest first', () => {
  const s = createInbox();
  applyInboxItem(s, item(1));
  applyInboxItem(s, item(2));
  assert.equal(applyInboxItem(s, answered(item(1), { approved: true }, 5000)), 'closed');
  assert.equal(applyInboxItem(s, answered(item(2), { approved: false, reason: 'no' }, 6000)), 'closed');
  assert.equal(openCount(s), 0);
  assert.deepEqual(recentDecisions(s).map((i) => i.id), [2, 1]);
});

test('a stale open copy of a decided item does not reopen it; an identical update changes nothing', () => {
  const s = createInbox();
  applyInboxItem(s, answered(item(1), { approved: true }));
  assert.equal(applyInboxItem(s, item(1)), 'none');
  assert.equal(openCount(s), 0);
  applyInboxItem(s, item(2));
  assert.equal(applyInboxItem(s, item(2)), 'none');
  assert.equal(applyInboxItem(s, item(2, { title: 'changed' })), 'updated');
});

test('reloading the open items (server restart) drops items no longer open and keeps decisions', () => {
  const s = createInbox();
  applyInboxItem(s, item(1));
  applyInboxItem(s, item(2));
  applyInboxItem(s, answered(item(3), { approved: true }));
  replaceOpenItems(s, [item(2), item(4), item(3)]);
  assert.deepEqual(openItems(s).map((i) => i.id), [2, 4]);
  assert.deepEqual(recentDecisions(s).map((i) => i.id), [3]);
});

test('recent decisions are capped', () => {
  const s = createInbox();
  for (let i = 1; i <= MAX_RECENT + 5; i++) applyInboxItem(s, answered(item(i), { approved: true }, 10_000 + i));
  const recent = recentDecisions(s);
  assert.equal(recent.length, MAX_RECENT);
  assert.equal(recent[0].id, MAX_RECENT + 5);
  assert.equal(s.items.size, MAX_RECENT);
});

test('responses: approvals carry a trimmed optional reason; blank answers are not sent; skip is null', () => {
  assert.deepEqual(approvalResponse(true), { approved: true });
  assert.deepEqual(approvalResponse(false, '   '), { approved: false });
  assert.deepEqual(approvalResponse(false, ' too risky '), { approved: false, reason: 'too risky' });
  assert.deepEqual(answerResponse('  sliding window '), { answer: 'sliding window' });
  assert.equal(answerResponse('  \n '), null);
  assert.deepEqual(answerResponse(null), { answer: null });
});

test('how items read: kind, icon, detail style and where they come from', () => {
  const q = item(1, { kind: 'question', subject: undefined, title: 'Which window?' });
  assert.equal(kindLabel(q), 'Question');
  assert.equal(detailStyle(q), 'prose');
  assert.equal(inboxIcon(q), 'comment-discussion');
  assert.equal(kindLabel(item(2)), 'Approval: run a command');
  assert.equal(detailStyle(item(2)), 'code');
  assert.equal(inboxIcon(item(2, { subject: 'delete' })), 'trash');
  assert.equal(kindLabel(item(3, { kind: 'conflict', subject: undefined })), 'Conflict');
  assert.equal(itemContext(item(4), 'Add rate limiting', 'Write the limiter'), 'Mission: Add rate limiting · task t2 · Write the limiter');
  assert.equal(itemContext(item(5, { taskId: null }), null, null), 'Mission: m1 · planner');
});

test('decisions read with who and when', () => {
  const now = 5000 + 3 * 60_000;
  assert.equal(decisionText(answered(item(1), { approved: true }), now), 'Allowed by you · 3m ago');
  assert.equal(decisionText(answered(item(1), { approved: false, reason: 'no network' }, 5000, 'policy'), now), 'Denied by policy · 3m ago: no network');
  const q = item(2, { kind: 'question', subject: undefined });
  assert.equal(decisionText(answered(q, { answer: 'yes' }), now), 'Answered by you · 3m ago: “yes”');
  assert.equal(decisionText(answered(q, { answer: null }), now), 'Skipped by you · 3m ago');
  assert.equal(decisionText({ ...q, state: 'cancelled', respondedAt: 5000, respondedBy: 'system' }, now), 'Cancelled by Taskforce · 3m ago');
});

test('announcements for arrivals and decisions, none for other updates', () => {
  assert.equal(announcement(item(1), 'opened', 2), 'New approval: run a command: t2 wants to run cmd1. 2 open requests.');
  assert.match(announcement(answered(item(1), { approved: true }), 'closed', 0) ?? '', /^t2 wants to run cmd1: Allowed by you · just now\. 0 open requests\.$/);
  assert.equal(announcement(item(1), 'updated', 1), null);
});
