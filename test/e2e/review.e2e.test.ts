/**
 * Per-hunk review end to end, in a real VS Code (code-server) with the packaged VSIX, on a
 * small workspace made from fixtures/review-workspace.json, replaying
 * fixtures/review.cassette.json (one coder task: three one-line hunks in calc.js, two in
 * config.js; slow turns):
 *   1. start the mission from the palette; wait until it runs (its sandbox is made);
 *   2. while it runs, the user edits config.js (the line of its second hunk) and saves;
 *   3. focus: the user types in calc.js while the mission streams, completes, the Agent
 *      Changes tree fills and CodeLens appear in that very editor; after Ctrl+S the file
 *      on disk is exactly what was typed, where it was typed; focus and cursor never moved
 *      (once the changes land the user pauses until the CodeLens show, since VS Code
 *      asks for CodeLens only when typing pauses, then types on);
 *   4. CodeLens: accept calc.js's first hunk, reject its second; the file on disk;
 *   5. keyboard: Alt+] goes to the third hunk, Ctrl+Alt+Y accepts it, Ctrl+Z undoes it,
 *      Ctrl+S saves: the file on disk is back to before the accept;
 *   6. config.js: the second hunk is flagged "Conflicts with your edits"; "Accept file"
 *      applies the first hunk only and keeps the user's line; the tree says "conflicting".
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
  collectLogs,
  exactText,
  findWebviewFrame,
  launchBrowser,
  openViewPane,
  openWorkbench,
  runCommand,
  screenshot,
  startCodeServer,
  treeRow,
  waitFor,
  type CodeServerHandle,
} from './harness';

const FIXTURES = join(__dirname, 'fixtures');
const CASSETTE = join(FIXTURES, 'review.cassette.json');
const GOAL = 'Rename the labels of calc.js and tune config.js';

/** The workspace files of the fixture, as written to disk. */
const ORIGINAL: Record<string, string> = (() => {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'review-workspace.json'), 'utf8')) as { files: Record<string, string[]> };
  return Object.fromEntries(Object.entries(fixture.files).map(([name, lines]) => [name, `${lines.join('\n')}\n`]));
})();

/** Replaces one whole line of text (it must occur exactly once). */
function replaceLine(text: string, from: string, to: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(from);
  assert.ok(at >= 0 && lines.indexOf(from, at + 1) < 0, `exactly one line "${from}"`);
  lines[at] = to;
  return lines.join('\n');
}

// The hunks of the cassette (old line → new line) and the user's line in config.js.
const H0 = ["const ADD_LABEL = 'add';", "const ADD_LABEL = 'plus';"] as const;
const H1 = ["const MUL_LABEL = 'mul';", "const MUL_LABEL = 'times';"] as const;
const H2 = ["const DIV_LABEL = 'div';", "const DIV_LABEL = 'over';"] as const;
const PRECISION = ['  precision: 2,', '  precision: 4,'] as const;
const MODE = "  mode: 'strict',";
const USER_SUFFIX = ' // keep strict';
const NOTES = '// notes:';

let tmp = '';
let workspace = '';
let server: CodeServerHandle | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let panel: Frame | undefined;
/** calc.js as saved after the focus step. */
let typedCalc = '';
let failed: string | null = null;

function p(): Page {
  assert.ok(page, 'the workbench page is open');
  return page;
}

function disk(name: string): string {
  return readFileSync(join(workspace, name), 'utf8');
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
      const shot = page ? await screenshot(page, `failure-review-${name.replace(/\W+/g, '-').toLowerCase()}.tmp`).catch(() => '') : '';
      console.log(`[e2e] ${name}: FAILED${shot ? `; screenshot ${shot}` : ''}`);
      if (server) console.log(collectLogs(server));
      throw err;
    }
  });
}

/** The mission state the panel shows ('' before it shows one). */
async function missionState(): Promise<string> {
  const el = (panel as Frame).locator('[data-testid=mission-state]').first();
  return (await el.count()) ? ((await el.textContent()) ?? '').trim() : '';
}

/** The editor of the active editor group. */
function activeEditor(): Locator {
  return p().locator('.editor-group-container.active .monaco-editor').first();
}

