// Builds the four bundles of Taskforce into dist/:
//   extension.js  node/cjs, `vscode` external (the VS Code extension host loads it)
//   server.js     node/cjs, the orchestration server (spawned over IPC or stdio)
//   cli.js        node/cjs, the headless `taskforce` CLI (spawns server.js over stdio)
//   webview.js    browser/iife, the Missions WebviewView
// sql.js's wasm is copied beside the server bundle; codicons' font and CSS into dist/media.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const builds = [
  { ...node, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['server/main.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['cli/taskforce.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
];

function copyAssets() {
  mkdirSync('dist/media', { recursive: true });
  cpSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
  cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/media/codicon.css');
  cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/media/codicon.ttf');
  try { chmodSync('dist/cli.js', 0o755); } catch { /* first build of watch mode */ }
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.rebuild()));
  copyAssets();
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
  console.log(`esbuild: 4 bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
