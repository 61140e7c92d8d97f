/**
 * The tool registry and dispatcher: maps tool names to tools, and turns a model's tool call
 * into an observation. Model mistakes (bad JSON, unknown tool, invalid arguments, a tool
 * that throws) become ok:false observations; `executeToolCall` never throws for them.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ToolCall } from '../providers/types';
import type { Tool, ToolContext, ToolOutcome } from './types';
import { runCommandTool } from './command';
import {
  deleteFileTool,
  editFileTool,
  listFilesTool,
  readFileTool,
  writeFileTool,
} from './files';
import { askUserTool, finishTaskTool, requestChangesTool, submitPlanTool } from './interaction';
import { searchFilesTool } from './search';

/** Names of the built-in tools. */
export type ToolName =
  | 'list_files'
  | 'read_file'
  | 'search_files'
  | 'write_file'
  | 'delete_file'
  | 'edit_file'
  | 'run_command'
  | 'ask_user'
  | 'finish_task'
  | 'submit_plan'
  | 'request_changes';

/** Every built-in tool by name. */
export const TOOLS: Readonly<Record<ToolName, Tool>> = {
  list_files: listFilesTool,
  read_file: readFileTool,
  search_files: searchFilesTool,
  write_file: writeFileTool,
  delete_file: deleteFileTool,
  edit_file: editFileTool,
  run_command: runCommandTool,
  ask_user: askUserTool,
  finish_task: finishTaskTool,
  submit_plan: submitPlanTool,
  request_changes: requestChangesTool,
};

/** True when `name` is a built-in tool name. */
export function isToolName(name: string): name is ToolName {
  return Object.prototype.hasOwnProperty.call(TOOLS, name);
}

/**
 * The tools named in `names` (e.g. from a role's frontmatter), in that order, duplicates
 * removed.
 * @throws Error naming the unknown tool and listing the known names.
 */
export function toolsFor(names: string[]): Tool[] {
  const out: Tool[] = [];
  for (const name of names) {
    if (!isToolName(name)) {
      throw new Error(
        `Unknown tool "${name}". Known tools: ${Object.keys(TOOLS).join(', ')}.`,
      );
    }
    if (!out.includes(TOOLS[name])) out.push(TOOLS[name]);
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validators = new WeakMap<Tool, ValidateFunction>();

/** The compiled validator for `tool` (compiled once per tool object). */
function validatorFor(tool: Tool): ValidateFunction {
  let v = validators.get(tool);
  if (!v) {
    v = ajv.compile(tool.spec.parameters);
    validators.set(tool, v);
  }
  return v;
}

/** One readable line per schema violation, each with its JSON-pointer path. */
export function describeErrors(errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const at = e.instancePath || '(arguments)';
    switch (e.keyword) {
      case 'required':
        return `${at}: missing required property "${String(e.params.missingProperty)}"`;
      case 'additionalProperties':
        return `${at}: unknown property "${String(e.params.additionalProperty)}" is not allowed`;
      case 'type':
        return `${at}: must be ${String(e.params.type)}, got ${describeValue(e.data)}`;
      case 'enum':
        return `${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(e.data)}`;
      default:
        return `${at}: ${e.message ?? e.keyword}`;
    }
  });
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** "name (type, required)" for each top-level property of a tool's schema. */
function describeParameters(tool: Tool): string {
  const schema = tool.spec.parameters as {
    properties?: Record<string, { type?: unknown }>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const parts = Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const type = Array.isArray(p.type) ? p.type.join('|') : String(p.type ?? 'any');
    return `${name} (${type}${required.has(name) ? ', required' : ''})`;
  });
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * Executes one tool call from the model.
 * - `argumentsJson` empty or whitespace is treated as `{}`; invalid JSON, or JSON that is
 *   not an object, gives ok:false with the parser's message.
 * - An unknown tool gives ok:false naming it and listing `tools`.
 * - Arguments are validated against the tool's schema (ajv, all errors): ok:false lists
 *   each violation with its path and the expected parameters.
 * - Errors thrown by the tool (e.g. a refused path) become ok:false with their message.
 * @returns the observation; never throws for model mistakes.
 */
export async function executeToolCall(
  call: ToolCall,
  tools: Tool[],
  ctx: ToolContext,
): Promise<ToolOutcome> {
  const tool = tools.find((t) => t.spec.name === call.name);
  if (!tool) {
    const names = tools.map((t) => t.spec.name).join(', ') || '(none)';
    return {
      ok: false,
      content: `Unknown tool "${call.name}". Available tools: ${names}.`,
    };
  }
  const name = tool.spec.name;
  let args: unknown;
  const raw = call.argumentsJson ?? '';
  if (raw.trim() === '') {
    args = {};
  } else {
    try {
      args = JSON.parse(raw);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        content: `Invalid JSON in arguments for ${name}: ${why}. Send the arguments as a JSON object.`,
      };
    }
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return {
      ok: false,
      content:
        `Invalid arguments for ${name}: expected a JSON object, got ${describeValue(args)}. ` +
        `Send the arguments as a JSON object. Parameters: ${describeParameters(tool)}.`,
    };
  }
  let validate: ValidateFunction;
  try {
    validate = validatorFor(tool);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, content: `Tool ${name} has an invalid argument schema: ${why}` };
  }
  if (!validate(args)) {
    const lines = describeErrors(validate.errors ?? []).map((l) => `- ${l}`);
    return {
      ok: false,
      content:
        `Invalid arguments for ${name}:\n${lines.join('\n')}\n` +
        `Parameters: ${describeParameters(tool)}.`,
    };
  }
  try {
    return await tool.run(args as Record<string, unknown>, ctx);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, content: `${name} failed: ${why}` };
  }
}
