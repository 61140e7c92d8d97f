/**
 * `taskforce`: the headless CLI. It starts the same server the extension uses, over stdio.
 *
 *   taskforce run "<mission>" [--workspace DIR] [--provider openai|anthropic|replay]
 *       [--model NAME] [--base-url URL] [--cassette FILE] [--db FILE] [--apply] [--json]
 *       [--allow CMD]... [--yes] [--max-workers N]
 *   taskforce missions list [--db FILE] [--json]
 *   taskforce missions show ID [--db FILE] [--json]
 *
 * Exit codes: 0 completed, 1 failed, 2 usage error, 3 cancelled or stopped.
 * API keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY only.
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';
import { runMission } from './run';
import { listMissions, showMission } from './missions';
import { UsageError, EXIT } from './common';

const USAGE = `Usage:
  taskforce run "<mission>" [--workspace DIR] [--provider openai|anthropic|replay] [--model NAME]
                [--base-url URL] [--cassette FILE] [--db FILE] [--apply] [--json] [--allow CMD]... [--yes]
                [--max-workers N]
  taskforce missions list [--db FILE] [--json]
  taskforce missions show ID [--db FILE] [--json]

Options:
  --workspace DIR   folder to work on (default: the current folder)
  --provider NAME   openai, anthropic or replay (default: openai with OPENAI_API_KEY,
                    anthropic with ANTHROPIC_API_KEY, otherwise an error)
  --model NAME      model for every role
  --base-url URL    OpenAI-compatible or Anthropic endpoint (Ollama, LM Studio, vLLM, gateways)
  --cassette FILE   replay cassette (default: the bundled demo cassette)
  --db FILE         database file (default: ${defaultDb()})
  --apply           write the accepted changes to the workspace (default: print the diff only)
  --json            print NDJSON events instead of progress lines
  --allow CMD       run CMD (or CMD followed by arguments) without asking; repeatable
  --yes             approve every command the agents want to run
  --max-workers N   workers running at once (default 3)
Exit codes: 0 completed, 1 failed, 2 usage error, 3 cancelled or stopped.`;

/** Default database: $XDG_DATA_HOME/taskforce/taskforce.db (or ~/.local/share/...). */
export function defaultDb(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'taskforce', 'taskforce.db');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      workspace: { type: 'string' },
      provider: { type: 'string' },
      model: { type: 'string' },
      'base-url': { type: 'string' },
      cassette: { type: 'string' },
      db: { type: 'string' },
      apply: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      allow: { type: 'string', multiple: true },
      yes: { type: 'boolean', default: false },
      'max-workers': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.completed;
  }
  const db = path.resolve(values.db ?? defaultDb());
  const [command, ...rest] = positionals;
  switch (command) {
    case 'run': {
      if (rest.length !== 1 || !rest[0].trim()) throw new UsageError('run takes exactly one mission text, in quotes');
      return runMission({
        goal: rest[0],
        workspace: path.resolve(values.workspace ?? process.cwd()),
        provider: values.provider,
        model: values.model,
        baseUrl: values['base-url'],
        cassette: values.cassette ? path.resolve(values.cassette) : undefined,
        db,
        apply: values.apply ?? false,
        json: values.json ?? false,
        allow: values.allow ?? [],
        yes: values.yes ?? false,
        maxWorkers: values['max-workers'],
      });
    }
    case 'missions': {
      const [sub, id, ...extra] = rest;
      if (sub === 'list' && !id) return listMissions(db, values.json ?? false);
      if (sub === 'show' && id && extra.length === 0) return showMission(db, id, values.json ?? false);
      throw new UsageError(`missions needs 'list' or 'show ID' (got: ${rest.join(' ') || 'nothing'})`);
    }
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`taskforce: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exitCode = EXIT.usage;
    } else {
      process.stderr.write(`taskforce: ${(err as Error).message}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
