/**
 * webview_render_1000_ms: the time the Missions panel takes to first paint a mission of
 * 1,000 events (mixed text / tool_call / tool_result across the planner and three
 * workers) in headless Chromium.
 *
 * dist/webview.js runs in a static page with a fake `acquireVsCodeApi` that answers the
 * panel's JSON-RPC requests from generated data (the extension and server are not
 * involved). After the panel has booted, the page dispatches `panel/showMission` and
 * measures, with `performance.now()`, until every agent's transcript section shows its
 * newest event and a `requestAnimationFrame` has fired after that. Median of 3 runs,
 * each in a fresh page.
 *
 * `openPanelPage` is exported for checking the panel by hand (screenshots, themes).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AgentInfo, InboxItem, MissionDetail, MissionEvent, MissionSummary, TaskInfo } from '../protocol/protocol';

const root = path.resolve(__dirname, '..');

/** Chromium flags of the bench (no sandbox in CI containers, no network chatter). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The data the fake extension serves. */
export interface FakePanelData {
  detail: MissionDetail;
  events: MissionEvent[];
  inbox: InboxItem[];
}

const usage = { inputTokens: 120_000, outputTokens: 8_000, costUsd: 0, calls: 200 };

/** A generated mission with `n` events spread over the planner and three workers. */
export function fakeMission(n = 1000, missionId = 'm-bench'): FakePanelData {
  const now = Date.now();
  const mission: MissionSummary = {
    id: missionId, goal: 'Add rate limiting to the API, with tests', state: 'running', workspaceRoot: '/ws',
    provider: 'replay', replaying: true, createdAt: now - 600_000, updatedAt: now, usage, pendingChanges: 0,
    policy: 'supervised', autoApply: false,
  };
  const task = (id: string, title: string, state: TaskInfo['state'], dependsOn: string[]): TaskInfo => ({
    missionId, id, title, role: 'coder', kind: 'work', instructions: title, acceptance: [], dependsOn, addedDependsOn: [],
    writeSet: [`src/${id}/**`], checks: ['npm test'], evidence: [], state, agentId: `a-${id}`, attempts: 1,
    ...(state === 'done' ? { report: { summary: `**Done**: ${title}.`, filesChanged: [], commands: [], openQuestions: [] } } : {}),
  });
  const tasks = [task('t1', 'Write the limiter', 'done', []), task('t2', 'Wire it into the API', 'running', ['t1']), task('t3', 'Write the tests', 'running', ['t1'])];
  const agent = (id: string, taskId: string | null): AgentInfo => ({
    id, missionId, taskId, role: taskId === null ? 'planner' : 'coder', provider: 'replay', model: 'gpt-4.1', usage,
  });
  const agents = [agent('a-planner', null), ...tasks.map((t) => agent(`a-${t.id}`, t.id))];
  const plan = { summary: 'Three tasks.', tasks: tasks.map((t) => ({ id: t.id, title: t.title, role: t.role, instructions: t.title, acceptance: [], dependsOn: t.dependsOn, writeSet: t.writeSet })) };
  const events: MissionEvent[] = [];
  for (let i = 0; i < n; i++) {
    const seq = i + 1;
    // The planner talks first, then the three workers take turns of text, call and result.
    const a = i < n / 10 ? agents[0] : agents[1 + (Math.floor(i / 3) % 3)];
    const base = { seq, missionId, agentId: a.id, taskId: a.taskId, ts: now - (n - i) * 100 };
    const k = i % 3;
    if (k === 0) {
      events.push({ ...base, kind: 'text', text: `Step ${seq}: I will read \`src/limiter.ts\` next.\n\n- check the **window** size\n- keep the tests green\n\n\`\`\`ts\nconst limit = ${seq};\n\`\`\`` });
    } else if (k === 1) {
      events.push({ ...base, kind: 'tool_call', tool: 'read_file', toolCallId: `c${seq}`, text: '', args: JSON.stringify({ path: `src/file${seq % 17}.ts` }) });
    } else {
      events.push({ ...base, kind: 'tool_result', tool: 'read_file', toolCallId: `c${seq - 1}`, ok: true, text: Array.from({ length: 12 }, (_, l) => `${l + 1}: export const v${l} = ${seq};`).join('\n') });
    }
  }
  return { detail: { mission, plan, tasks, agents, changes: [] }, events, inbox: [] };
}

/** The page script of the fake extension: answers JSON-RPC requests from `window.__tfData`. */
const FAKE_EXTENSION = String.raw`
(() => {
  const d = window.__tfData;
  const tf = (window.__tf = { requests: [], state: undefined });
  const post = (data) => window.dispatchEvent(new MessageEvent('message', { data }));
  const handlers = {
    'panel/state': () => ({ serverState: 'ready', provider: 'replay', replaying: false }),
    'mission/list': () => ({ missions: [d.detail.mission] }),
    'mission/get': () => d.detail,
    'mission/events': (p) => {
      const after = p.afterSeq ?? 0;
      const from = d.events.filter((e) => e.seq > after && (!p.agentId || e.agentId === p.agentId));
      return { events: from.slice(0, p.limit ?? 2000) };
    },
    'inbox/list': (p) => ({ items: d.inbox.filter((i) => !p.openOnly || i.state === 'open') }),
    'inbox/respond': (p) => {
      const item = d.inbox.find((i) => i.id === p.itemId);
      Object.assign(item, { state: 'answered', response: p.response, respondedAt: Date.now(), respondedBy: 'user' });
      return { item };
    },
    'agent/sendMessage': () => ({ delivery: tf.delivery ?? 'queued' }),
    'task/pause': () => ({ ok: true }),
    'task/resume': () => ({ ok: true }),
    'task/cancel': () => ({ ok: true }),
  };
  window.acquireVsCodeApi = () => ({
    postMessage(msg) {
      if (!msg || typeof msg.method !== 'string' || msg.id === undefined) return;
      tf.requests.push({ method: msg.method, params: msg.params });
      const h = handlers[msg.method];
      // Cloned like postMessage does, so the panel never shares objects with the fake.
      setTimeout(() => post({ jsonrpc: '2.0', id: msg.id, result: structuredClone(h ? h(msg.params ?? {}) : null) }), 0);
    },
    getState: () => tf.state,
    setState: (s) => { tf.state = s; },
  });
  tf.notify = (method, params) => post({ jsonrpc: '2.0', method, params: structuredClone(params) });
})();
`;

