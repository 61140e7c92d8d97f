/**
 * Renders model text (assistant text, report summaries, questions) as sanitised
 * Markdown: marked turns it into HTML, DOMPurify (configured in markdownConfig.ts)
 * removes scripts, styles, frames, forms and event handlers, and drops the `src` of
 * images that are not inline `data:` images. Links are not followed by the webview:
 * `interceptLinks` routes clicks to `link/open`, where the extension asks the user.
 */
import DOMPurify from 'dompurify';
import {
  isAllowedImageSrc,
  isEventHandlerAttr,
  linkAction,
  markdownToHtml,
  purifyConfig,
} from './markdownConfig';

let hooked = false;

/**
 * Installs the sanitiser's hooks and configuration once (they apply to every sanitize
 * call; parsing the configuration on every call would cost more than sanitising).
 */
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.setConfig({ ...purifyConfig(), RETURN_DOM_FRAGMENT: true });
  DOMPurify.addHook('uponSanitizeAttribute', (_node, data) => {
    if (isEventHandlerAttr(data.attrName)) data.keepAttr = false;
  });
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (!(node instanceof Element)) return;
    if (node.tagName === 'IMG' && !isAllowedImageSrc(node.getAttribute('src'))) {
      node.removeAttribute('src');
      node.classList.add('md-img-blocked');
      if (!node.getAttribute('alt')) node.setAttribute('alt', 'image (not loaded)');
    }
    if (node.tagName === 'A') {
      const href = node.getAttribute('href');
      if (href) node.setAttribute('title', href);
    }
  });
}

/** Sanitised Markdown as a fragment, ready to append. */
export function renderMarkdown(text: string): DocumentFragment {
  installHooks();
  const html = markdownToHtml(text);
  // The configuration set in installHooks() has RETURN_DOM_FRAGMENT: a fragment.
  const out: unknown = DOMPurify.sanitize(html);
  if (out instanceof DocumentFragment) return out;
  // Not expected; never fall back to parsing HTML: show the text as it is.
  const plain = document.createDocumentFragment();
  plain.append(text);
  return plain;
}

/** Sanitised Markdown as an HTML string (for tests in a browser). */
export function sanitizeMarkdown(text: string): string {
  const div = document.createElement('div');
  div.append(renderMarkdown(text));
  return div.innerHTML;
}

/** Fills `el` with the rendered Markdown of `text` (class `md` for its styles). */
export function fillMarkdown(el: HTMLElement, text: string): void {
  el.classList.add('md');
  el.replaceChildren(renderMarkdown(text));
}

/**
 * Routes clicks (and Enter) on links inside `.md` content under `root` to `open`,
 * never letting the webview navigate.
 */
export function interceptLinks(root: HTMLElement, open: (href: string) => void): void {
  root.addEventListener('click', (e) => {
    const target = e.target;
    if (!(target instanceof Element)) return;
    const a = target.closest('a');
    if (!a || !a.closest('.md')) return;
    e.preventDefault();
    const href = a.getAttribute('href');
    if (linkAction(href) === 'open' && href) open(href.trim());
  });
}

/**
 * Renders a small sample once, off the critical path: the first Markdown render pays
 * for compiling marked's grammar and setting up the sanitiser (tens of ms), which
 * would otherwise land on the first paint of a mission.
 */
export function warmUpMarkdown(): void {
  renderMarkdown('# W\n\nSome **bold**, `code` and a [link](https://example.com).\n\n- one\n- two\n\n```\nx\n```\n\n> q\n\n| a |\n|---|\n| b |');
}
