import DOMPurify from 'dompurify';
import { Marked } from 'marked';

/**
 * Markdown from outside (a marketplace plugin's README) as HTML that is safe to bind with
 * `[innerHTML]`: `marked` (GitHub-flavoured, no raw-HTML passthrough trusted) renders it and
 * DOMPurify removes scripts, event handlers, `javascript:` URLs, inline styles and form
 * controls. Angular's own sanitiser still runs on the binding as a second line; the console's
 * CSP (no inline scripts, no eval) is the third. Neither library evaluates code.
 */
const marked = new Marked({ gfm: true, breaks: false, async: false });

/** What a README may keep: text markup, links, lists, tables, code, images; never forms or styles. */
const PURIFY = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'select', 'textarea', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style', 'id', 'name'],
};

let hooked = false;

/** Renders Markdown to sanitised HTML; links open in a new tab without access to the console's window. */
export function renderMarkdown(markdown: string): string {
  if (!hooked) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
    hooked = true;
  }
  const html = marked.parse(markdown, { async: false });
  return DOMPurify.sanitize(html, PURIFY);
}