/** Options of `openPanelPage`. */
export interface PanelPageOptions {
  /** Body classes of a VS Code theme, e.g. "vscode-dark" (default) or "vscode-high-contrast". */
  themeClass?: string;
  /** CSS declaring the theme's --vscode-* variables (default: a few dark ones). */
  themeCss?: string;
  width?: number;
  height?: number;
}

const DARK_THEME = `:root{--vscode-foreground:#ccc;--vscode-descriptionForeground:#9d9d9d;--vscode-focusBorder:#007fd4;
--vscode-font-family:system-ui,sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-badge-background:#4d4d4d;
--vscode-badge-foreground:#fff;--vscode-input-background:#3c3c3c;--vscode-input-foreground:#ccc;--vscode-widget-border:#454545;
--vscode-textCodeBlock-background:#2b2b2b;--vscode-textLink-foreground:#3794ff;--vscode-editorWarning-foreground:#cca700;
--vscode-errorForeground:#f48771;--vscode-editorWidget-background:#252526;--vscode-progressBar-background:#0e70c0;}
body{background:#1e1e1e;}`;

/**
 * Opens the panel in a fresh page over `data`: writes a static page beside dist/ in a
 * temporary folder, installs the fake extension, loads dist/webview.js and waits until
 * the panel has booted (the mission list shows).
 */
export async function openPanelPage(browser: Browser, data: FakePanelData, o: PanelPageOptions = {}): Promise<Page> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-webview-bench-'));
  const file = (p: string): string => `file://${path.join(root, p)}`;
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<link id="vscode-codicon-stylesheet" rel="stylesheet" href="${file('dist/media/codicon.css')}">
<link rel="stylesheet" href="${file('media/webview.css')}">
<link rel="stylesheet" href="${file('media/inbox.css')}">
<link rel="stylesheet" href="${file('media/transcript.css')}">
<style>${o.themeCss ?? DARK_THEME}</style></head>
<body class="${o.themeClass ?? 'vscode-dark'}"><main id="root" aria-label="Taskforce missions"></main>
<script src="data.js"></script><script src="fake.js"></script><script src="${file('dist/webview.js')}"></script></body></html>`;
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  fs.writeFileSync(path.join(dir, 'data.js'), `window.__tfData = ${JSON.stringify(data)};`);
  fs.writeFileSync(path.join(dir, 'fake.js'), FAKE_EXTENSION);
  const page = await browser.newPage({ viewport: { width: o.width ?? 480, height: o.height ?? 900 } });
  page.on('close', () => fs.rmSync(dir, { recursive: true, force: true }));
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  await page.waitForSelector('[data-testid=mission-item]');
  return page;
}

/** Launches the bench's headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** In the page: shows the mission and resolves with ms until every agent's newest event painted. */
const MEASURE = String.raw`
(async ({ missionId, newest }) => {
  const ready = () => newest.every((seq) => document.querySelector('[data-testid=transcript] [data-seq="' + seq + '"]'));
  const t0 = performance.now();
  window.__tf.notify('panel/showMission', { missionId });
  await new Promise((resolve) => {
    if (ready()) return resolve();
    const mo = new MutationObserver(() => { if (ready()) { mo.disconnect(); resolve(); } });
    mo.observe(document.body, { childList: true, subtree: true });
  });
  await new Promise((r) => requestAnimationFrame(() => r()));
  return performance.now() - t0;
})`;

/** One measurement in a fresh page. */
async function renderOnce(browser: Browser, data: FakePanelData): Promise<number> {
  const page = await openPanelPage(browser, data);
  try {
    const last = new Map<string, number>();
    for (const e of data.events) if (e.agentId) last.set(e.agentId, e.seq);
    const arg = { missionId: data.detail.mission.id, newest: [...last.values()] };
    return await page.evaluate(`${MEASURE}(${JSON.stringify(arg)})`) as number;
  } finally {
    await page.close();
  }
}

/** webview_render_1000_ms: median of 3 runs (needs dist/webview.js: `npm run build`). */
export async function webviewRender1000Ms(): Promise<number> {
  if (!fs.existsSync(path.join(root, 'dist', 'webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
  const data = fakeMission(1000);
  const browser = await launchChromium();
  try {
    await renderOnce(browser, data); // warm-up (code caches, fonts), not counted
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) samples.push(await renderOnce(browser, data));
    samples.sort((a, b) => a - b);
    return samples[1];
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  webviewRender1000Ms().then(
    (ms) => console.log(`webview_render_1000_ms ${ms.toFixed(1)}`),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exitCode = 1;
    },
  );
}
