import { renderMarkdown } from './markdown';

/** Parses what renderMarkdown gives, as the browser would. */
function dom(markdown: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(markdown);
  return div;
}

describe('renderMarkdown (issue 21: READMEs shown as raw Markdown)', () => {
  it('renders headings, lists, code, tables and links', () => {
    const el = dom('# CPU load\n\nMeasures **busy** time.\n\n- user\n- system\n\n```\nnpm test\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n[docs](https://example.org/docs)');
    expect(el.querySelector('h1')?.textContent).toBe('CPU load');
    expect(el.querySelector('strong')?.textContent).toBe('busy');
    expect([...el.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['user', 'system']);
    expect(el.querySelector('pre code')?.textContent).toBe('npm test\n');
    expect(el.querySelectorAll('td')).toHaveLength(2);
    const link = el.querySelector('a');
    expect(link?.getAttribute('href')).toBe('https://example.org/docs');
    expect(link?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(link?.getAttribute('target')).toBe('_blank');
  });

  it('removes scripts, event handlers, javascript: links, styles and forms', () => {
    const el = dom(
      '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3))\n\n<a href="javascript:alert(4)">x</a>\n\n<p style="position:fixed">s</p>\n\n<form action="/api/users"><input name="password"></form>\n\n<iframe src="https://example.org"></iframe>',
    );
    const html = el.innerHTML;
    expect(el.querySelector('script, form, input, iframe, style')).toBeNull();
    expect(el.querySelector('[onerror], [style]')).toBeNull();
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('alert(1)');
    // What is harmless stays.
    expect(el.querySelector('img')?.getAttribute('src')).toBe('x');
    expect(el.textContent).toContain('s');
  });
});
