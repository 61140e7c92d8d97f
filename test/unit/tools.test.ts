/**
 * Unit tests for the agent tools and the dispatcher, on real temp folders and real child
 * processes. Run: node --import tsx --test test/unit/tools.test.ts
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { spawnSync } from 'node:child_process';
import type { ToolContext, ToolOutcome } from '../../server/tools/types';
import { executeToolCall, toolsFor, TOOLS } from '../../server/tools/registry';
import { resolveInRoot } from '../../server/tools/paths';
import { READ_CAP_CHARS } from '../../server/tools/files';
import { isCommandAllowed } from '../../server/tools/command';
import {
  NO_RIPGREP_ENV,
  searchFiles,
  SEARCH_MAX_MATCHES,
  type SearchEngine,
} from '../../server/tools/search';

interface Recorder {
  approvals: string[];
  questions: string[];
}

let root: string;
let outside: string;
const ALL = toolsFor(Object.keys(TOOLS));

function makeCtx(over: Partial<ToolContext> = {}, rec?: Recorder): ToolContext {
  return {
    root,
    signal: new AbortController().signal,
    allowedCommands: ['node', 'echo', 'npm test'],
    commandTimeoutMs: 20_000,
    outputCapChars: 4000,
    requestApproval: async (command) => {
      rec?.approvals.push(command);
      return { approved: true };
    },
    askUser: async (q) => {
      rec?.questions.push(q);
      return null;
    },
    env: { PATH: process.env.PATH ?? '' },
    ...over,
  };
}

function call(name: string, args: unknown, ctx: ToolContext = makeCtx()): Promise<ToolOutcome> {
  const json = typeof args === 'string' ? args : JSON.stringify(args);
  return executeToolCall({ id: 'c1', name, argumentsJson: json }, ALL, ctx);
}

async function write(rel: string, content: string | Buffer): Promise<void> {
  await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await fs.writeFile(path.join(root, rel), content);
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tf-tools-root-'));
  outside = await fs.mkdtemp(path.join(os.tmpdir(), 'tf-tools-outside-'));
  await fs.writeFile(path.join(outside, 'secret.txt'), 'top secret\n');
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(outside, { recursive: true, force: true });
});

describe('argument validation (executeToolCall)', () => {
  test('bad JSON gives an ok:false observation with the parser message', async () => {
    const r = await call('read_file', '{"path": "a.txt",');
    assert.equal(r.ok, false);
    assert.match(r.content, /^Invalid JSON in arguments for read_file: .+\. Send the arguments as a JSON object\.$/);
  });
  test('JSON that is not an object is refused', async () => {
    const r = await call('read_file', '["a.txt"]');
    assert.equal(r.ok, false);
    assert.match(r.content, /expected a JSON object, got an array/);
  });
  test('unknown tool names the tool and lists the available ones', async () => {
    const r = await call('frobnicate', {});
    assert.equal(r.ok, false);
    assert.match(r.content, /Unknown tool "frobnicate"/);
    assert.match(r.content, /Available tools: .*read_file.*finish_task/);
  });
  test('missing, extra and wrong-typed fields are all listed with their paths', async () => {
    const r = await call('read_file', { startLine: 'five', bogus: 1 });
    assert.equal(r.ok, false);
    assert.match(r.content, /\(arguments\): missing required property "path"/);
    assert.match(r.content, /\(arguments\): unknown property "bogus" is not allowed/);
    assert.match(r.content, /\/startLine: must be integer, got string "five"/);
    assert.match(r.content, /Parameters: path \(string, required\)/);
  });
  test('nested violations carry their JSON-pointer path', async () => {
    const r = await call('finish_task', {
      summary: 's', filesChanged: [], openQuestions: [], commands: [{ command: 'x', exitCode: 'zero' }],
    });
    assert.equal(r.ok, false);
    assert.match(r.content, /\/commands\/0\/exitCode: must be integer,null/);
  });
  test('empty arguments text is treated as {}', async () => {
    await write('empty-args/x.txt', 'x');
    const r = await executeToolCall({ id: '1', name: 'list_files', argumentsJson: '' }, ALL, makeCtx());
    assert.equal(r.ok, true);
  });
  test('a tool that throws becomes ok:false with its message', async () => {
    const boom = { spec: { name: 'boom', description: 'd', parameters: { type: 'object' } },
      run: async (): Promise<ToolOutcome> => { throw new Error('kaput'); } };
    const r = await executeToolCall({ id: '1', name: 'boom', argumentsJson: '{}' }, [boom], makeCtx());
    assert.deepEqual(r, { ok: false, content: 'boom failed: kaput' });
  });
  test('toolsFor returns tools in order and throws on unknown names', () => {
    assert.deepEqual(toolsFor(['read_file', 'edit_file']).map((t) => t.spec.name), ['read_file', 'edit_file']);
    assert.throws(() => toolsFor(['read_file', 'nope']), /Unknown tool "nope"\. Known tools: list_files, read_file/);
  });
  test('every schema compiles in strict mode, is closed and names its required fields', () => {
    const strict = new Ajv({ strict: true, allErrors: true });
    for (const [name, tool] of Object.entries(TOOLS)) {
      assert.equal(tool.spec.name, name);
      assert.ok(tool.spec.description.length > 40, `${name} has a real description`);
      assert.equal(tool.spec.parameters.additionalProperties, false, name);
      assert.ok(Array.isArray(tool.spec.parameters.required), name);
      strict.compile(tool.spec.parameters);
    }
  });
});

describe('path sandbox', () => {
  test('refuses .., absolute, ~, NUL, drive and UNC paths with the reason', async () => {
    const cases: [string, RegExp][] = [
      ['../x', /escape the workspace root/],
      ['a/../../x', /escape the workspace root/],
      ['/etc/passwd', /absolute paths are not allowed/],
      ['~/x', /home directory/],
      ['a\0b', /NUL byte/],
      ['C:\\Windows', /Windows drive/],
      ['\\\\server\\share', /UNC/],
    ];
    for (const [p, why] of cases) {
      await assert.rejects(resolveInRoot(root, p), why, p);
    }
  });
  test('normalises harmless forms to forward-slash relative paths', async () => {
    assert.equal((await resolveInRoot(root, 'a/../b')).relPath, 'b');
    assert.equal((await resolveInRoot(root, 'src\\x.ts')).relPath, 'src/x.ts');
    const r = await resolveInRoot(root, '');
    assert.deepEqual(r, { absPath: path.resolve(root), relPath: '.' });
  });
  test('refuses symlinks whose real path leaves the root, for reads and writes', async () => {
    await fs.symlink(outside, path.join(root, 'out-link'));
    await fs.symlink(path.join(outside, 'new.txt'), path.join(root, 'dangling-out'));
    await assert.rejects(resolveInRoot(root, 'out-link/secret.txt'), /outside the workspace root/);
    const read = await call('read_file', { path: 'out-link/secret.txt' });
    assert.equal(read.ok, false);
    assert.doesNotMatch(read.content, /top secret/);
    const w = await call('write_file', { path: 'dangling-out', content: 'x' });
    assert.equal(w.ok, false);
    await assert.rejects(fs.stat(path.join(outside, 'new.txt')), /ENOENT/);
    const rel = await call('read_file', { path: '../secret.txt' });
    assert.match(rel.content, /escape the workspace root/);
  });
  test('allows symlinks that stay inside the root', async () => {
    await write('real/inside.txt', 'inside\n');
    await fs.symlink(path.join(root, 'real'), path.join(root, 'in-link'));
    const r = await call('read_file', { path: 'in-link/inside.txt' });
    assert.equal(r.ok, true);
    assert.match(r.content, /inside/);
  });
});

describe('file tools', () => {
  test('edit_file fails loudly when oldText is missing', async () => {
    await write('edit/a.ts', 'const a = 1;\nconst b = 2;\n');
    const r = await call('edit_file', { path: 'edit/a.ts', oldText: 'const c = 3;', newText: 'x' });
    assert.equal(r.ok, false);
    assert.match(r.content, /not found in edit\/a\.ts/);
  });
  test('edit_file refuses a non-unique oldText and changes nothing', async () => {
    await write('edit/dup.ts', 'x = 1;\ny = 2;\nx = 1;\n');
    const r = await call('edit_file', { path: 'edit/dup.ts', oldText: 'x = 1;', newText: 'x = 9;' });
    assert.equal(r.ok, false);
    assert.match(r.content, /found 2 times in edit\/dup\.ts \(at lines 1, 3\) — include more context/);
    assert.equal(await fs.readFile(path.join(root, 'edit/dup.ts'), 'utf8'), 'x = 1;\ny = 2;\nx = 1;\n');
  });
  test('edit_file replaces a unique match and reports the line', async () => {
    await write('edit/ok.ts', 'a\nb\nc\nd\n');
    const r = await call('edit_file', { path: 'edit/ok.ts', oldText: 'c\n', newText: 'C1\nC2\n' });
    assert.equal(r.ok, true);
    assert.match(r.content, /at line 3/);
    assert.deepEqual(r.wrote, ['edit/ok.ts']);
    assert.equal(await fs.readFile(path.join(root, 'edit/ok.ts'), 'utf8'), 'a\nb\nC1\nC2\nd\n');
  });
  test('edit_file accepts LF oldText in a CRLF file and keeps CRLF', async () => {
    await write('edit/crlf.txt', 'one\r\ntwo\r\nthree\r\n');
    const r = await call('edit_file', { path: 'edit/crlf.txt', oldText: 'one\ntwo', newText: '1\n2' });
    assert.equal(r.ok, true);
    assert.equal(await fs.readFile(path.join(root, 'edit/crlf.txt'), 'utf8'), '1\r\n2\r\nthree\r\n');
  });
  test('read_file returns a 1-based inclusive range with a header', async () => {
    await write('read/lines.txt', Array.from({ length: 10 }, (_, i) => `line${i + 1}`).join('\n') + '\n');
    const r = await call('read_file', { path: 'read/lines.txt', startLine: 3, endLine: 5 });
    assert.equal(r.content, 'read/lines.txt (lines 3-5 of 10)\nline3\nline4\nline5');
    const tail = await call('read_file', { path: 'read/lines.txt', startLine: 9, endLine: 50 });
    assert.equal(tail.content, 'read/lines.txt (lines 9-10 of 10)\nline9\nline10');
    const past = await call('read_file', { path: 'read/lines.txt', startLine: 11 });
    assert.equal(past.ok, false);
    assert.match(past.content, /past the end .* 10 lines/);
  });
  test('read_file caps output with a truncation marker saying where to continue', async () => {
    const line = 'y'.repeat(999);
    await write('read/big.txt', Array.from({ length: 100 }, () => line).join('\n'));
    const r = await call('read_file', { path: 'read/big.txt' });
    assert.equal(r.ok, true);
    assert.ok(r.content.length <= READ_CAP_CHARS + 300);
    assert.match(r.content, /\[truncated: output capped at 50000 characters after line 50; call read_file with startLine=51 to continue\]$/);
  });
  test('read_file refuses binary files', async () => {
    await write('read/img.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    const r = await call('read_file', { path: 'read/img.bin' });
    assert.equal(r.ok, false);
    assert.match(r.content, /read\/img\.bin is a binary file/);
  });
  test('list_files lists one level, or the tree without node_modules contents, never .git', async () => {
    await write('lst/src/main.ts', '');
    await write('lst/README.md', '');
    await write('lst/node_modules/dep/index.js', '');
    await write('lst/.git/HEAD', '');
    const flat = await call('list_files', { path: 'lst' });
    assert.equal(flat.content, 'lst/README.md\nlst/node_modules/\nlst/src/');
    const deep = await call('list_files', { path: 'lst', recursive: true });
    assert.equal(deep.content, 'lst/README.md\nlst/node_modules/\nlst/src/\nlst/src/main.ts');
    const cut = await call('list_files', { path: 'lst', recursive: true, maxEntries: 2 });
    assert.match(cut.content, /^lst\/README\.md\nlst\/node_modules\/\n\[truncated: listing stopped after 2 entries/);
  });
  test('write_file creates parent dirs; delete_file removes the file', async () => {
    const w = await call('write_file', { path: 'new/deep/f.txt', content: 'hi\n' });
    assert.equal(w.ok, true);
    assert.deepEqual(w.wrote, ['new/deep/f.txt']);
    assert.equal(await fs.readFile(path.join(root, 'new/deep/f.txt'), 'utf8'), 'hi\n');
    const d = await call('delete_file', { path: 'new/deep/f.txt' });
    assert.equal(d.ok, true);
    await assert.rejects(fs.stat(path.join(root, 'new/deep/f.txt')), /ENOENT/);
    const again = await call('delete_file', { path: 'new/deep/f.txt' });
    assert.equal(again.ok, false);
    assert.match(again.content, /Not found/);
  });
});

const hasRg = spawnSync('rg', ['--version']).status === 0;
for (const engine of ['rg', 'js'] as const satisfies readonly SearchEngine[]) {
  describe(`search_files (${engine})`, { skip: engine === 'rg' && !hasRg ? 'rg is not on PATH' : false }, () => {
    const ctx = (): ToolContext => makeCtx();
    before(async () => {
      await write('srch/src/a.ts', 'export function alpha() {}\nconst x = 1;\n');
      await write('srch/src/b.js', 'function beta() {}\n');
      await write('srch/node_modules/dep/i.ts', 'function hidden() {}\n');
      await write('srch/.git/config', 'function gitty() {}\n');
      await write('srch/bin.dat', Buffer.concat([Buffer.from('function bin() {}\n'), Buffer.from([0, 1, 2])]));
      await write('srch/many.txt', Array.from({ length: SEARCH_MAX_MATCHES + 5 }, (_, i) => `hit ${i}`).join('\n'));
    });
    test('prints path:line: text and skips .git, node_modules and binary files', async () => {
      const r = await searchFiles({ pattern: 'function \\w+', path: 'srch' }, ctx(), engine);
      assert.equal(r.engine, engine);
      assert.equal(r.outcome.content.split('\n').sort().join('\n'),
        'srch/src/a.ts:1: export function alpha() {}\nsrch/src/b.js:1: function beta() {}');
    });
    test('filters by glob (file name at any depth, or root-relative path)', async () => {
      const r = await searchFiles({ pattern: 'function', path: 'srch', glob: '*.ts' }, ctx(), engine);
      assert.equal(r.outcome.content, 'srch/src/a.ts:1: export function alpha() {}');
      const p = await searchFiles({ pattern: 'function', glob: 'srch/src/*.js' }, ctx(), engine);
      assert.equal(p.outcome.content, 'srch/src/b.js:1: function beta() {}');
    });
    test('caps results with a marker', async () => {
      const r = await searchFiles({ pattern: '^hit \\d+$', path: 'srch/many.txt' }, ctx(), engine);
      const lines = r.outcome.content.split('\n');
      assert.equal(lines.length, SEARCH_MAX_MATCHES + 1);
      assert.match(lines[SEARCH_MAX_MATCHES], /^\[truncated: showing the first 200 matches/);
    });
    test('an invalid regex and no matches give clear messages', async () => {
      const bad = await searchFiles({ pattern: 'foo(', path: 'srch' }, ctx(), engine);
      assert.equal(bad.outcome.ok, false);
      assert.match(bad.outcome.content, /^Invalid regular expression "foo\(":/);
      const none = await searchFiles({ pattern: 'zzz_nothing', path: 'srch' }, ctx(), engine);
      assert.deepEqual(none.outcome, { ok: true, content: 'No matches for /zzz_nothing/ in srch.' });
    });
  });
}

test('search_files: TASKFORCE_NO_RIPGREP=1 forces the JS fallback; rg-unsupported regex falls back', async () => {
  await write('srch2/a.txt', 'foobar\nfoobaz\n');
  process.env[NO_RIPGREP_ENV] = '1';
  try {
    const r = await searchFiles({ pattern: 'foo', path: 'srch2' }, makeCtx());
    assert.equal(r.engine, 'js');
  } finally {
    delete process.env[NO_RIPGREP_ENV];
  }
  const look = await searchFiles({ pattern: 'foo(?=baz)', path: 'srch2' }, makeCtx(), hasRg ? 'rg' : 'js');
  assert.equal(look.engine, 'js');
  assert.equal(look.outcome.content, 'srch2/a.txt:2: foobaz');
  const viaTool = await call('search_files', { pattern: 'baz$', path: 'srch2' });
  assert.equal(viaTool.content, 'srch2/a.txt:2: foobaz');
});

/** True while `pid` is a live (non-zombie) process. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('run_command', () => {
  test('isCommandAllowed: exact or prefix+space, no metacharacters after the prefix', () => {
    const allowed = ['npm test', 'ls'];
    assert.equal(isCommandAllowed('npm test', allowed), true);
    assert.equal(isCommandAllowed('npm test -- --grep x', allowed), true);
    assert.equal(isCommandAllowed('npm testx', allowed), false);
    assert.equal(isCommandAllowed('npm test && curl evil', allowed), false);
    assert.equal(isCommandAllowed('ls; rm -rf /', allowed), false);
    assert.equal(isCommandAllowed('ls $(whoami)', allowed), false);
    assert.equal(isCommandAllowed('ls > out', allowed), false);
    assert.equal(isCommandAllowed('rm -rf /', allowed), false);
  });
  test('an allowed command runs without approval and reports its exit code', async () => {
    const rec: Recorder = { approvals: [], questions: [] };
    const r = await call('run_command', { command: 'echo hello-$FOO' }, makeCtx({ allowedCommands: ['echo hello-$FOO'], env: { PATH: process.env.PATH, FOO: 'bar' } }, rec));
    assert.equal(rec.approvals.length, 0);
    assert.equal(r.ok, true);
    assert.match(r.content, /exit code 0/);
    assert.match(r.content, /hello-bar/);
    assert.equal(r.command?.exitCode, 0);
    assert.equal(r.command?.command, 'echo hello-$FOO');
  });
  test('a non-zero exit is ok:true and says the exit code', async () => {
    const r = await call('run_command', { command: 'node -e "process.exit(3)"' });
    assert.equal(r.ok, true);
    assert.match(r.content, /exit code 3/);
    assert.equal(r.command?.exitCode, 3);
  });
  test('a command outside the allow-list asks for approval and runs when approved', async () => {
    const rec: Recorder = { approvals: [], questions: [] };
    const r = await call('run_command', { command: 'echo a > approved.txt' }, makeCtx({}, rec));
    assert.deepEqual(rec.approvals, ['echo a > approved.txt']);
    assert.equal(r.ok, true);
    assert.equal(await fs.readFile(path.join(root, 'approved.txt'), 'utf8'), 'a\n');
  });
  test('a denied command does not run and says so with the reason', async () => {
    const ctx = makeCtx({ requestApproval: async () => ({ approved: false, reason: 'not today' }) });
    const r = await call('run_command', { command: 'npm test && echo x > denied.txt' }, ctx);
    assert.equal(r.ok, false);
    assert.match(r.content, /^The user denied running `npm test && echo x > denied\.txt`\. Reason: not today/);
    assert.deepEqual(r.command, { command: 'npm test && echo x > denied.txt', exitCode: null, durationMs: 0 });
    await assert.rejects(fs.stat(path.join(root, 'denied.txt')), /ENOENT/);
  });
  test('a timeout kills the whole process tree', { skip: process.platform === 'win32', timeout: 20_000 }, async () => {
    const started = Date.now();
    const r = await call('run_command', {
      command: 'node -e "setInterval(() => {}, 1000)" & echo $! > child.pid; wait', timeoutMs: 60_000,
    }, makeCtx({ commandTimeoutMs: 800 }));
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.ok, false);
    assert.match(r.content, /timed out after 800 ms/);
    assert.equal(r.command?.exitCode, null);
    const childPid = Number(await fs.readFile(path.join(root, 'child.pid'), 'utf8'));
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(isAlive(childPid), false, 'the grandchild process was killed');
  });
  test('cancelling the signal kills the command', { timeout: 20_000 }, async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await call('run_command', { command: 'node -e "setInterval(() => {}, 1000)"' }, makeCtx({ signal: ac.signal }));
    assert.equal(r.ok, false);
    assert.match(r.content, /cancelled \(the task was stopped\) and was killed/);
    assert.equal(r.command?.exitCode, null);
  });
  test('output is capped to the tail with a truncation marker', async () => {
    const r = await call('run_command', {
      command: 'node -e "process.stdout.write(\'ST\' + \'ART\' + \'x\'.repeat(10000) + \'END\')"',
    }, makeCtx({ outputCapChars: 100 }));
    assert.match(r.content, /\[truncated: showing the last 100 of 10008 characters of output\]\nx+END$/);
    assert.doesNotMatch(r.content, /START/);
  });
});

describe('interaction tools', () => {
  test('ask_user relays the answer, or tells the agent to proceed when there is none', async () => {
    const rec: Recorder = { approvals: [], questions: [] };
    const none = await call('ask_user', { question: 'Which port?' }, makeCtx({}, rec));
    assert.equal(none.content, 'No answer is available; proceed with your best judgement and note the open question in your report.');
    assert.deepEqual(rec.questions, ['Which port?']);
    const yes = await call('ask_user', { question: 'Which port?' }, makeCtx({ askUser: async () => '8080' }));
    assert.equal(yes.content, 'The user answered: 8080');
  });
  test('finish_task returns the typed report', async () => {
    const args = { summary: 'Added add()', filesChanged: ['src/add.ts'], commands: [{ command: 'npm test', exitCode: 0 }], openQuestions: [] };
    const r = await call('finish_task', args);
    assert.equal(r.ok, true);
    assert.deepEqual(r.report, args);
  });
  test('submit_plan returns the raw plan', async () => {
    const plan = { summary: 'p', tasks: [{ id: 't1', title: 'T', role: 'coder', instructions: 'do', acceptance: ['a'], dependsOn: [], writeSet: ['src/**'], checks: ['npm test'] }] };
    const r = await call('submit_plan', plan);
    assert.equal(r.ok, true);
    assert.deepEqual(r.plan, plan);
    const bad = await call('submit_plan', { summary: 'p', tasks: [{ ...plan.tasks[0], role: 'wizard' }] });
    assert.match(bad.content, /\/tasks\/0\/role: must be one of "coder", "tester", "reviewer", "docs", got string "wizard"/);
    const noWriteSet = await call('submit_plan', { summary: 'p', tasks: [{ ...plan.tasks[0], writeSet: undefined }] });
    assert.match(noWriteSet.content, /writeSet/);
  });
  test('request_changes returns the task and findings for the engine', async () => {
    const r = await call('request_changes', { taskId: 't1', findings: ['index.js:3 off by one'] });
    assert.equal(r.ok, true);
    assert.deepEqual(r.review, { taskId: 't1', findings: ['index.js:3 off by one'] });
    const empty = await call('request_changes', { taskId: 't1', findings: [] });
    assert.equal(empty.ok, false);
  });
});
