/**
 * activation_ms: starts code-server with the packaged extension, opens the workbench in
 * Chromium, and reads the extension's own log line `activate() took N ms` from the
 * "Taskforce Server" log file that code-server writes under its logs folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCodeServer, launchBrowser, openWorkbench } from '../test/e2e/harness';

function findLogLine(dir: string): number | undefined {
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.includes('Taskforce Server')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    const m = /activate\(\) took ([\d.]+) ms/.exec(text);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Activation time in ms, or undefined when it could not be measured (reason printed). */
export async function measureActivation(vsix: string): Promise<number | undefined> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-ws-'));
  fs.writeFileSync(path.join(ws, 'README.md'), '# bench\n');
  const cs = await startCodeServer({ workspace: ws, vsix });
  const browser = await launchBrowser();
  try {
    await openWorkbench(browser, cs.url, ws);
    for (let i = 0; i < 60; i++) {
      const found = findLogLine(cs.userDataDir);
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.error('activation_ms: no "activate() took" line found in the code-server logs');
    return undefined;
  } finally {
    await browser.close();
    await cs.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
