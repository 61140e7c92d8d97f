/**
 * File tools: list_files, read_file, write_file, delete_file, edit_file. All paths are
 * workspace-relative and go through `resolveInRoot`, so no tool leaves the sandbox root.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Tool, ToolContext, ToolOutcome } from './types';
import { isErrno, resolveInRoot } from './paths';

/** Directories listed but never descended into (and skipped by search). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules']);
/** Default and hard maximum number of entries list_files returns. */
export const LIST_DEFAULT_MAX = 500;
export const LIST_HARD_MAX = 5000;
/** Max characters of file content read_file returns in one call. */
export const READ_CAP_CHARS = 50_000;
/** Files larger than this (bytes) are refused by read_file and edit_file. */
export const MAX_TEXT_FILE_BYTES = 10 * 1024 * 1024;

/**
 * True when `buf` looks binary: it contains a NUL byte in its first 8000 bytes (the same
 * heuristic git and ripgrep use).
 */
export function isBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8000);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/**
 * Asks ctx.checkWrite (the mission's policy) whether `relPath` may be written or deleted;
 * returns the refusal observation, or null to go ahead.
 */
async function writeGate(ctx: ToolContext, relPath: string, op: 'write' | 'delete'): Promise<ToolOutcome | null> {
  if (!ctx.checkWrite) return null;
  const decision = await ctx.checkWrite(relPath, op);
  if (decision.approved) return null;
  const why = decision.reason?.trim() ? ` Reason: ${decision.reason.trim()}` : '';
  return fail(`The user did not allow ${op === 'delete' ? 'deleting' : 'writing'} ${relPath}.${why} Nothing was changed.`);
}

function fail(content: string): ToolOutcome {
  return { ok: false, content };
}

/** Lines of `text` without their terminators; a trailing newline does not add a line. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function statOrNull(p: string): Promise<import('node:fs').Stats | null> {
  try {
    return await fs.stat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}

/** Reads a text file for read_file/edit_file, or returns a refusal outcome. */
async function readText(absPath: string, rel: string): Promise<string | ToolOutcome> {
  const st = await statOrNull(absPath);
  if (!st) return fail(`File not found: ${rel}. Use list_files or search_files to find it.`);
  if (st.isDirectory()) return fail(`${rel} is a directory, not a file. Use list_files on it.`);
  if (st.size > MAX_TEXT_FILE_BYTES) {
    return fail(
      `${rel} is too large (${st.size} bytes; limit ${MAX_TEXT_FILE_BYTES}). ` +
        `Use search_files to find the part you need.`,
    );
  }
  const buf = await fs.readFile(absPath);
  if (isBinary(buf)) {
    return fail(`${rel} is a binary file (${st.size} bytes); read_file only reads text files.`);
  }
  return buf.toString('utf8');
}

export const listFilesTool: Tool = {
  spec: {
    name: 'list_files',
    description:
      'List the files and directories in a workspace directory, one workspace-relative path ' +
      'per line, sorted by name; directories end with "/". With recursive=true, lists the ' +
      'whole tree below the path (the contents of .git and node_modules are never listed). ' +
      'Output stops after maxEntries entries with a "[truncated …]" marker.',
    parameters: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          description: 'Directory relative to the workspace root. Default "." (the root).',
        },
        recursive: { type: 'boolean', description: 'List subdirectories too. Default false.' },
        maxEntries: {
          type: 'integer',
          minimum: 1,
          maximum: LIST_HARD_MAX,
          description: `Maximum entries to return. Default ${LIST_DEFAULT_MAX}.`,
        },
      },
      required: [],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const { absPath, relPath } = await resolveInRoot(ctx.root, (args.path as string) ?? '.');
    const recursive = args.recursive === true;
    const max = (args.maxEntries as number | undefined) ?? LIST_DEFAULT_MAX;
    const st = await statOrNull(absPath);
    if (!st) return fail(`Directory not found: ${relPath}.`);
    if (!st.isDirectory()) return fail(`${relPath} is a file, not a directory. Use read_file.`);

    const out: string[] = [];
    let truncated = false;
    const walk = async (dirAbs: string, dirRel: string): Promise<void> => {
      const entries = await fs.readdir(dirAbs, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (out.length >= max) {
          truncated = true;
          return;
        }
        if (e.name === '.git') continue; // repository metadata (or the sandbox's own) is not workspace content
        const rel = dirRel === '.' ? e.name : `${dirRel}/${e.name}`;
        const isDir = e.isDirectory();
        out.push(isDir ? `${rel}/` : rel);
        if (isDir && recursive && !SKIPPED_DIRS.has(e.name)) {
          await walk(path.join(dirAbs, e.name), rel);
          if (truncated) return;
        }
      }
    };
    await walk(absPath, relPath);
    if (out.length === 0) return { ok: true, content: `${relPath}/ is empty.` };
    if (truncated) {
      out.push(
        `[truncated: listing stopped after ${max} entries; list a subdirectory, ` +
          `or raise maxEntries]`,
      );
    }
    return { ok: true, content: out.join('\n') };
  },
};

