/**
 * Role prompts: Markdown files in media/agents/<role>.md with YAML frontmatter
 * (`tools: [...]`, optional `model:`), parsed with the `yaml` package.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AgentRole } from '../../protocol/protocol';

/** A role's system prompt and the tools it may call. */
export interface RoleDefinition {
  role: AgentRole;
  prompt: string;
  tools: string[];
  /** Model named in the frontmatter, if any (settings win over it). */
  model?: string;
}

/**
 * Finds the extension's media/ folder: beside dist/ in a build or a VSIX, or the
 * repository's media/ when running from sources.
 * @throws Error when no media/agents folder is found above this module.
 */
export function mediaDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'media');
    if (fs.existsSync(path.join(candidate, 'agents'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find media/agents above ${__dirname}`);
}

const cache = new Map<AgentRole, RoleDefinition>();

/**
 * Loads a role definition.
 * @throws Error naming the file when it is missing or its frontmatter is malformed.
 */
export function loadRole(role: AgentRole): RoleDefinition {
  const cached = cache.get(role);
  if (cached) return cached;
  const file = path.join(mediaDir(), 'agents', `${role}.md`);
  const text = fs.readFileSync(file, 'utf8');
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${file}: missing '---' frontmatter`);
  const meta = parseYaml(match[1]) as { tools?: unknown; model?: unknown } | null;
  if (!meta || !Array.isArray(meta.tools) || !meta.tools.every((t) => typeof t === 'string')) {
    throw new Error(`${file}: frontmatter needs 'tools: [name, ...]'`);
  }
  const def: RoleDefinition = {
    role,
    prompt: match[2].trim(),
    tools: meta.tools as string[],
    model: typeof meta.model === 'string' ? meta.model : undefined,
  };
  cache.set(role, def);
  return def;
}
