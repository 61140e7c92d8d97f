/**
 * Small DOM helpers for the Missions panel. Text only ever goes in through text nodes
 * or `textContent`; nothing here touches innerHTML.
 */
import type { IconSpec } from './format';

/** A child for `h`: strings become text nodes; null/undefined/false are skipped. */
export type Child = Node | string | null | undefined | false;

/** Attribute values for `h`: true sets an empty attribute; false/undefined skip it. */
export type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Sets `textContent` only when it differs (no needless mutations while streaming). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets or removes an attribute, only when it differs. */
export function setAttr(el: Element, name: string, value: string | boolean | null): void {
  if (value === null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const v = value === true ? '' : value;
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/** Shows or hides an element with the `hidden` attribute. */
export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** Class list of a codicon span. */
function iconClass(spec: IconSpec): string {
  return `codicon codicon-${spec.name}${spec.spin ? ' codicon-modifier-spin' : ''}`;
}

/** A decorative codicon (hidden from screen readers). */
export function icon(spec: IconSpec | string): HTMLSpanElement {
  const s = typeof spec === 'string' ? { name: spec, spin: false } : spec;
  return h('span', { class: iconClass(s), 'aria-hidden': 'true' });
}

/** Changes the codicon of an icon span. */
export function setIcon(el: HTMLElement, spec: IconSpec): void {
  const cls = iconClass(spec);
  if (el.className !== cls) el.className = cls;
}

/**
 * Makes `parent`'s children exactly `children`, in order, moving only the nodes that
 * are out of place (so focus, open <details> and scroll survive).
 */
export function reconcileChildren(parent: Element, children: readonly Element[]): void {
  const keep = new Set<Element>(children);
  for (const el of [...parent.children]) {
    if (!keep.has(el)) el.remove();
  }
  children.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
}

/** Options of `button`. */
export interface ButtonOptions {
  label: string;
  ariaLabel?: string;
  icon?: string;
  testId?: string;
  secondary?: boolean;
  iconOnly?: boolean;
  onClick: () => void;
}

/** A `vscode-button` with an aria-label and a click handler that respects `disabled` and `aria-disabled` (busy). */
export function button(o: ButtonOptions): HTMLElement {
  const b = h(
    'vscode-button',
    {
      'aria-label': o.ariaLabel ?? o.label,
      title: o.ariaLabel ?? o.label,
      icon: o.icon,
      'data-testid': o.testId,
      secondary: o.secondary,
      'icon-only': o.iconOnly,
    },
    o.iconOnly ? null : o.label,
  );
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    if (b.hasAttribute('disabled') || b.getAttribute('aria-disabled') === 'true') return;
    o.onClick();
  });
  return b;
}

/** Enables or disables a `vscode-button` (or any element) via the `disabled` attribute. */
export function setDisabled(el: HTMLElement, disabled: boolean): void {
  setAttr(el, 'disabled', disabled);
}

/**
 * Marks a button busy while its request is in flight: aria-disabled rather than
 * disabled, so a focused button keeps focus (a disabled one drops it to the page).
 * Callers ignore clicks while busy.
 */
export function setBusy(el: HTMLElement, busy: boolean): void {
  setAttr(el, 'aria-disabled', busy ? 'true' : null);
  if (el.classList.contains('busy') !== busy) el.classList.toggle('busy', busy);
}

/**
 * A native icon-only toolbar button (a codicon), as VS Code draws view actions. Much
 * cheaper than a `vscode-button` where a row or card repeats it; the accessible name
 * comes from `ariaLabel`. Clicks are ignored while `aria-disabled` (busy).
 */
export function iconButton(o: Omit<ButtonOptions, 'iconOnly' | 'secondary'> & { icon: string }): HTMLButtonElement {
  const b = h(
    'button',
    { type: 'button', class: 'icon-button', 'aria-label': o.ariaLabel ?? o.label, title: o.ariaLabel ?? o.label, 'data-testid': o.testId },
    icon(o.icon),
  );
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    if (b.getAttribute('aria-disabled') === 'true') return;
    o.onClick();
  });
  return b;
}