export const readFileTool: Tool = {
  spec: {
    name: 'read_file',
    description:
      'Read a text file. Returns a header line "<path> (lines A-B of N)" followed by the ' +
      'exact file text of those lines (no line-number prefixes). Give startLine/endLine ' +
      '(1-based, inclusive) to read part of a large file. Output is capped at ' +
      `${READ_CAP_CHARS} characters; when cut, a "[truncated …]" marker says which ` +
      'startLine to continue from. Binary files are refused.',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'File path relative to the workspace root.' },
        startLine: { type: 'integer', minimum: 1, description: 'First line (1-based).' },
        endLine: {
          type: 'integer',
          minimum: 1,
          description: 'Last line, inclusive (1-based). Default: end of file.',
        },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const { absPath, relPath } = await resolveInRoot(ctx.root, args.path as string);
    const text = await readText(absPath, relPath);
    if (typeof text !== 'string') return text;
    const lines = splitLines(text);
    const total = lines.length;
    const start = (args.startLine as number | undefined) ?? 1;
    const requestedEnd = (args.endLine as number | undefined) ?? total;
    if (total === 0) return { ok: true, content: `${relPath} (empty file, 0 lines)` };
    if (start > total) {
      return fail(`startLine ${start} is past the end of ${relPath}, which has ${total} lines.`);
    }
    if (requestedEnd < start) {
      return fail(`endLine (${requestedEnd}) is before startLine (${start}).`);
    }
    const end = Math.min(requestedEnd, total);
    const body: string[] = [];
    let used = 0;
    let last = start - 1;
    for (let i = start; i <= end; i++) {
      const line = lines[i - 1];
      if (used + line.length + 1 > READ_CAP_CHARS && body.length > 0) break;
      body.push(line.length > READ_CAP_CHARS ? line.slice(0, READ_CAP_CHARS) : line);
      used += line.length + 1;
      last = i;
    }
    let content = `${relPath} (lines ${start}-${last} of ${total})\n${body.join('\n')}`;
    if (last < end) {
      content +=
        `\n[truncated: output capped at ${READ_CAP_CHARS} characters after line ${last}; ` +
        `call read_file with startLine=${last + 1} to continue]`;
    } else if (lines[last - 1].length > READ_CAP_CHARS) {
      content += `\n[truncated: line ${last} is longer than ${READ_CAP_CHARS} characters]`;
    }
    return { ok: true, content };
  },
};

export const writeFileTool: Tool = {
  spec: {
    name: 'write_file',
    description:
      'Create a file or replace its whole content (UTF-8). Parent directories are created. ' +
      'For small changes to an existing file prefer edit_file.',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'File path relative to the workspace root.' },
        content: { type: 'string', description: 'The complete new file content.' },
      },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const { absPath, relPath } = await resolveInRoot(ctx.root, args.path as string);
    if (relPath === '.') return fail('write_file needs a file path, not the workspace root.');
    const content = args.content as string;
    const st = await statOrNull(absPath);
    if (st?.isDirectory()) return fail(`${relPath} is a directory; cannot write it as a file.`);
    const refused = await writeGate(ctx, relPath, 'write');
    if (refused) return refused;
    await fs.mkdir(path.dirname(absPath), { recursive: true });
    await fs.writeFile(absPath, content, 'utf8');
    const lines = splitLines(content).length;
    const bytes = Buffer.byteLength(content, 'utf8');
    return {
      ok: true,
      content: `${st ? 'Overwrote' : 'Created'} ${relPath} (${lines} lines, ${bytes} bytes).`,
      wrote: [relPath],
    };
  },
};

