/**
 * A mission's integrated state: the git commit holding every finished task's work, merged
 * one task at a time with git's three-way merge (Integrator.merge, `git merge-tree`).
 */
import type { Integrator, MergeLabels, MergeResult, TaskWorktree } from '../sandbox/integration';
import type { ProposedChange } from '../changes/changes';

export class IntegratedState {
  private ref: string;
  private lock: Promise<void> = Promise.resolve();

  constructor(
    private readonly integrator: Integrator,
    /** The commit the agents started from (the user's files at mission start). */
    readonly baseRef: string,
    /** Called with every new integrated commit (to store it). */
    private readonly onRef: (ref: string) => void,
  ) {
    this.ref = baseRef;
  }

  /** The current integrated commit. */
  get current(): string {
    return this.ref;
  }

  /** A task worktree starting from `startRef` (default: the integrated state now). */
  taskWorktree(dir: string, startRef = this.ref): Promise<TaskWorktree> {
    return this.integrator.createTaskWorktree(startRef, dir);
  }

  /**
   * Merges `commit` into the integrated state, one merge at a time. A clean merge moves
   * the integrated state; a conflict leaves it and returns the conflicted commit. With
   * `always`, the result (conflict markers included) becomes the integrated state.
   */
  async merge(commit: string, message: string, labels: MergeLabels, always = false): Promise<MergeResult> {
    let release: () => void = () => undefined;
    const next = new Promise<void>((r) => (release = r));
    const previous = this.lock;
    this.lock = previous.then(() => next);
    await previous;
    try {
      const result = await this.integrator.merge(this.ref, commit, message, labels);
      if (result.clean || always) {
        this.ref = result.ref;
        this.onRef(result.ref);
      }
      return result;
    } finally {
      release();
    }
  }

  /** The integrated state against the base, as per-file changes. */
  changes(): Promise<ProposedChange[]> {
    return this.integrator.changesBetween(this.baseRef, this.ref);
  }

  /** Removes every task worktree and the refs that keep the commits alive. */
  dispose(): Promise<void> {
    return this.integrator.dispose();
  }
}
