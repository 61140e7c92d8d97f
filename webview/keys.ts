/**
 * Panel-wide keyboard behaviour: Escape closes the open <details> (tool output,
 * evidence, recent decisions) the focus is in and returns focus to its summary.
 */

/** Installs the Escape handler on the panel's root. */
export function installEscapeHandler(root: HTMLElement): void {
  root.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    const t = e.target instanceof Element ? e.target : null;
    const details = t?.closest('details[open]');
    if (!(details instanceof HTMLDetailsElement)) return;
    e.preventDefault();
    details.open = false;
    details.querySelector<HTMLElement>(':scope > summary')?.focus();
  });
}
