/**
 * A short, text summary of a workspace for the planner's first message: the file tree
 * (capped), package.json's name, description and scripts, and the top of the README.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const SKIP = new Set(['.git', 'node_modules', '.venv', 'venv', 'dist', 'out', 'build', '.taskforce']);

/**
 * Summarises the folder at `root`.
 * @param maxFiles max paths listed (default 200); the rest is counted.
 */
export async function workspaceSummary(root: string, maxFiles = 200): Promise<string> {
  const files: string[] = [];
  let more = 0;
  async function walk(dir: string, rel: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth < 4) await walk(path.join(dir, e.name), p, depth + 1);
      } else if (files.length < maxFiles) files.push(p);
      else more++;
    }
  }
  await walk(root, '', 0);
  const parts = [`Files (${files.length + more}):\n${files.join('\n')}${more ? `\n… and ${more} more` : ''}`];
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as {
      name?: string;
      description?: string;
      scripts?: Record<string, string>;
    };
    parts.push(`package.json: name ${pkg.name ?? '?'}; ${pkg.description ?? ''}\nscripts: ${JSON.stringify(pkg.scripts ?? {})}`);
  } catch {
    /* not a Node project */
  }
  const readme = files.find((f) => /^readme(\.md|\.txt)?$/i.test(f));
  if (readme) {
    const text = await fs.readFile(path.join(root, readme), 'utf8').catch(() => '');
    parts.push(`${readme} (first lines):\n${text.split('\n').slice(0, 30).join('\n')}`);
  }
  return parts.join('\n\n');
}
