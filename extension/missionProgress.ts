/**
 * Feedback for running missions: a window progress indicator (`window.withProgress`,
 * ProgressLocation.Window: the status bar spinner, which never takes focus) per running
 * mission, the tokens and cost of running missions in the status bar item, and, for
 * autonomous missions with autoApply, applying the changes once the mission completed.
 */
import * as vscode from 'vscode';
import type { MissionState, MissionSummary } from '../protocol/protocol';
import type { TaskforceServer } from './server';
import type { ReviewController } from './review/reviewController';

const ACTIVE: readonly MissionState[] = ['draft', 'planning', 'awaiting_plan_approval', 'running', 'paused'];

/** Subscribes to mission/didChange for progress, usage and auto-apply. */
export function registerMissionProgress(context: vscode.ExtensionContext, server: TaskforceServer, review: Pick<ReviewController, 'acceptChanges'>): void {
  const running = new Map<string, { summary: MissionSummary; progress?: vscode.Progress<{ message?: string }>; done: () => void }>();
  const publishUsage = () => {
    let tokens = 0;
    let cost = 0;
    for (const r of running.values()) {
      tokens += r.summary.usage.inputTokens + r.summary.usage.outputTokens;
      cost += r.summary.usage.costUsd;
    }
    server.setRunningUsage(tokens, cost);
  };
  context.subscriptions.push(
    server.onNotification('mission/didChange', ({ mission }) => {
      const entry = running.get(mission.id);
      if (ACTIVE.includes(mission.state)) {
        if (entry) {
          entry.summary = mission;
          entry.progress?.report({ message: mission.state.replace(/_/g, ' ') });
        } else {
          let done: () => void = () => undefined;
          const finished = new Promise<void>((r) => (done = r));
          const created: { summary: MissionSummary; progress?: vscode.Progress<{ message?: string }>; done: () => void } = { summary: mission, done };
          running.set(mission.id, created);
          void vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: `Taskforce: ${mission.goal.split('\n')[0].slice(0, 60)}` },
            (progress) => {
              created.progress = progress;
              progress.report({ message: mission.state });
              return finished;
            },
          );
        }
      } else if (entry) {
        running.delete(mission.id);
        entry.done();
        if (mission.state === 'completed' && mission.autoApply && mission.pendingChanges > 0) {
          void review.acceptChanges({ missionId: mission.id }).then(
            (r) => vscode.window.showInformationMessage(`Taskforce: applied ${r.changes.filter((c) => c.state === 'accepted').length} change(s) automatically (autonomous policy, auto-apply on).`),
            (err: Error) => vscode.window.showErrorMessage(`Taskforce: automatic apply failed: ${err.message}`),
          );
        }
      }
      publishUsage();
    }),
  );
}
