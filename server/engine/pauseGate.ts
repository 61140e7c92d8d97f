/**
 * The mission's pause gate. Workers await `wait()` before every model turn: while the
 * mission is paused they stop at that turn boundary; resume() lets them all go on.
 */
import { CancelledError } from './agentLoop';

export class PauseGate {
  private gate: { promise: Promise<void>; open: () => void } | undefined;

  get paused(): boolean {
    return this.gate !== undefined;
  }

  /** Closes the gate. Returns false when it was already closed. */
  pause(): boolean {
    if (this.gate) return false;
    let open: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
    return true;
  }

  /** Opens the gate. Returns false when it was not closed. */
  resume(): boolean {
    const gate = this.gate;
    if (!gate) return false;
    this.gate = undefined;
    gate.open();
    return true;
  }

  /**
   * Resolves at once when open, else when resumed.
   * @throws CancelledError when `signal` aborts while waiting.
   */
  async wait(signal: AbortSignal): Promise<void> {
    while (this.gate) {
      if (signal.aborted) throw new CancelledError();
      const gate = this.gate;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new CancelledError());
        signal.addEventListener('abort', onAbort, { once: true });
        gate.promise.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    if (signal.aborted) throw new CancelledError();
  }
}
