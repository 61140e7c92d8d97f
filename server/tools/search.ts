/**
 * search_files: regex search over workspace files. Uses ripgrep (`rg --json`) when it is on
 * PATH, else a JavaScript walk. Both engines skip .git, node_modules and binary files, do
 * not honour .gitignore, and print `path:line: text` with workspace-relative paths.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { Tool, ToolContext, ToolOutcome } from './types';
import { resolveInRoot } from './paths';
import { isBinary, MAX_TEXT_FILE_BYTES, SKIPPED_DIRS } from './files';
import { loadExeca } from './command';

/** Max matching lines returned. */
export const SEARCH_MAX_MATCHES = 200;
/** Max characters of one matching line shown (longer lines are cut with "…"). */
export const SEARCH_MAX_LINE_CHARS = 300;
/** Set this environment variable to "1" to never use ripgrep (forces the JS fallback). */
export const NO_RIPGREP_ENV = 'TASKFORCE_NO_RIPGREP';

/** Which engine to use: 'auto' picks ripgrep when `rg` runs, else 'js'. */
export type SearchEngine = 'auto' | 'rg' | 'js';

/** Arguments of search_files, after schema validation. */
export interface SearchArgs {
  /** Regular expression (ripgrep/JavaScript syntax; the common subset works in both). */
  pattern: string;
  /** Workspace-relative file or directory to search; default '.'. */
  path?: string;
  /** Glob filter: without '/' it matches file names at any depth, else root-relative paths. */
  glob?: string;
  ignoreCase?: boolean;
}

/** Result of a search: the observation text and which engine produced it. */
export interface SearchResult {
  outcome: ToolOutcome;
  engine: 'rg' | 'js';
}

interface Match {
  file: string;
  line: number;
  text: string;
}

const rgAvailability = new Map<string, Promise<boolean>>();

/** True when `rg --version` runs with the PATH of `env` (cached per PATH value). */
export function ripgrepAvailable(env: NodeJS.ProcessEnv): Promise<boolean> {
  const key = env.PATH ?? env.Path ?? '';
  let p = rgAvailability.get(key);
  if (!p) {
    p = loadExeca()
      .then(({ execa }) =>
        execa('rg', ['--version'], { env, extendEnv: false, reject: false, timeout: 5000 }),
      )
      .then(
        (r) => r.exitCode === 0,
        () => false,
      );
    rgAvailability.set(key, p);
  }
  return p;
}

/**
 * Runs a search in `ctx.root`.
 * @param engine 'auto' (default) uses ripgrep when available and the env variable
 *   TASKFORCE_NO_RIPGREP is not "1"; 'rg' and 'js' force an engine. A pattern ripgrep
 *   cannot parse (e.g. look-around) falls back to the JS engine.
 * @throws PathError when `args.path` is refused.
 */
export async function searchFiles(
  args: SearchArgs,
  ctx: Pick<ToolContext, 'root' | 'env' | 'signal'>,
  engine: SearchEngine = 'auto',
): Promise<SearchResult> {
  let regex: RegExp;
  try {
    regex = new RegExp(args.pattern, args.ignoreCase ? 'i' : '');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      outcome: { ok: false, content: `Invalid regular expression ${JSON.stringify(args.pattern)}: ${why}` },
      engine: 'js',
    };
  }
  const { absPath, relPath } = await resolveInRoot(ctx.root, args.path ?? '.');
  try {
    await fs.stat(absPath);
  } catch {
    return { outcome: { ok: false, content: `Path not found: ${relPath}.` }, engine: 'js' };
  }
  const useRg =
    engine === 'rg' ||
    (engine === 'auto' && process.env[NO_RIPGREP_ENV] !== '1' && (await ripgrepAvailable(ctx.env)));
  if (useRg) {
    const r = await searchWithRipgrep(args, relPath, ctx);
    if (r !== 'unsupported-regex') return { outcome: format(r, args), engine: 'rg' };
  }
  const matches = await searchWithJs(regex, relPath, absPath, args.glob, ctx.signal);
  return { outcome: format(matches, args), engine: 'js' };
}

function format(r: { matches: Match[]; more: boolean } | string, args: SearchArgs): ToolOutcome {
  if (typeof r === 'string') return { ok: false, content: r };
  const where = `${args.path ?? '.'}${args.glob ? ` (glob ${args.glob})` : ''}`;
  if (r.matches.length === 0) {
    return { ok: true, content: `No matches for /${args.pattern}/ in ${where}.` };
  }
  const lines = r.matches.map((m) => `${m.file}:${m.line}: ${clip(m.text)}`);
  if (r.more) {
    lines.push(
      `[truncated: showing the first ${SEARCH_MAX_MATCHES} matches; narrow the pattern, ` +
        `path or glob]`,
    );
  }
  return { ok: true, content: lines.join('\n') };
}

function clip(text: string): string {
  const t = text.replace(/\r?\n$/, '').replace(/\r$/, '');
  return t.length > SEARCH_MAX_LINE_CHARS ? `${t.slice(0, SEARCH_MAX_LINE_CHARS)}…` : t;
}

/** ripgrep's JSON messages we read. */
interface RgMessage {
  type: string;
  data?: { path?: { text?: string }; lines?: { text?: string }; line_number?: number };
}

