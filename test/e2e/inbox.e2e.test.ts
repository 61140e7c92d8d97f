/**
 * Chat, inbox and themes end to end, in a real VS Code (code-server) with the packaged
 * VSIX, on the small workspace of fixtures/review-workspace.json, replaying
 * fixtures/team.cassette.json (three workers at once):
 *   1. start the mission from the palette;
 *   2. steering: while t1 runs `sleep 8`, the user sends it a message from its chat box in
 *      the Missions panel; it is queued for t1's next turn;
 *   3. the Inbox shows t2's question and t3's first command, with a count of 2
 *      (screenshot inbox.png);
 *   4. the panel in the light, dark and high-contrast themes, chosen with "Preferences:
 *      Color Theme" (screenshots theme-*.png);
 *   5. the user answers t2's question in the Inbox; t2 goes on with the answer;
 *   6. the user allows t3's first command in the Inbox and denies the second with the
 *      notification's Deny button; t3's transcript shows one ran and one was denied;
 *   7. the mission completes, which it can only do if t1's next turn carried the message
 *      (the cassette's `expectUserMessage`), and t1's transcript reflects it.
 * Steps share state; once one fails the rest are skipped (its screenshot and logs are printed).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import {
  answerInputBox,
  collapseViewPane,
  collectLogs,
  exactText,
  findWebviewFrame,
  launchBrowser,
  openWorkbench,
  resizeSideBar,
  runCommand,
  screenshot,
  startCodeServer,
  waitFor,
  type CodeServerHandle,
} from './harness';

const FIXTURES = join(__dirname, 'fixtures');
const CASSETTE = join(FIXTURES, 'team.cassette.json');
const GOAL = 'Greet the user and run two shell checks';
const STEER = 'The greeting should be Bonjour, please.';
const ANSWER = 'Salutations';
const ALLOWED = 'echo approved-$((6*7))';
const DENIED = 'echo denied-$((6*7))';
/** The default allowlist plus `sleep`, so t1's `sleep 8` runs without asking. */
const ALLOWED_COMMANDS = ['npm test', 'node --test', 'npm run lint', 'git status', 'git diff', 'ls', 'sleep'];
const THEMES = [
  { id: 'Default Light Modern', body: 'vscode-light', workbench: 'vs', shot: 'theme-light' },
  { id: 'Default Dark Modern', body: 'vscode-dark', workbench: 'vs-dark', shot: 'theme-dark' },
  { id: 'Default High Contrast', body: 'vscode-high-contrast', workbench: 'hc-black', shot: 'theme-high-contrast' },
] as const;

let tmp = '';
let workspace = '';
let server: CodeServerHandle | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let panel: Frame | undefined;
let failed: string | null = null;

function p(): Page {
  assert.ok(page, 'the workbench page is open');
  return page;
}

function f(): Frame {
  assert.ok(panel, 'the Missions panel is open');
  return panel;
}