/** Opens a workspace file with Quick Open (Ctrl+P), as a user would, and waits for its editor. */
async function openFile(name: string): Promise<void> {
  const widget = p().locator('.quick-input-widget');
  await p().keyboard.press('Escape');
  await p().keyboard.press('Control+P');
  await widget.locator('input.input').fill(name);
  const row = widget.locator('.monaco-list-row', { has: p().locator('.label-name', { hasText: exactText(name) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await waitFor(
    async () => ((await p().locator('.tabs-container .tab.active').getAttribute('aria-label')) ?? '').startsWith(name),
    10_000,
    `the ${name} tab to be active`,
  );
  await activeEditor().locator('.view-line').first().waitFor({ state: 'visible', timeout: 10_000 });
}

/** The rendered line of the active editor whose text is exactly `text`. */
function viewLine(text: string): Locator {
  // Monaco renders spaces as U+00A0.
  return activeEditor().locator('.view-line', { hasText: exactText(text.replace(/ /g, '\u00a0')) }).first();
}

/** Texts of the CodeLens lines shown in the active editor (" | " between lenses). */
async function lensTexts(): Promise<string[]> {
  const texts = await activeEditor().locator('.codelens-decoration').allTextContents();
  return texts.map((t) => t.replace(/\u00a0/g, ' ').trim());
}

/** The CodeLens line shown right above the rendered line `text`. */
async function lensAbove(text: string): Promise<Locator> {
  const line = viewLine(text);
  await line.waitFor({ state: 'visible', timeout: 10_000 });
  const lenses = activeEditor().locator('.codelens-decoration');
  const index = await waitFor(
    async () => {
      const top = (await line.boundingBox())?.y;
      if (top === undefined) return null;
      const bottoms = await lenses.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().bottom));
      const i = bottoms.findIndex((b) => Math.abs(b - top) < 3);
      return i >= 0 ? i + 1 : null;
    },
    15_000,
    `a CodeLens above "${text}"`,
  );
  return lenses.nth(index - 1);
}

/** Clicks the lens titled `title` (exactly) of the CodeLens line above `text`. */
async function clickLens(text: string, title: string): Promise<void> {
  const lens = await lensAbove(text);
  await lens.locator('a', { hasText: exactText(title) }).first().click();
}

/** "Ln 32, Col 20" from the status bar. */
async function cursorPosition(): Promise<string> {
  return ((await p().locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first().textContent()) ?? '').trim();
}

/** Whether keyboard focus is in the text area of the active editor. */
async function editorHasFocus(): Promise<boolean> {
  return p().evaluate(() => {
    const a = document.activeElement;
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    return !!a && !!editor && editor.contains(a) && (a.tagName === 'TEXTAREA' || a.classList.contains('native-edit-context'));
  });
}

/** The description of a row of the Agent Changes tree (e.g. "+3 −3 pending"). */
async function treeDescription(file: string): Promise<string> {
  const pane = await openViewPane(p(), 'Agent Changes');
  const row = treeRow(pane, file);
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  return ((await row.locator('.label-description').first().textContent()) ?? '').trim();
}

describe('Per-hunk review in code-server', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'taskforce-e2e-review-'));
    workspace = join(tmp, 'calc');
    mkdirSync(workspace);
    for (const [name, text] of Object.entries(ORIGINAL)) writeFileSync(join(workspace, name), text);
    server = await startCodeServer({
      workspace,
      env: { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined },
      // Word wrap keeps the long line the focus step types, and so the CodeLens above the
      // hunks (content widgets at the left edge), in view instead of scrolling sideways.
      settings: { 'taskforce.replay.cassette': CASSETTE, 'editor.wordWrap': 'on' },
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, workspace);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (tmp && process.env.TASKFORCE_E2E_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
  });

  step('1. start the mission; it runs', 90_000, async () => {
    // The panel first: its server state says the extension and its server are up.
    await runCommand(p(), 'Taskforce: Open Missions');
    await findWebviewFrame(p(), '[data-testid=server-state][data-state=ready]', 45_000);
    await runCommand(p(), 'Taskforce: Start Mission');
    await answerInputBox(p(), GOAL, 'Taskforce: Start Mission');
    panel = await findWebviewFrame(p(), '[data-testid=mission-view]', 45_000);
    // "running" comes after the planner planned and the sandbox was made: from now on the
    // user's edits are edits made after the mission started.
    await waitFor(
      async () => {
        const state = await missionState();
        if (/completed|failed|cancelled/.test(state)) throw new Error(`mission ${state} before the test could edit`);
        return state === 'running';
      },
      45_000,
      'the mission to be running',
      100,
    );
  });

  step('2. the user edits config.js while the mission runs', 30_000, async () => {
    await openFile('config.js');
    await viewLine(MODE).click();
    await p().keyboard.press('End');
    await p().keyboard.type(USER_SUFFIX, { delay: 20 });
    await p().keyboard.press('Control+S');
    const want = replaceLine(ORIGINAL['config.js'], MODE, MODE + USER_SUFFIX);
    await waitFor(() => disk('config.js') === want, 10_000, 'config.js saved with the user edit');
    const state = await missionState();
    assert.equal(state, 'running', `the mission still runs after the user's edit (it is ${state}; the cassette's delays are too short for this machine)`);
  });

  step('3. focus: typing in calc.js while the mission streams, completes and CodeLens appear', 120_000, async () => {
    const frame = panel as Frame;
    const pane = await openViewPane(p(), 'Agent Changes');
    await openFile('calc.js');
    await viewLine(NOTES).click();
    await p().keyboard.press('End');
    const stateAtStart = await missionState();
    assert.equal(stateAtStart, 'running', 'typing starts while the mission runs');
    const eventsOf = () => frame.locator('[data-testid=transcript][data-agent-id$=":t1"] .events > [data-seq]').count();
    const eventsAtStart = await eventsOf();
    let typed = '';
    let word = 0;
    let completedAt = -1;
    let lensAt = -1;
    let treeAt = -1;
    let pauseMs = -1;
    const lostFocus: string[] = [];
    const deadline = Date.now() + 90_000;
    // Type word by word; between words, look (without touching focus) at the panel, the
    // tree and the editor's CodeLens. Stop a few words after the lenses appeared.
    while (lensAt < 0 || word < lensAt + 5) {
      if (Date.now() > deadline) throw new Error(`the changes did not land after typing ${word} words (mission ${await missionState()})`);
      const text = ` w${++word}`;
      await p().keyboard.type(text, { delay: 15 });
      typed += text;
      if (!(await editorHasFocus())) lostFocus.push(`after word ${word}`);
      const state = await missionState();
      if (/failed|cancelled/.test(state)) throw new Error(`the mission ended ${state}`);
      if (completedAt < 0 && state === 'completed') completedAt = word;
      if (treeAt < 0 && (await treeRow(pane, 'calc.js').count()) > 0) treeAt = word;
      if (lensAt < 0 && treeAt > 0) {
        // VS Code asks for CodeLens again only once typing pauses (a debounce that adapts
        // to how long the provider took, 250 ms at least), so the user pauses here, as
        // people do when the changes land, until the lenses show; then types on.
        const pauseStart = Date.now();
        await waitFor(async () => (await lensTexts()).length === 3, 20_000, 'the CodeLens of calc.js while the user pauses', 50);
        pauseMs = Date.now() - pauseStart;
        lensAt = word;
      }
    }
    console.log(`[e2e]   typed ${word} words; mission completed after word ${completedAt}, tree row after ${treeAt}, 3 CodeLens after word ${lensAt} and a ${pauseMs} ms pause`);
    assert.deepEqual(lostFocus, [], 'the editor kept keyboard focus after every word');
    assert.ok(completedAt > 0, 'the mission completed while the user typed');
    assert.ok(treeAt > 0, 'the Agent Changes tree listed calc.js while the user typed');
    assert.ok((await eventsOf()) > eventsAtStart, "t1's transcript in the panel grew while the user typed");
    const lastLine = ORIGINAL['calc.js'].split('\n').indexOf(NOTES) + 1;
    assert.equal(await cursorPosition(), `Ln ${lastLine}, Col ${NOTES.length + typed.length + 1}`, 'the cursor is where typing ended');
    assert.ok(
      ((await p().locator('.tabs-container .tab.active').getAttribute('aria-label')) ?? '').startsWith('calc.js'),
      'calc.js is still the active editor',
    );
    await p().keyboard.press('Control+S');
    typedCalc = replaceLine(ORIGINAL['calc.js'], NOTES, NOTES + typed);
    await waitFor(() => disk('calc.js') === typedCalc, 10_000, 'calc.js on disk to be exactly the typed text');
    assert.deepEqual(await lensTexts().then((l) => l.sort()), ['Accept | Reject | Diff', 'Accept | Reject | Diff', 'Accept | Reject | Diff | Accept file | Reject file']);
    await screenshot(p(), 'hunk-codelens');
  });

  step('4. accept the first hunk and reject the second through CodeLens', 60_000, async () => {
    await clickLens(H0[0], 'Accept');
    const accepted = replaceLine(typedCalc, H0[0], H0[1]);
    await waitFor(() => disk('calc.js') === accepted, 15_000, 'calc.js on disk with the first hunk applied');
    await waitFor(async () => (await lensTexts()).length === 2, 15_000, 'two CodeLens lines left');
    await clickLens(H1[0], 'Reject');
    await waitFor(async () => (await lensTexts()).length === 1, 15_000, 'one CodeLens line left');
    assert.equal(disk('calc.js'), accepted, 'the rejected hunk left calc.js as it was');
    assert.ok(!disk('calc.js').includes(H1[1]), 'the rejected hunk is absent');
    assert.ok(disk('calc.js').includes(H0[1]) && !disk('calc.js').includes(H0[0]), 'the accepted hunk is present');
    await waitFor(async () => /partially accepted/.test(await treeDescription('calc.js')), 10_000, 'calc.js "partially accepted" in the tree');
  });

  step('5. Alt+] and Ctrl+Alt+Y accept the third hunk; Ctrl+Z undoes it', 60_000, async () => {
    const before = disk('calc.js');
    assert.ok(await editorHasFocus(), 'the editor still has focus after the CodeLens clicks');
    await p().keyboard.press('Control+Home');
    await p().keyboard.press('Alt+BracketRight');
    const h2Line = ORIGINAL['calc.js'].split('\n').indexOf(H2[0]) + 1;
    await waitFor(async () => (await cursorPosition()) === `Ln ${h2Line}, Col 1`, 5000, `Alt+] to put the cursor on line ${h2Line}`);
    await p().keyboard.press('Control+Alt+KeyY');
    const accepted = replaceLine(before, H2[0], H2[1]);
    await waitFor(() => disk('calc.js') === accepted, 15_000, 'calc.js on disk with the third hunk applied');
    await waitFor(async () => (await lensTexts()).length === 0, 15_000, 'no CodeLens left in calc.js');
    await p().keyboard.press('Control+Z');
    await waitFor(async () => !(await viewLine(H2[1]).count()) && (await viewLine(H2[0]).count()) > 0, 10_000, 'Ctrl+Z to undo the accept in the editor');
    await p().keyboard.press('Control+S');
    await waitFor(() => disk('calc.js') === before, 10_000, 'calc.js on disk back to before the accept');
  });

  step('6. a hunk that conflicts with the user\'s edit is flagged and never applied', 60_000, async () => {
    await openFile('config.js');
    await waitFor(
      async () => (await lensTexts()).some((t) => t.startsWith('Conflicts with your edits')),
      15_000,
      'a "Conflicts with your edits" CodeLens in config.js',
    );
    const conflictLens = await lensAbove(MODE + USER_SUFFIX);
    assert.match(((await conflictLens.textContent()) ?? '').replace(/\u00a0/g, ' ').trim(), /^Conflicts with your edits — Diff \| Reject$/);
    await screenshot(p(), 'hunk-conflict');
    await clickLens(PRECISION[0], 'Accept file');
    const want = replaceLine(replaceLine(ORIGINAL['config.js'], MODE, MODE + USER_SUFFIX), PRECISION[0], PRECISION[1]);
    await waitFor(() => disk('config.js') === want, 15_000, 'config.js on disk: the clean hunk applied, the user line kept');
    assert.ok(!disk('config.js').includes("mode: 'loose'"), 'the conflicting hunk was not applied');
    await waitFor(async () => / conflicting$/.test(await treeDescription('config.js')), 15_000, 'config.js "conflicting" in the tree');
    await waitFor(
      async () => (await lensTexts()).some((t) => t.startsWith('Conflicts with your edits')),
      10_000,
      'the conflicting hunk still flagged in the editor',
    );
    const toasts = await p().locator('.notifications-toasts .notification-list-item-message').allTextContents();
    assert.ok(
      toasts.some((t) => t.includes('1 hunk in config.js conflicts with your edits: flagged, not applied.')),
      `a warning says the hunk was flagged (toasts: ${JSON.stringify(toasts)})`,
    );
  });
});