async function searchWithRipgrep(
  args: SearchArgs,
  relPath: string,
  ctx: Pick<ToolContext, 'root' | 'env' | 'signal'>,
): Promise<{ matches: Match[]; more: boolean } | string | 'unsupported-regex'> {
  const rgArgs = ['--json', '--no-config', '--no-ignore', '--hidden', '--no-messages'];
  for (const d of SKIPPED_DIRS) rgArgs.push('--glob', `!${d}`);
  if (args.glob) rgArgs.push('--glob', args.glob);
  if (args.ignoreCase) rgArgs.push('--ignore-case');
  rgArgs.push('--regexp', args.pattern, '--', relPath);

  const matches: Match[] = [];
  let more = false;
  const { execa } = await loadExeca();
  const sub = execa('rg', rgArgs, {
    cwd: ctx.root,
    env: ctx.env,
    extendEnv: false,
    reject: false,
    buffer: { stdout: false, stderr: true },
    cancelSignal: ctx.signal,
    stdin: 'ignore',
  });
  try {
    for await (const line of sub.iterable({ from: 'stdout' })) {
      if (matches.length > SEARCH_MAX_MATCHES) continue; // drain, then stop rg below
      let msg: RgMessage;
      try {
        msg = JSON.parse(String(line)) as RgMessage;
      } catch {
        continue;
      }
      if (msg.type !== 'match' || !msg.data?.path?.text || msg.data.line_number === undefined) {
        continue;
      }
      matches.push({
        file: msg.data.path.text.replace(/\\/g, '/').replace(/^\.\//, ''),
        line: msg.data.line_number,
        text: msg.data.lines?.text ?? '',
      });
      if (matches.length > SEARCH_MAX_MATCHES) sub.kill();
    }
  } catch {
    // The iterable throws when rg is killed or exits with an error; handled via the result.
  }
  const result = await sub;
  if (matches.length > SEARCH_MAX_MATCHES) {
    more = true;
    matches.length = SEARCH_MAX_MATCHES;
    return { matches, more };
  }
  if (result.isCanceled) return 'Search cancelled.';
  const stderr = String(result.stderr ?? '').trim();
  if (result.exitCode === 2 && /regex parse error|error parsing regex/i.test(stderr)) {
    return 'unsupported-regex';
  }
  if (result.exitCode === 2 && matches.length === 0 && stderr) {
    return `search_files failed: ripgrep said: ${stderr.slice(0, 1000)}`;
  }
  return { matches, more };
}

async function searchWithJs(
  regex: RegExp,
  relPath: string,
  absPath: string,
  glob: string | undefined,
  signal: AbortSignal,
): Promise<{ matches: Match[]; more: boolean } | string> {
  const isMatch = glob
    ? picomatch(glob, { dot: true, basename: !glob.replace(/^!/, '').includes('/') })
    : null;
  const matches: Match[] = [];
  const searchFile = async (abs: string, rel: string): Promise<boolean> => {
    if (isMatch && !isMatch(rel)) return true;
    let buf: Buffer;
    try {
      const st = await fs.stat(abs);
      if (st.size > MAX_TEXT_FILE_BYTES) return true;
      buf = await fs.readFile(abs);
    } catch {
      return true; // unreadable: skip, as ripgrep does with --no-messages
    }
    if (isBinary(buf)) return true;
    const lines = buf.toString('utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (i === lines.length - 1 && lines[i] === '') break;
      if (regex.test(lines[i])) {
        if (matches.length >= SEARCH_MAX_MATCHES) return false;
        matches.push({ file: rel, line: i + 1, text: lines[i] });
      }
    }
    return true;
  };
  const walk = async (dirAbs: string, dirRel: string): Promise<boolean> => {
    if (signal.aborted) return false;
    const entries = await fs.readdir(dirAbs, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = dirRel === '.' ? e.name : `${dirRel}/${e.name}`;
      const abs = path.join(dirAbs, e.name);
      if (e.isDirectory()) {
        if (SKIPPED_DIRS.has(e.name)) continue;
        if (!(await walk(abs, rel))) return false;
      } else if (e.isFile()) {
        if (!(await searchFile(abs, rel))) return false;
      } // symlinks are not followed, as ripgrep does by default
    }
    return true;
  };
  const st = await fs.stat(absPath);
  const complete = st.isDirectory()
    ? await walk(absPath, relPath)
    : await searchFile(absPath, relPath);
  if (signal.aborted) return 'Search cancelled.';
  return { matches, more: !complete };
}

export const searchFilesTool: Tool = {
  spec: {
    name: 'search_files',
    description:
      'Search file contents with a regular expression. Prints one matching line per result ' +
      'as "path:line: text" (paths relative to the workspace root, lines 1-based), at most ' +
      `${SEARCH_MAX_MATCHES} results, then a "[truncated …]" marker. Searches all text files ` +
      'below path, including git-ignored ones, but skips .git, node_modules and binary files. ' +
      'Use the regex syntax common to ripgrep and JavaScript (e.g. "function\\s+\\w+", ' +
      '"TODO|FIXME"); matching is per line.',
    parameters: {
      type: 'object',
      properties: {
        pattern: { type: 'string', minLength: 1, description: 'Regular expression to find.' },
        path: {
          type: 'string',
          description: 'File or directory to search, relative to the workspace root. Default ".".',
        },
        glob: {
          type: 'string',
          minLength: 1,
          description:
            'Only search files matching this glob. Without "/" it matches file names at any ' +
            'depth ("*.ts"); with "/" it matches paths from the workspace root ("src/**/*.ts").',
        },
        ignoreCase: { type: 'boolean', description: 'Case-insensitive match. Default false.' },
      },
      required: ['pattern'],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const { outcome } = await searchFiles(args as unknown as SearchArgs, ctx);
    return outcome;
  },
};
