/**
 * Interaction tools: ask_user (a question to the user), finish_task (a worker's final
 * report, ends its loop) and submit_plan (the planner's plan, validated by the engine).
 */
import type { TaskReport } from '../../protocol/protocol';
import type { Tool } from './types';

/** The observation when ctx.askUser has no answer (null). */
export const NO_ANSWER_MESSAGE =
  'No answer is available; proceed with your best judgement and note the open question in ' +
  'your report.';

export const askUserTool: Tool = {
  spec: {
    name: 'ask_user',
    description:
      'Ask the user one short, specific question when you cannot proceed safely without ' +
      'their decision (e.g. an ambiguous requirement). The user may not answer; then proceed ' +
      'with your best judgement and list the question under openQuestions in finish_task.',
    parameters: {
      type: 'object',
      properties: {
        question: { type: 'string', minLength: 1, description: 'The question to ask.' },
      },
      required: ['question'],
      additionalProperties: false,
    },
  },
  async run(args, ctx) {
    const answer = await ctx.askUser((args.question as string).trim());
    if (answer === null) return { ok: true, content: NO_ANSWER_MESSAGE };
    return { ok: true, content: `The user answered: ${answer}` };
  },
};

export const finishTaskTool: Tool = {
  spec: {
    name: 'finish_task',
    description:
      'Finish your task and hand your report to the planner. Call it exactly once, when the ' +
      'work is done (or cannot be done), as your last action. The report must be factual: ' +
      'list every file you created, changed or deleted, every command you ran that matters ' +
      'as evidence with its exit code, and every unresolved question or known gap.',
    parameters: {
      type: 'object',
      properties: {
        summary: {
          type: 'string',
          minLength: 1,
          description: 'What you did and the result, in a few sentences.',
        },
        filesChanged: {
          type: 'array',
          items: { type: 'string' },
          description: 'Workspace-relative paths created, modified or deleted.',
        },
        commands: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              command: { type: 'string' },
              exitCode: {
                type: ['integer', 'null'],
                description: 'Exit code; null when it timed out or did not run.',
              },
            },
            required: ['command', 'exitCode'],
            additionalProperties: false,
          },
          description: 'Commands run as evidence (tests, builds) with their exit codes.',
        },
        openQuestions: {
          type: 'array',
          items: { type: 'string' },
          description: 'Unresolved questions, assumptions made, or known gaps. [] when none.',
        },
      },
      required: ['summary', 'filesChanged', 'commands', 'openQuestions'],
      additionalProperties: false,
    },
  },
  async run(args) {
    const report: TaskReport = {
      summary: (args.summary as string).trim(),
      filesChanged: args.filesChanged as string[],
      commands: args.commands as TaskReport['commands'],
      openQuestions: args.openQuestions as string[],
    };
    return { ok: true, content: 'Report recorded; the task is finished.', report };
  },
};

export const submitPlanTool: Tool = {
  spec: {
    name: 'submit_plan',
    description:
      'Submit the mission plan: a short summary and a list of tasks for worker agents. Each ' +
      'task has a unique id (e.g. "t1"), a title, a worker role (coder, tester, reviewer or ' +
      'docs), self-contained instructions, concrete acceptance criteria, and the ids of the ' +
      'tasks it depends on ([] when none). Tasks run in dependency order; a plan with ' +
      'unknown or cyclic dependencies is rejected with an explanation.',
    parameters: {
      type: 'object',
      properties: {
        summary: { type: 'string', minLength: 1, description: 'The approach, in brief.' },
        tasks: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: {
              id: { type: 'string', minLength: 1, description: 'Unique task id, e.g. "t1".' },
              title: { type: 'string', minLength: 1 },
              role: {
                type: 'string',
                enum: ['coder', 'tester', 'reviewer', 'docs'],
                description: 'Which worker role performs the task.',
              },
              instructions: {
                type: 'string',
                minLength: 1,
                description: 'Everything the worker needs to know; it sees nothing else.',
              },
              acceptance: {
                type: 'array',
                items: { type: 'string' },
                description: 'Checkable criteria for "done".',
              },
              dependsOn: {
                type: 'array',
                items: { type: 'string' },
                description: 'Ids of tasks that must finish first.',
              },
            },
            required: ['id', 'title', 'role', 'instructions', 'acceptance', 'dependsOn'],
            additionalProperties: false,
          },
        },
      },
      required: ['summary', 'tasks'],
      additionalProperties: false,
    },
  },
  async run(args) {
    const n = Array.isArray(args.tasks) ? args.tasks.length : 0;
    return { ok: true, content: `Plan submitted with ${n} task(s).`, plan: args };
  },
};
