/**
 * The DOM-free half of Markdown rendering: how model text becomes HTML (marked) and
 * the sanitiser's configuration (DOMPurify). webview/markdown.ts applies them in the
 * browser. Kept apart so unit tests run it under Node.
 *
 * Model text is untrusted. Raw HTML inside it is shown as text (not interpreted);
 * headings become bold paragraphs so model text cannot break the panel's heading
 * outline; and DOMPurify strips whatever remains unsafe.
 */
import type { Config } from 'dompurify';
import { Marked, type Tokens } from 'marked';

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const md = new Marked({ gfm: true, breaks: false, async: false });
md.use({
  renderer: {
    /** Raw HTML in model text is shown, not interpreted. */
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    /** Headings in model text become bold paragraphs (keeps the panel's outline). */
    heading({ tokens, depth }: Tokens.Heading): string {
      return `<p class="md-heading md-h${depth}"><strong>${this.parser.parseInline(tokens)}</strong></p>\n`;
    },
    /** Task-list boxes as characters (the sanitiser removes <input>). */
    checkbox({ checked }: Tokens.Checkbox): string {
      return checked ? '☑ ' : '☐ ';
    },
  },
});

/** Markdown → HTML (not yet sanitised). */
export function markdownToHtml(text: string): string {
  return md.parse(text, { async: false });
}

/** Tags the sanitiser always removes (with the HTML profile's defaults). */
export const FORBIDDEN_TAGS: readonly string[] = [
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'input',
  'button', 'textarea', 'select', 'option', 'optgroup', 'fieldset', 'label', 'link', 'meta', 'base',
  'audio', 'video', 'source', 'track', 'template', 'dialog', 'svg', 'math', 'noscript', 'portal',
];

/** Attributes the sanitiser always removes (event handlers go by the hook, see isEventHandlerAttr). */
export const FORBIDDEN_ATTRS: readonly string[] = [
  'style', 'srcset', 'action', 'formaction', 'target', 'ping', 'background', 'poster', 'autofocus', 'tabindex', 'id', 'name',
];

/** The DOMPurify configuration (HTML profile only: no SVG, no MathML), fresh each call. */
export function purifyConfig(): Config {
  return {
    USE_PROFILES: { html: true },
    FORBID_TAGS: [...FORBIDDEN_TAGS],
    FORBID_ATTR: [...FORBIDDEN_ATTRS],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    ALLOW_SELF_CLOSE_IN_ATTR: false,
    WHOLE_DOCUMENT: false,
  };
}

/** True for an event-handler attribute (onclick, onerror, …), which is always removed. */
export function isEventHandlerAttr(name: string): boolean {
  return /^on/i.test(name.trim());
}

/** True for an image source the panel keeps: inline `data:image/…` only (no remote fetches). */
export function isAllowedImageSrc(src: string | null): boolean {
  return src !== null && /^\s*data:image\/(png|jpe?g|gif|webp|bmp|avif);/i.test(src);
}

/**
 * What clicking a link in model text does: `open` asks the extension (which asks the
 * user) for http(s) and mailto links; anything else is ignored.
 */
export function linkAction(href: string | null): 'open' | 'ignore' {
  if (!href) return 'ignore';
  return /^(https?:|mailto:)/i.test(href.trim()) ? 'open' : 'ignore';
}