/** Runs one step unless an earlier one failed; on failure saves a screenshot and prints logs. */
function step(name: string, timeoutMs: number, fn: () => Promise<void>): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    if (failed) {
      t.skip(`skipped: "${failed}" failed`);
      return;
    }
    const started = Date.now();
    try {
      await fn();
      console.log(`[e2e] ${name}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      failed = name;
      const shot = page ? await screenshot(page, `failure-inbox-${name.replace(/\W+/g, '-').toLowerCase()}.tmp`).catch(() => '') : '';
      console.log(`[e2e] ${name}: FAILED${shot ? `; screenshot ${shot}` : ''}`);
      if (server) console.log(collectLogs(server));
      throw err;
    }
  });
}

/** The mission state the panel shows ('' before it shows one). */
async function missionState(): Promise<string> {
  const el = f().locator('[data-testid=mission-state]').first();
  return (await el.count()) ? ((await el.textContent()) ?? '').trim() : '';
}

/** The transcript section of a task's worker. */
function transcript(taskId: string): Locator {
  return f().locator(`[data-testid=transcript][data-agent-id$=":${taskId}"]`).first();
}

/** Stored events of a task's worker of one kind, optionally containing text. */
function events(taskId: string, kind: string, text?: string): Locator {
  const all = transcript(taskId).locator(`[data-kind=${kind}]`);
  return text === undefined ? all : all.filter({ hasText: text });
}

/** The open inbox item of `kind` whose detail contains `text`. */
function inboxItem(kind: 'question' | 'approval', text: string): Locator {
  return f()
    .locator(`[data-testid=inbox-item][data-kind=${kind}]`)
    .filter({ has: f().locator('[data-testid=inbox-detail]', { hasText: text }) })
    .first();
}

/** Scrolls the panel to its top (the Inbox) for a screenshot. */
async function scrollPanelToInbox(): Promise<void> {
  await f().evaluate(() => document.querySelector('[data-testid=inbox]')?.scrollIntoView({ block: 'start' }));
}

/** Fails early when the mission ended in another state than completed. */
async function assertNotEnded(): Promise<void> {
  const state = await missionState();
  if (/failed|cancelled|stopped/.test(state)) {
    const error = ((await f().locator('[data-testid=mission-error]').first().textContent()) ?? '').trim();
    throw new Error(`the mission ended ${state}: ${error}`);
  }
}

describe('Chat, inbox and themes in code-server', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'taskforce-e2e-inbox-'));
    workspace = join(tmp, 'calc');
    mkdirSync(workspace);
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'review-workspace.json'), 'utf8')) as { files: Record<string, string[]> };
    for (const [name, lines] of Object.entries(fixture.files)) writeFileSync(join(workspace, name), `${lines.join('\n')}\n`);
    server = await startCodeServer({
      workspace,
      env: { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined },
      settings: { 'taskforce.replay.cassette': CASSETTE, 'taskforce.allowedCommands': ALLOWED_COMMANDS },
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, workspace);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (tmp && process.env.TASKFORCE_E2E_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
  });

  step('1. start the mission', 90_000, async () => {
    await runCommand(p(), 'Taskforce: Open Missions');
    await findWebviewFrame(p(), '[data-testid=server-state][data-state=ready]', 45_000);
    // Room for the panel: a wide side bar, Missions alone.
    await resizeSideBar(p(), 560);
    await collapseViewPane(p(), 'Agent Changes');
    await runCommand(p(), 'Taskforce: Start Mission');
    await answerInputBox(p(), GOAL, 'Taskforce: Start Mission');
    panel = await findWebviewFrame(p(), '[data-testid=mission-view]', 45_000);
  });

  step('2. steer t1 by chat while it runs', 60_000, async () => {
    // t1's `sleep 8` is recorded before it runs; a message sent before its result is
    // delivered at t1's next turn, which the cassette serves only if it carries it.
    await events('t1', 'tool_call', 'sleep 8').first().waitFor({ state: 'attached', timeout: 45_000 });
    assert.equal(await events('t1', 'tool_result').count(), 0, 't1 is still running `sleep 8` when the user writes');
    const started = Date.now();
    const input = transcript('t1').locator('[data-testid=chat-input]');
    await input.fill(STEER);
    await transcript('t1').locator('[data-testid=chat-send]').click();
    const status = transcript('t1').locator('[data-testid=chat-status]');
    await waitFor(async () => /queued for its next turn/.test((await status.textContent()) ?? ''), 10_000, 'the chat status to say "queued"');
    console.log(`[e2e]   message sent and queued ${Date.now() - started} ms after the sleep started showing`);
    assert.equal(await events('t1', 'tool_result').count(), 0, 'the message was queued before `sleep 8` ended');
    await events('t1', 'user_message', STEER).first().waitFor({ state: 'attached', timeout: 10_000 });
    assert.equal(await input.inputValue(), '', 'the chat box is cleared after sending');
  });

  step('3. the Inbox lists the question and the first command', 60_000, async () => {
    await inboxItem('question', 'Which heading').waitFor({ state: 'visible', timeout: 45_000 });
    await inboxItem('approval', ALLOWED).waitFor({ state: 'visible', timeout: 45_000 });
    const count = f().locator('[data-testid=inbox-count]').first();
    await waitFor(async () => (await count.getAttribute('data-count')) === '2', 10_000, 'the inbox count to be 2');
    assert.equal(await inboxItem('approval', DENIED).count(), 0, 't3 asks for its second command only after the first is decided');
    await scrollPanelToInbox();
    await screenshot(p(), 'inbox');
  });

  step('4. the panel in light, dark and high-contrast themes', 90_000, async () => {
    const widget = p().locator('.quick-input-widget');
    for (const theme of THEMES) {
      await runCommand(p(), 'Preferences: Color Theme');
      await widget.locator('input.input').fill(theme.id);
      // VS Code 1.100 labels some default themes differently ("Dark High Contrast") and
      // shows the setting's id as the row's description.
      const row = widget
        .locator('.monaco-list-row')
        .filter({ has: p().locator('.label-name, .label-description', { hasText: exactText(theme.id) }) })
        .first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await row.click();
      await widget.waitFor({ state: 'hidden', timeout: 10_000 });
      await waitFor(
        async () => ((await p().locator('.monaco-workbench').getAttribute('class')) ?? '').split(/\s+/).includes(theme.workbench),
        10_000,
        `the workbench in ${theme.id}`,
      );
      await waitFor(
        async () => (await f().evaluate(() => document.body.className)).split(/\s+/).includes(theme.body),
        10_000,
        `the Missions panel in ${theme.id}`,
      );
      await scrollPanelToInbox();
      await screenshot(p(), theme.shot);
    }
  });

  step('5. answer t2\'s question from the Inbox; t2 goes on with the answer', 60_000, async () => {
    const item = inboxItem('question', 'Which heading');
    await item.locator('[data-testid=inbox-answer]').fill(ANSWER);
    await item.locator('[data-testid=inbox-send]').click();
    await waitFor(async () => (await inboxItem('question', 'Which heading').count()) === 0, 10_000, 'the question to leave the open items');
    await events('t2', 'tool_result', `The user answered: ${ANSWER}`).first().waitFor({ state: 'attached', timeout: 20_000 });
    // The turn after the answer: t2's next text and its edit.
    await events('t2', 'text', 'adding the section under your heading').first().waitFor({ state: 'attached', timeout: 20_000 });
  });

  step('6. allow one command in the Inbox, deny the other from its notification', 60_000, async () => {
    await inboxItem('approval', ALLOWED).locator('[data-testid=inbox-allow]').click();
    await events('t3', 'tool_result', 'approved-42').first().waitFor({ state: 'attached', timeout: 20_000 });
    const toast = p().locator('.notification-toast', { hasText: DENIED }).first();
    await toast.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(((await toast.textContent()) ?? '').trim(), /t3 wants to run `echo denied-\$\(\(6\*7\)\)`/);
    await toast.locator('.monaco-button', { hasText: exactText('Deny') }).click();
    const denied = events('t3', 'tool_result', `The user denied running \`${DENIED}\``).first();
    await denied.waitFor({ state: 'attached', timeout: 20_000 });
    assert.equal(await denied.getAttribute('data-ok'), 'false', 'the denied command is a failed tool result');
    const ran = events('t3', 'tool_result', 'approved-42').first();
    assert.equal(await ran.getAttribute('data-ok'), 'true', 'the allowed command ran');
    assert.match((await ran.textContent()) ?? '', /exit code 0/);
    assert.equal(await events('t3', 'tool_result', 'denied-42').count(), 0, 'the denied command printed nothing: it never ran');
    // The decisions, with who made them.
    const decisions = f().locator('[data-testid=inbox-decision]');
    await waitFor(async () => (await decisions.count()) >= 3, 10_000, 'three recent decisions');
    const texts = (await decisions.allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    assert.ok(texts.some((t) => t.includes(DENIED) && t.includes('Denied by you')), `"Denied by you" for ${DENIED} (got ${JSON.stringify(texts)})`);
    assert.ok(texts.some((t) => t.includes(ALLOWED) && t.includes('Allowed by you')), `"Allowed by you" for ${ALLOWED} (got ${JSON.stringify(texts)})`);
  });

  step('7. the mission completes: t1\'s next turn carried the message', 90_000, async () => {
    await waitFor(
      async () => {
        await assertNotEnded();
        return (await missionState()) === 'completed';
      },
      60_000,
      'the mission to complete',
      250,
    );
    const tasks = await f()
      .locator('[data-testid=plan-task]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-task-id')}=${e.getAttribute('data-state')}`));
    assert.deepEqual(tasks.sort(), ['t1=done', 't2=done', 't3=done']);
    // The message sits between the sleep and the turn that acted on it.
    const order = await transcript('t1')
      .locator('.events > [data-seq]')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${(e.textContent ?? '').slice(0, 60)}`));
    const sleepAt = order.findIndex((e) => e.startsWith('tool_call:') && e.includes('sleep 8'));
    const messageAt = order.findIndex((e) => e.startsWith('user_message:'));
    const replyAt = order.findIndex((e) => e.startsWith('text:') && e.includes('You asked for Bonjour'));
    assert.ok(sleepAt >= 0 && sleepAt < messageAt && messageAt < replyAt, `sleep, then the message, then the reply (t1: ${JSON.stringify(order)})`);
  });
});
