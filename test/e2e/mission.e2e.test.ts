/**
 * End to end, in a real VS Code (code-server) with the packaged VSIX, on a fresh copy of
 * left-pad@1.3.0, replaying media/demo/cassette.json:
 *   1. start a mission from the command palette;
 *   2. two workers run at once: t2 and t3 are both running in the plan, with a Live card
 *      each and "2 workers" in the status bar (screenshot parallel-workers.png);
 *   3. the Missions panel shows the plan, streamed transcript, the replay banner, and the
 *      mission completes; t2's `npm test` check is shown as passed evidence;
 *   4. the Agent Changes tree lists the 4 files and the workspace is still untouched;
 *   5. a diff opens from the tree; index.js, index.d.ts, test.js are accepted, README.md rejected;
 *   6. the files on disk are right and left-pad's own `npm test` passes;
 *   7. SIGKILL of the server: the extension restarts it and the panel shows the mission again.
 * Steps share state; once one fails the rest are skipped (its screenshot and logs are printed).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import {
  answerInputBox,
  clickInlineAction,
  collapseViewPane,
  collectLogs,
  exactText,
  findWebviewFrame,
  launchBrowser,
  openViewPane,
  markFramesStale,
  notificationToasts,
  openWorkbench,
  resizeSideBar,
  prepareExampleWorkspace,
  runCommand,
  screenshot,
  serverPids,
  snapshotFiles,
  startCodeServer,
  treeRow,
  waitFor,
  type CodeServerHandle,
} from './harness';

const GOAL = 'Add a rightPad function to left-pad, with tests and docs';
const CHANGED = ['index.js', 'index.d.ts', 'test.js', 'README.md'];
const ACCEPT = ['index.js', 'index.d.ts', 'test.js'];
const REJECT = 'README.md';

let tmp = '';
let workspace = '';
let server: CodeServerHandle | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let panel: Frame | undefined;
let missionId = '';
let pristine = new Map<string, string>();
let failed: string | null = null;
const t0 = Date.now();

function p(): Page {
  assert.ok(page, 'the workbench page is open');
  return page;
}

/** Runs one step unless an earlier one failed; on failure saves a screenshot and prints logs. */
function step(name: string, timeoutMs: number, fn: (t: TestContext) => Promise<void>): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    if (failed) {
      t.skip(`skipped: "${failed}" failed`);
      return;
    }
    const started = Date.now();
    try {
      await fn(t);
      console.log(`[e2e] ${name}: ok in ${((Date.now() - started) / 1000).toFixed(1)} s (t+${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    } catch (err) {
      failed = name;
      const shot = page ? await screenshot(page, `failure-${name.replace(/\W+/g, '-').toLowerCase()}.tmp`).catch(() => '') : '';
      console.log(`[e2e] ${name}: FAILED${shot ? `; screenshot ${shot}` : ''}`);
      if (server) console.log(collectLogs(server));
      throw err;
    }
  });
}

/** What the mission view shows at one moment (read inside the webview). */
interface PanelState {
  missionState: string;
  /** Plan tasks as "id=state", in plan order. */
  tasks: string[];
  /** Ids of the plan tasks in state running. */
  running: string[];
  /** Task ids of the Live cards whose task is running. */
  cards: string[];
  /** Task ids of those cards that show streamed text (not "Waiting for the model…"). */
  streaming: string[];
  /** The "Running now" line. */
  runningNow: string;
}

/**
 * Reads the PanelState in the webview. It is serialised into the page, so it must be
 * self-contained, without named inner functions (tsx wraps those in a `__name` helper
 * that does not exist in the page).
 */
function readPanel(): PanelState {
  const [tasks, running, cards] = [
    '[data-testid=plan-task]',
    '[data-testid=plan-task][data-state=running]',
    '[data-testid=live-worker][data-state=running]',
  ].map((selector) => [...document.querySelectorAll(selector)]);
  return {
    missionState: document.querySelector('[data-testid=mission-state]')?.textContent?.trim() ?? '',
    tasks: tasks.map((e) => `${e.getAttribute('data-task-id')}=${e.getAttribute('data-state')}`),
    running: running.map((e) => e.getAttribute('data-task-id') ?? ''),
    cards: cards.map((e) => e.getAttribute('data-task-id') ?? ''),
    streaming: cards
      .filter((e) => [...e.querySelectorAll('.live-block')].some((b) => !(b as HTMLElement).hidden && (b.textContent ?? '').trim() !== ''))
      .map((e) => e.getAttribute('data-task-id') ?? ''),
    runningNow: document.querySelector('[data-testid=running-now]')?.textContent?.trim() ?? '',
  };
}

/** Visible text of the first element matching selector in the frame ('' when none). */
async function textOf(frame: Frame, selector: string): Promise<string> {
  const el = frame.locator(selector).first();
  return (await el.count()) ? ((await el.textContent()) ?? '').trim() : '';
}

/**
 * Clicks a pending file's inline action, then waits until the row is no longer pending
 * (its Accept/Reject actions are gone) and `done()` holds. The tree refreshes after every
 * decision, which can swallow a click that lands mid-refresh, so it clicks again (3 tries).
 */
async function decide(pane: Locator, file: string, action: 'Accept Change' | 'Reject Change', done: () => boolean): Promise<void> {
  const row = treeRow(pane, file);
  for (let attempt = 1; ; attempt++) {
    await clickInlineAction(row, action);
    try {
      await waitFor(
        async () => done() && (await row.locator(`.action-label[aria-label^="${action}"]`).count()) === 0,
        attempt < 3 ? 5000 : 15_000,
        `${file}: "${action}" to take effect`,
      );
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      console.log(`[e2e]   ${file}: "${action}" had no effect yet; clicking again`);
    }
  }
}

describe('Taskforce end to end in code-server', { timeout: 6 * 60_000 }, () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'taskforce-e2e-ws-'));
    workspace = await prepareExampleWorkspace(join(tmp, 'left-pad'));
    pristine = snapshotFiles(workspace);
    server = await startCodeServer({
      workspace,
      env: { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined },
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.url, workspace);
    console.log(`[e2e] workbench open at ${server.url} (t+${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (tmp && process.env.TASKFORCE_E2E_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
  });

  step('1. start a mission from the command palette', 60_000, async () => {
    const since = Date.now();
    const at = (what: string) => console.log(`[e2e]   ${what} after ${((Date.now() - since) / 1000).toFixed(1)} s`);
    await runCommand(p(), 'Taskforce: Start Mission');
    at('command chosen');
    await answerInputBox(p(), GOAL, 'Taskforce: Start Mission');
    at('goal entered');
    // The panel opens on the new mission; if the command failed instead, VS Code shows why.
    const found = await waitFor<Frame | string>(
      async () =>
        (await notificationToasts(p())).find((t) => /^Taskforce: (could not|the server failed)/.test(t)) ??
        (await findWebviewFrame(p(), '[data-testid=mission-view]', 1).catch(() => null)),
      45_000,
      'the mission view (or a Taskforce error notification)',
    );
    if (typeof found === 'string') throw new Error(`the mission did not start; VS Code said "${found}"`);
    panel = found;
    at('mission-view found');
    missionId = (await panel.locator('[data-testid=mission-view]').first().getAttribute('data-mission-id')) ?? '';
    assert.ok(missionId, 'mission-view carries data-mission-id');
    const view = panel.locator('[data-testid=mission-view]').first();
    await waitFor(async () => ((await view.textContent()) ?? '').includes(GOAL), 15_000, 'the mission view to show the goal');
  });

  step('2. two workers run at once: the plan, the Live area and the status bar show both', 60_000, async () => {
    const frame = panel as Frame;
    // Room for the Live cards side by side above the plan: a wide side bar, Missions alone.
    await resizeSideBar(p(), 640);
    await collapseViewPane(p(), 'Agent Changes');
    // t2 and t3 both depend on t1 only; with 3 workers they run together for ~2.5 s.
    const waitPanel = (what: string, ok: (s: PanelState) => boolean): Promise<PanelState> =>
      waitFor(
        async () => {
          const s = await frame.evaluate(readPanel);
          if (!['planning', 'running'].includes(s.missionState)) throw new Error(`mission ${s.missionState} first (${s.tasks.join(', ')})`);
          return ok(s) ? s : null;
        },
        45_000,
        what,
        50,
      );
    const both = await waitPanel('two plan tasks running at once, each with a Live card', (s) => s.running.length >= 2 && s.cards.length >= 2);
    console.log(`[e2e] running at once: plan ${both.running.join(', ')}; live cards ${both.cards.join(', ')}; "${both.runningNow}"`);
    assert.ok(both.tasks.length >= 3, `at least 3 plan tasks (got ${both.tasks.join(', ')})`);
    assert.deepEqual([...both.running].sort(), ['t2', 't3'], 't2 and t3 are the tasks running together');
    assert.deepEqual([...both.cards].sort(), ['t2', 't3'], 'a Live card each for t2 and t3');
    assert.equal(both.runningNow, 'Running now: t2, t3');
    const statusBar = p().locator('.part.statusbar .statusbar-item');
    let bar = '';
    await waitFor(
      async () => /Taskforce: 1 mission, 2 workers/.test((bar = (await statusBar.allInnerTexts()).join(' | '))),
      2000,
      'the status bar to say "2 workers"',
      50,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; it said "${bar}"; the panel: ${JSON.stringify(both)}`);
    });
    // For the screenshot: both cards streaming, the mission's top, Live area and plan in view.
    await waitPanel('both Live cards to show streamed text while t2 and t3 run', (s) => s.running.length >= 2 && s.streaming.length >= 2);
    const inView = await frame.evaluate(() => {
      const rows = [...document.querySelectorAll('[data-testid=plan-task]')];
      const live = document.querySelector('[data-testid=live-workers]');
      document.querySelector('[data-testid=mission-view]')?.scrollIntoView({ block: 'start' });
      if ((rows.at(-1)?.getBoundingClientRect().bottom ?? 0) > window.innerHeight) live?.scrollIntoView({ block: 'start' });
      const top = live?.getBoundingClientRect().top ?? -1;
      return top >= 0 && rows.every((r) => r.getBoundingClientRect().bottom <= window.innerHeight);
    });
    assert.ok(inView, 'the Live area and every plan task fit in the panel');
    await screenshot(p(), 'parallel-workers');
    const after = await frame.evaluate(readPanel);
    assert.deepEqual([...after.running].sort(), ['t2', 't3'], `t2 and t3 still ran after the screenshot, so it shows both (now ${after.tasks.join(', ')})`);
  });

  step('3. the panel shows plan, streamed transcript, replay banner; mission completes; t2 has evidence', 150_000, async () => {
    const frame = panel as Frame;
    await frame.locator('[data-testid=replay-banner]').first().waitFor({ state: 'visible', timeout: 15_000 });
    await waitFor(async () => (await frame.locator('[data-testid=plan-task]').count()) >= 2, 60_000, 'at least 2 plan-task rows');
    await waitFor(
      async () => {
        const texts = await frame.locator('[data-testid=transcript]').allTextContents();
        return texts.some((t) => /I'll (read|look|add|run)/.test(t));
      },
      60_000,
      'a transcript with streamed assistant text',
    );
    await screenshot(p(), 'missions-panel-running.tmp');
    await waitFor(
      async () => {
        const state = await textOf(frame, '[data-testid=mission-state]');
        if (/failed|cancelled|stopped_budget|interrupted/.test(state)) throw new Error(`mission ended ${state}`);
        return state === 'completed' || state.split(/\s+/).includes('completed');
      },
      120_000,
      'mission-state to read "completed"',
      500,
    );
    const tasks = await frame.locator('[data-testid=plan-task]').evaluateAll((els) =>
      els.map((e) => `${e.getAttribute('data-task-id')}=${e.getAttribute('data-state')}`),
    );
    console.log(`[e2e] plan tasks: ${tasks.join(', ')}`);
    assert.ok(tasks.length >= 3, `3 plan tasks (got ${tasks.join(', ')})`);
    // t2's check ran in its sandbox and passed: an evidence row for `npm test`.
    const evidence = frame
      .locator('[data-testid=plan-task][data-task-id=t2] [data-testid=evidence]')
      .filter({ has: frame.locator('.evidence-command', { hasText: exactText('npm test') }) })
      .first();
    await evidence.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await evidence.getAttribute('data-passed'), 'true', "t2's npm test evidence passed");
    const status = ((await evidence.locator('.evidence-status').textContent()) ?? '').trim();
    assert.match(status, /^passed · exit 0 · /, `evidence status (got "${status}")`);
    console.log(`[e2e] t2 evidence: npm test ${status}`);
    assert.ok((await textOf(frame, '[data-testid=usage]')).length > 0, 'usage is shown');
    // For the README: a wide side bar, Missions alone, scrolled to the plan and transcript.
    await resizeSideBar(p(), 560);
    await collapseViewPane(p(), 'Agent Changes');
    await frame.evaluate(() => {
      const plan = document.querySelector('[data-testid=plan-task]');
      plan?.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -48);
    });
    await p().waitForTimeout(500);
    await screenshot(p(), 'panel-plan-transcript');
    await frame.evaluate(() => window.scrollTo(0, 0));
  });

  step('4. Agent Changes lists the 4 files; the workspace is untouched', 60_000, async () => {
    const pane = await openViewPane(p(), 'Agent Changes');
    for (const file of CHANGED) await treeRow(pane, file).waitFor({ state: 'visible', timeout: 20_000 });
    assert.deepEqual(snapshotFiles(workspace), pristine, 'no workspace file changed before review');
    await p().waitForTimeout(1000); // the pane expands with an animation; webviews re-layout after it
    await screenshot(p(), 'changes-tree');
  });

  step('5. open a diff from the tree; accept 3 files, reject README.md', 90_000, async () => {
    const pane = await openViewPane(p(), 'Agent Changes');
    await treeRow(pane, 'index.js').click();
    const tab = p().locator('.tabs-container .tab.active');
    await waitFor(async () => ((await tab.getAttribute('aria-label')) ?? '').includes('index.js'), 20_000, 'a diff tab titled index.js');
    await p().locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 20_000 });
    await p().waitForTimeout(1000); // let the diff decorations render for the screenshot
    await screenshot(p(), 'diff-editor');
    for (const file of ACCEPT) {
      await decide(pane, file, 'Accept Change', () => readFileSync(join(workspace, file), 'utf8').includes('rightPad'));
    }
    await decide(pane, REJECT, 'Reject Change', () => true);
    await screenshot(p(), 'changes-tree-decided.tmp');
  });

  step('6. the files on disk are right and left-pad\'s npm test passes', 60_000, async () => {
    const now = snapshotFiles(workspace);
    for (const file of ACCEPT) assert.notEqual(now.get(file), pristine.get(file), `${file} changed`);
    assert.equal(now.get(REJECT), pristine.get(REJECT), 'README.md is unchanged (rejected)');
    const index = readFileSync(join(workspace, 'index.js'), 'utf8');
    assert.match(index, /function rightPad/);
    assert.match(index, /module\.exports = leftPad;/);
    const out = execFileSync('npm', ['test'], { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /# ok/);
    assert.match(out, /rightPad/);
    console.log(`[e2e] left-pad npm test: ${/# pass\s+\d+/.exec(out)?.[0] ?? '?'}`);
  });

  step('7. SIGKILL the server: it is restarted and the panel shows the mission again', 90_000, async () => {
    const extensionsDir = (server as CodeServerHandle).extensionsDir;
    const [oldPid] = await waitFor(() => {
      const pids = serverPids(extensionsDir);
      return pids.length ? pids : null;
    }, 15_000, 'the Taskforce server process');
    console.log(`[e2e] killing server pid ${oldPid}`);
    process.kill(oldPid, 'SIGKILL');
    const newPid = await waitFor(
      () => serverPids(extensionsDir).find((pid) => pid !== oldPid),
      45_000,
      'a new Taskforce server process',
    );
    console.log(`[e2e] server restarted as pid ${newPid}`);
    // Reload the panel and require a freshly loaded document to show the mission.
    await markFramesStale(p());
    await runCommand(p(), 'Developer: Reload Webviews');
    await runCommand(p(), 'Taskforce: Open Missions');
    const item = `[data-testid=mission-item][data-mission-id="${missionId}"], [data-testid=mission-view][data-mission-id="${missionId}"]`;
    const frame = await findWebviewFrame(p(), item, 45_000, { fresh: true });
    const listed = frame.locator(`[data-testid=mission-item][data-mission-id="${missionId}"]`);
    if (await listed.count()) {
      assert.equal(await listed.first().getAttribute('data-state'), 'completed', 'the mission is still completed after the restart');
    }
    console.log(`[e2e] after the restart the panel shows the mission as ${(await listed.count()) ? 'a mission-item' : 'the mission-view'}`);
    await screenshot(p(), 'after-restart');
  });
});
