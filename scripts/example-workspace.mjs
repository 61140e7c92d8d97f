#!/usr/bin/env node
// The real input for the demo and the end-to-end test: left-pad@1.3.0 (WTFPL) from the
// npm registry, unpacked into a folder, with its devDependencies (tape, fast-check,
// benchmark) installed so that its own `npm test` (`node test`) runs.
//
// The tarball is cached in .vscode-test/cache/, and one installed, verified copy (the
// template) is kept there too, so a fresh copy for a test is a quick folder copy.
//
// Usage: node scripts/example-workspace.mjs [dir] [--fresh]
//          dir      defaults to example/workspace (git-ignored)
//          --fresh  delete dir first (otherwise an existing prepared folder is reused)
//        import { prepareExampleWorkspace } from './example-workspace.mjs'
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_PACKAGE = 'left-pad';
export const EXAMPLE_VERSION = '1.3.0';
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_WORKSPACE = join(REPO_ROOT, 'example', 'workspace');
const CACHE_DIR = join(REPO_ROOT, '.vscode-test', 'cache');
const TARBALL = join(CACHE_DIR, `${EXAMPLE_PACKAGE}-${EXAMPLE_VERSION}.tgz`);
const TEMPLATE = join(CACHE_DIR, `${EXAMPLE_PACKAGE}-${EXAMPLE_VERSION}-installed`);
const TEMPLATE_OK = join(CACHE_DIR, `${EXAMPLE_PACKAGE}-${EXAMPLE_VERSION}-installed.ok`);

const quietNpm = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

function log(msg) {
  console.log(`[example-workspace] ${msg}`);
}

function run(cmd, args, cwd, capture = false) {
  log(`$ ${cmd} ${args.join(' ')}${cwd ? `   (in ${relative(REPO_ROOT, cwd) || '.'})` : ''}`);
  const r = spawnSync(cmd, args, { cwd, env: quietNpm, encoding: 'utf8', stdio: capture ? 'pipe' : 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const out = capture ? `\n${r.stdout}\n${r.stderr}` : '';
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}${out}`);
  }
  return r.stdout ?? '';
}

/** Downloads left-pad's tarball once into .vscode-test/cache/ and returns its path. */
export function ensureTarball() {
  if (existsSync(TARBALL)) return TARBALL;
  mkdirSync(CACHE_DIR, { recursive: true });
  run('npm', ['pack', `${EXAMPLE_PACKAGE}@${EXAMPLE_VERSION}`, '--pack-destination', CACHE_DIR], CACHE_DIR, true);
  if (!existsSync(TARBALL)) throw new Error(`npm pack did not produce ${TARBALL}`);
  log(`cached ${relative(REPO_ROOT, TARBALL)}`);
  return TARBALL;
}

/** Unpacks the tarball's `package/` contents into dir (which must not exist or be empty). */
function extractInto(dir) {
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', ensureTarball(), '-C', dir, '--strip-components=1', '--no-same-owner'], undefined, true);
}

/** Runs the workspace's own test suite; throws when it fails. */
export function verifyWorkspace(dir) {
  const out = run('npm', ['test'], dir, true);
  const pass = /# pass\s+(\d+)/.exec(out);
  if (!/# ok/.test(out)) throw new Error(`npm test in ${dir} did not report "# ok":\n${out}`);
  log(`npm test passed in ${dir} (${pass ? pass[1] : '?'} assertions)`);
}

/** Builds the installed, verified template in the cache once. */
function ensureTemplate() {
  if (existsSync(TEMPLATE_OK) && existsSync(join(TEMPLATE, 'node_modules', 'tape'))) return TEMPLATE;
  const staging = `${TEMPLATE}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  extractInto(staging);
  run('npm', ['install', '--no-package-lock'], staging);
  verifyWorkspace(staging);
  rmSync(TEMPLATE, { recursive: true, force: true });
  renameSync(staging, TEMPLATE);
  writeFileSync(TEMPLATE_OK, new Date().toISOString() + '\n');
  return TEMPLATE;
}

/** Files of the pristine package (no node_modules), as relative paths. */
function packageFiles(root, dir = root) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...packageFiles(root, p));
    else out.push(relative(root, p));
  }
  return out;
}

/**
 * True when dir holds exactly the files of left-pad@1.3.0 (node_modules aside),
 * i.e. no change from an earlier demo run has been accepted into it.
 */
export function isPristine(dir) {
  const template = ensureTemplate();
  const want = packageFiles(template).sort();
  if (!existsSync(dir)) return false;
  const have = packageFiles(dir).sort();
  if (want.join('\n') !== have.join('\n')) return false;
  return want.every((f) => readFileSync(join(template, f)).equals(readFileSync(join(dir, f))));
}

/**
 * Prepares a fresh copy of the example workspace (left-pad@1.3.0 with node_modules) in dir.
 * Copies the cached, verified template; the first call downloads, installs and runs
 * `npm test` once. Options: `fresh` deletes dir first (default true; otherwise an existing
 * prepared dir is kept), `verify` runs `npm test` in dir afterwards (default false),
 * `git` makes dir a git repository with one commit (default false).
 * @param {string} [dir]
 * @param {{ fresh?: boolean, verify?: boolean, git?: boolean }} [options]
 * @returns {string} the absolute workspace path
 */
export function prepareExampleWorkspace(dir = DEFAULT_WORKSPACE, options = {}) {
  const { fresh = true, verify = false, git = false } = options;
  const target = resolve(dir);
  if (!fresh && existsSync(join(target, 'package.json')) && existsSync(join(target, 'node_modules', 'tape'))) {
    log(`reusing ${target}`);
    if (verify) verifyWorkspace(target);
    return target;
  }
  const template = ensureTemplate();
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(template, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  if (git) {
    const g = (args) => run('git', args, target, true);
    g(['init', '-q', '-b', 'main']);
    writeFileSync(join(target, '.gitignore'), 'node_modules/\n');
    g(['add', '-A']);
    g(['-c', 'user.name=Taskforce Example', '-c', 'user.email=example@taskforce.invalid', 'commit', '-q', '-m', 'left-pad@1.3.0']);
  }
  log(`prepared ${EXAMPLE_PACKAGE}@${EXAMPLE_VERSION} in ${target}`);
  if (verify) verifyWorkspace(target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? DEFAULT_WORKSPACE;
  try {
    const started = Date.now();
    prepareExampleWorkspace(dir, { fresh: args.includes('--fresh'), verify: true, git: args.includes('--git') });
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`[example-workspace] FAILED: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
