/**
 * Driving the VS Code workbench in Chromium with Playwright: the command palette, input
 * boxes, webview frames, view panes, trees, screenshots. Re-exported by ./harness.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

export const SCREENSHOT_DIR = join(__dirname, 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Polls fn until it returns a truthy value; throws with message after timeoutMs. */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  message: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms: ${message}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Launches Debian's Chromium headless with the recipe's flags. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Opens a page at 1440×900 on the workbench for folder and waits until it has rendered. */
export async function openWorkbench(browser: Browser, url: string, folder: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${url}/?folder=${encodeURI(folder)}`, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  return page;
}

/**
 * Runs a command by its palette title (e.g. "Taskforce: Start Mission"): Control+Shift+P,
 * type the title, wait for a row with exactly that label, click it. The palette computes
 * its list when it opens, so an extension's commands can be missing right after the
 * workbench loads: it then closes the palette and tries again, up to timeoutMs.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const row = widget.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: exactText(title) }) }).first();
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+P');
    await widget.waitFor({ state: 'visible', timeout: 10_000 });
    await widget.locator('input.input').fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: Math.min(3000 * attempt, 10_000) });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`command "${title}" not found in the palette after ${attempt} tries`, { cause: err });
    }
  }
  await row.click();
  await widget.waitFor({ state: 'hidden', timeout: 2000 }).catch(() => undefined);
}

/**
 * Answers the input box a command opened (showInputBox) with text and Enter. Waits for the
 * input box itself, not the closing command palette: with `title`, for the box's title
 * (showInputBox's `title` option); always, for an input without the palette's ">" and no
 * list rows. Then checks the box closed, i.e. the value was accepted.
 */
export async function answerInputBox(page: Page, text: string, title?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input.input');
  await waitFor(
    async () => {
      if (!(await widget.isVisible())) return false;
      if ((await input.inputValue()).startsWith('>')) return false;
      if ((await widget.locator('.quick-input-list .monaco-list-row').count()) > 0) return false;
      if (title && !((await widget.locator('.quick-input-title').textContent()) ?? '').includes(title)) return false;
      return true;
    },
    20_000,
    `an input box${title ? ` titled "${title}"` : ''}`,
  );
  await input.fill(text);
  await waitFor(async () => (await input.inputValue()) === text, 5000, 'the input box to hold the text');
  await input.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 10_000 });
}

const STALE = '__taskforceE2eStale';

/**
 * Marks every frame's current document, so that findWebviewFrame(…, { fresh: true })
 * only accepts documents loaded afterwards (e.g. after "Developer: Reload Webviews").
 */
export async function markFramesStale(page: Page): Promise<void> {
  for (const frame of page.frames()) {
    await frame.evaluate((key) => Reflect.set(window, key, true), STALE).catch(() => undefined);
  }
}

/**
 * Finds the (nested) webview frame holding selector. Webview content lives two iframes
 * deep (`webview` host → `active-frame`); this searches every frame of the page. With
 * `fresh`, frames whose document was marked by markFramesStale are skipped.
 */
export async function findWebviewFrame(
  page: Page,
  selector: string,
  timeoutMs = 30_000,
  options: { fresh?: boolean } = {},
): Promise<Frame> {
  return waitFor(
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        const handle = await frame.$(selector).catch(() => null);
        if (!handle) continue;
        await handle.dispose();
        if (options.fresh && (await frame.evaluate((key) => Reflect.get(window, key) === true, STALE).catch(() => true))) continue;
        return frame;
      }
      return null;
    },
    timeoutMs,
    `a${options.fresh ? ' freshly loaded' : ''} webview frame containing ${selector}`,
  );
}

/** Texts of the notification toasts on screen (VS Code hides a toast after a while). */
export async function notificationToasts(page: Page): Promise<string[]> {
  const texts = await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  return texts.map((t) => t.trim()).filter((t) => t !== '');
}

/** Saves a PNG of the page to test/e2e/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The header of the view pane titled `title`. */
function paneHeader(page: Page, title: string): Locator {
  return page.locator('.pane-header', { has: page.locator('h3.title', { hasText: exactText(title) }) }).first();
}

/** The view pane titled `title` (e.g. "Agent Changes"), expanded if it was collapsed. */
export async function openViewPane(page: Page, title: string): Promise<Locator> {
  const header = paneHeader(page, title);
  await header.waitFor({ state: 'visible', timeout: 20_000 });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return page.locator('.pane', { has: header }).first();
}

/** Collapses the view pane titled `title` if it is expanded (e.g. to make room for another). */
export async function collapseViewPane(page: Page, title: string): Promise<void> {
  const header = paneHeader(page, title);
  await header.waitFor({ state: 'visible', timeout: 20_000 });
  if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
}

/** The row of a tree in pane whose label is exactly `label`. */
export function treeRow(pane: Locator, label: string): Locator {
  return pane.locator('.monaco-list-row', { has: pane.page().locator('.label-name', { hasText: exactText(label) }) }).first();
}

/** Clicks an inline action (e.g. "Accept Change") of a tree row; hovers first to reveal it. */
export async function clickInlineAction(row: Locator, action: string): Promise<void> {
  await row.hover();
  const button = row.locator(`.actions .action-label[aria-label^="${action}"]`).first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click();
}

/** A regexp matching exactly text (surrounding whitespace allowed). */
export function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** Drags the sash on the primary side bar's right edge so the side bar is `width` px wide. */
export async function resizeSideBar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').first().boundingBox();
  if (!box) return;
  const x = box.x + box.width - 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}
