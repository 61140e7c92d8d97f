/**
 * Interaction tools: ask_user (a question to the user), finish_task (a worker's final
 * report, ends its loop), submit_plan (the planner's plan, validated by the engine) and
 * request_changes (a reviewer sends a task back).
 */
import type { TaskReport } from '../../protocol/protocol';
import type { Tool } from './types';
import { PLAN_SCHEMA } from '../engine/plan';

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
      'docs), self-contained instructions, concrete acceptance criteria, the ids of the tasks ' +
      'it depends on ([] when none), its write-set (path globs it may change) and optional ' +
      'check commands that must pass. Independent tasks run in parallel; a plan with unknown ' +
      'or cyclic dependencies is rejected with an explanation.',
    parameters: PLAN_SCHEMA,
  },
  async run(args) {
    const n = Array.isArray(args.tasks) ? args.tasks.length : 0;
    return { ok: true, content: `Plan submitted with ${n} task(s).`, plan: args };
  },
};

/** request_changes (reviewer only): sends a reviewed task back to its worker with findings. */
export const requestChangesTool: Tool = {
  spec: {
    name: 'request_changes',
    description:
      'Send a task you reviewed back to its worker with your findings, instead of finishing. ' +
      'Use it only for real problems (bugs, missing tests, acceptance criteria not met). The ' +
      'worker revises its work, then you review again. Ends your turn.',
    parameters: {
      type: 'object',
      properties: {
        taskId: { type: 'string', minLength: 1, description: 'Id of the task to send back (one you depend on).' },
        findings: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', minLength: 1 },
          description: 'Each problem, naming the file and line, and what to change.',
        },
      },
      required: ['taskId', 'findings'],
      additionalProperties: false,
    },
  },
  async run(args) {
    const review = { taskId: args.taskId as string, findings: args.findings as string[] };
    return { ok: true, content: `Sent ${review.taskId} back with ${review.findings.length} finding(s).`, review };
  },
};
