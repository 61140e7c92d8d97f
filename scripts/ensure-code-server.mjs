#!/usr/bin/env node
// Installs, idempotently, everything the end-to-end tests and `npm start` need:
//   1. Debian packages: libkrb5-dev + pkg-config (code-server's native `kerberos` module
//      builds against them), ripgrep, chromium (Playwright drives it), git.
//      `apt-get update` runs once, and only when a package is missing.
//   2. A pre-seeded @vscode/ripgrep cache archive made from /usr/bin/rg, because its
//      postinstall would otherwise download ripgrep from GitHub (unreachable here).
//   3. code-server@4.100.3 (= VS Code 1.100.3, the last line that runs on Node 20) into
//      the git-ignored .vscode-test/code-server, reused when already there.
// See shared/recipes/code-server-e2e.md for why each step exists.
//
// Usage: node scripts/ensure-code-server.mjs        (prints the code-server binary path)
//        import { ensureCodeServer } from './ensure-code-server.mjs'
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_DIR = join(REPO_ROOT, '.vscode-test', 'code-server');
/** Path of the code-server launcher once installed. */
export const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
// unzip: fallback for installing a VSIX by unpacking it (see installVsix).
export const APT_PACKAGES = ['libkrb5-dev', 'pkg-config', 'ripgrep', 'chromium', 'git', 'unzip'];

const RIPGREP_PKG_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
const MARKER = join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`);

function log(msg) {
  console.log(`[ensure-code-server] ${msg}`);
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/** True when dpkg reports the package as installed. */
function debInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs the missing Debian packages (apt-get update once, only if something is missing). */
export function ensureAptPackages(packages = APT_PACKAGES) {
  const missing = packages.filter((p) => !debInstalled(p));
  if (missing.length === 0) {
    log(`apt packages present: ${packages.join(' ')}`);
    return;
  }
  log(`apt packages missing: ${missing.join(' ')}`);
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => (sudo.length ? run('sudo', ['apt-get', ...args], { env }) : run('apt-get', args, { env }));
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', ...missing]);
}

/**
 * Puts a ripgrep archive where @vscode/ripgrep's postinstall looks before downloading:
 * $TMPDIR/vscode-ripgrep-cache-<pkgversion>/<asset>. The archive holds a single `rg`.
 */
export function ensureRipgrepCache() {
  const cacheDir = join(process.env.TMPDIR || tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
  const archive = join(cacheDir, RIPGREP_ASSET);
  if (existsSync(archive)) {
    log(`ripgrep cache present: ${archive}`);
    return archive;
  }
  if (!existsSync('/usr/bin/rg')) throw new Error('/usr/bin/rg is missing (apt-get install ripgrep)');
  mkdirSync(cacheDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'rg-stage-'));
  try {
    copyFileSync('/usr/bin/rg', join(stage, 'rg'));
    run('tar', ['-czf', archive, '-C', stage, 'rg']);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  log(`ripgrep cache seeded from /usr/bin/rg: ${archive}`);
  return archive;
}

/** True when code-server @CODE_SERVER_VERSION is fully installed in CODE_SERVER_DIR. */
export function codeServerInstalled() {
  const pkg = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json');
  if (!existsSync(MARKER) || !existsSync(CODE_SERVER_BIN) || !existsSync(pkg)) return false;
  try {
    return JSON.parse(readFileSync(pkg, 'utf8')).version === CODE_SERVER_VERSION;
  } catch {
    return false;
  }
}

/**
 * Ensures apt packages, the ripgrep cache and code-server are installed.
 * @returns {string} absolute path of the code-server binary
 */
export function ensureCodeServer() {
  const started = Date.now();
  if (process.platform !== 'linux') throw new Error('ensure-code-server supports Debian/Linux only');
  ensureAptPackages();
  if (codeServerInstalled()) {
    log(`code-server ${CODE_SERVER_VERSION} present: ${CODE_SERVER_BIN}`);
    return CODE_SERVER_BIN;
  }
  ensureRipgrepCache();
  log(`installing code-server@${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (about a minute)`);
  rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  // A package.json of its own so npm does not climb to the repo's package.json.
  writeFileSync(
    join(CODE_SERVER_DIR, 'package.json'),
    JSON.stringify({ name: 'taskforce-code-server', private: true, description: 'e2e only; git-ignored' }, null, 2) + '\n',
  );
  const env = {
    ...process.env,
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
  run('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: CODE_SERVER_DIR,
    env,
  });
  if (!existsSync(CODE_SERVER_BIN)) throw new Error(`npm install finished but ${CODE_SERVER_BIN} is missing`);
  const v = spawnSync(CODE_SERVER_BIN, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error(`code-server --version failed: ${v.stderr}`);
  log(`code-server --version: ${v.stdout.trim().split('\n').pop()}`);
  writeFileSync(MARKER, new Date().toISOString() + '\n');
  log(`code-server ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return CODE_SERVER_BIN;
}

/**
 * Installs a VSIX into an extensions dir. Tries the documented
 * `code-server --install-extension x.vsix --extensions-dir DIR`; when that fails, unpacks
 * the VSIX's `extension/` folder into DIR/<publisher>.<name>-<version>/ (which code-server
 * also picks up). Returns how it was installed.
 * @param {string} vsix absolute path of the .vsix
 * @param {string} extensionsDir absolute path of the extensions dir
 * @param {{ userDataDir?: string, quiet?: boolean }} [options]
 * @returns {{ method: 'install-extension' | 'unpacked', dir: string | null }}
 */
export function installVsix(vsix, extensionsDir, options = {}) {
  if (!existsSync(vsix)) throw new Error(`${vsix} does not exist (run \`npm run package\`)`);
  mkdirSync(extensionsDir, { recursive: true });
  const bin = ensureCodeServerQuiet();
  const args = ['--install-extension', vsix, '--extensions-dir', extensionsDir, '--force'];
  if (options.userDataDir) args.push('--user-data-dir', options.userDataDir);
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status === 0 && !/failed/i.test(out)) {
    if (!options.quiet) log(`installed ${vsix} with --install-extension into ${extensionsDir}`);
    return { method: 'install-extension', dir: null };
  }
  log(`code-server --install-extension failed (status ${r.status}): ${out.trim()}; unpacking instead`);
  const stage = mkdtempSync(join(tmpdir(), 'vsix-'));
  try {
    run('unzip', ['-q', '-o', vsix, 'extension/*', '-d', stage]);
    const pkg = JSON.parse(readFileSync(join(stage, 'extension', 'package.json'), 'utf8'));
    const dir = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`.toLowerCase());
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(stage, 'extension'), dir, { recursive: true });
    log(`unpacked ${vsix} into ${dir}`);
    return { method: 'unpacked', dir };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The code-server binary, installing it first when missing (without the chatter). */
function ensureCodeServerQuiet() {
  return codeServerInstalled() ? CODE_SERVER_BIN : ensureCodeServer();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureCodeServer());
  } catch (err) {
    console.error(`[ensure-code-server] FAILED: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
