// Runbook Markdown to HTML that is safe to put in the page: marked renders it, DOMPurify removes
// scripts, event handlers, `javascript:` URLs and anything else that could run. Fails closed: where the
// sanitiser does not work (a DOM it cannot use, checked once with a known attack), the Markdown is shown
// as escaped text instead. Loaded with the runbook page only (code-split).
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: false, async: false });

// No event-handler attribute here: Chromium checks those against the page's Content-Security-Policy
// even in a detached document, and the check must not trip it.
const CANARY = '<a href="javascript:alert(2)">a</a><script>alert(3)</script>';
let working: boolean | undefined;

function sanitize(html: string): string {
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
  });
}

/** Whether the sanitiser really removes what it must in this browser. */
export function sanitizerWorks(): boolean {
  if (working === undefined) {
    const out = DOMPurify.isSupported ? sanitize(CANARY) : CANARY;
    working = !/javascript:|<script/i.test(out);
  }
  return working;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Sanitised HTML of a Markdown text; links to other sites open in a new tab without an opener. Without a
 * working sanitiser: the text itself, escaped, in a <pre>.
 */
export function renderMarkdown(markdown: string): string {
  if (!sanitizerWorks()) return `<pre class="markdown-fallback">${escapeHtml(markdown)}</pre>`;
  const clean = sanitize(marked.parse(markdown, { async: false }));
  const doc = new DOMParser().parseFromString(clean, 'text/html');
  for (const a of doc.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href') ?? '';
    if (/^https?:\/\//i.test(href) && !href.startsWith(`${window.location.origin}/`)) {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
    }
  }
  return doc.body.innerHTML;
}
