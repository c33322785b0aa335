// happy-dom is a DOM DOMPurify cannot sanitise with (it passes attacks through): exactly the case the
// renderer must notice and fail closed. The real sanitising is exercised in Chromium by the e2e.
import { describe, expect, it } from 'vitest';
import { renderMarkdown, sanitizerWorks } from './markdown';

describe('renderMarkdown', () => {
  it('notices a sanitiser that does not work here and shows the Markdown as escaped text', () => {
    expect(sanitizerWorks()).toBe(false);
    const html = renderMarkdown('## Meaning\n\n<img src=x onerror="alert(2)">\n\n[x](javascript:alert(3))');
    expect(html.startsWith('<pre class="markdown-fallback">')).toBe(true);
    expect(html).not.toMatch(/<img|<h2|<a /);
    expect(html).toContain('&#60;img src=x onerror=&#34;alert(2)&#34;&#62;');
    // The escaped text reads back as the original.
    const pre = document.createElement('div');
    pre.innerHTML = html;
    expect(pre.textContent).toBe('## Meaning\n\n<img src=x onerror="alert(2)">\n\n[x](javascript:alert(3))');
  });
});