export const deleteFileTool: Tool = {
  spec: {
    name: 'delete_file',
    description:
      'Delete a file (or an empty directory). Non-empty directories are refused: delete ' +
      'their files first.',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Path relative to the workspace root.' },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const { absPath, relPath } = await resolveInRoot(ctx.root, args.path as string);
    if (relPath === '.') return fail('Refused: delete_file cannot delete the workspace root.');
    let st;
    try {
      st = await fs.lstat(absPath);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) {
        return fail(`Not found: ${relPath}; nothing was deleted.`);
      }
      throw err;
    }
    const refused = await writeGate(ctx, relPath, 'delete');
    if (refused) return refused;
    if (st.isDirectory()) {
      try {
        await fs.rmdir(absPath);
      } catch (err) {
        if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) {
          return fail(`${relPath}/ is a non-empty directory; delete its files first.`);
        }
        throw err;
      }
      return { ok: true, content: `Deleted empty directory ${relPath}/.`, wrote: [relPath] };
    }
    await fs.unlink(absPath);
    return { ok: true, content: `Deleted ${relPath}.`, wrote: [relPath] };
  },
};

/** Start offsets of every (possibly overlapping) occurrence of `needle` in `hay`. */
function occurrences(hay: string, needle: string): number[] {
  const found: number[] = [];
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) found.push(i);
  return found;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export const editFileTool: Tool = {
  spec: {
    name: 'edit_file',
    description:
      'Replace one exact occurrence of oldText with newText in an existing file. oldText ' +
      'must match the file exactly (whitespace and indentation included, no line-number ' +
      'prefixes) and must occur exactly once: the edit fails when it is not found, and when ' +
      'it occurs several times (then include more surrounding lines to make it unique). ' +
      'Use an empty newText to delete the text. Reports the line where the edit starts.',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'File path relative to the workspace root.' },
        oldText: { type: 'string', minLength: 1, description: 'Exact text to replace.' },
        newText: { type: 'string', description: 'Replacement text.' },
      },
      required: ['path', 'oldText', 'newText'],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const { absPath, relPath } = await resolveInRoot(ctx.root, args.path as string);
    const text = await readText(absPath, relPath);
    if (typeof text !== 'string') {
      return text.content.startsWith('File not found')
        ? fail(`${text.content} To create a new file, use write_file.`)
        : text;
    }
    let oldText = args.oldText as string;
    let newText = args.newText as string;
    if (oldText === newText) return fail('oldText and newText are identical; nothing to change.');
    // Files with CRLF line endings: accept LF-only oldText/newText from the model.
    if (text.includes('\r\n') && !oldText.includes('\r') && oldText.includes('\n')) {
      oldText = oldText.replace(/\n/g, '\r\n');
      newText = newText.replace(/\r?\n/g, '\r\n');
    }
    const hits = occurrences(text, oldText);
    if (hits.length === 0) return fail(notFoundMessage(text, oldText, relPath));
    if (hits.length > 1) {
      const lines = hits.map((h) => lineAt(text, h)).join(', ');
      return fail(
        `oldText was found ${hits.length} times in ${relPath} (at lines ${lines}) — ` +
          `include more context so that it matches exactly once. Nothing was changed.`,
      );
    }
    const refused = await writeGate(ctx, relPath, 'write');
    if (refused) return refused;
    const at = hits[0];
    const updated = text.slice(0, at) + newText + text.slice(at + oldText.length);
    await fs.writeFile(absPath, updated, 'utf8');
    const line = lineAt(text, at);
    const removed = splitLines(oldText).length;
    const added = newText === '' ? 0 : splitLines(newText).length;
    return {
      ok: true,
      content:
        `Edited ${relPath}: replaced ${removed} line(s) at line ${line} with ${added} ` +
        `line(s).`,
      wrote: [relPath],
    };
  },
};

/** Explains a failed exact match and points at where the first line of oldText appears. */
function notFoundMessage(text: string, oldText: string, rel: string): string {
  let msg =
    `oldText was not found in ${rel}. It must match exactly, including whitespace and ` +
    `indentation; read the file again with read_file and copy the text. Nothing was changed.`;
  const firstLine = splitLines(oldText)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (firstLine) {
    const near = splitLines(text)
      .map((l, i) => (l.includes(firstLine) ? i + 1 : 0))
      .filter((n) => n > 0)
      .slice(0, 5);
    if (near.length > 0) {
      msg += ` (Its first line "${firstLine.slice(0, 80)}" appears at line(s) ${near.join(', ')}.)`;
    }
  }
  return msg;
}
