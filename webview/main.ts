/**
 * Entry of the Missions webview (bundled by esbuild to dist/webview.js, a browser IIFE).
 * Registers the vscode-elements components the panel uses and starts the panel.
 * Imports neither `vscode` nor Node built-ins.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import { App } from './app';
import { createPanelRpc, vscodeApi } from './rpc';

function main(): void {
  const root = document.getElementById('root');
  if (!root) throw new Error('Taskforce: #root is missing from the webview HTML');
  const api = vscodeApi();
  const rpc = createPanelRpc(api, window);
  const app = new App(root, rpc, api);
  void app.boot();
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', main, { once: true });
} else {
  main();
}
