import {
  escapeHtml,
  formatBytes,
  formatPercent,
  formatSize,
  formatValue,
  keyValueTable,
  raw,
  table,
} from '../../../src/report/html';

describe('report html helpers', () => {
  it('escapeHtml escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('formats numbers for people', () => {
    expect(formatValue(1234567)).toBe('1,234,567');
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(true)).toBe('true');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(187392)).toBe('183.0 KiB');
    expect(formatBytes(187392)).toBe('187,392 B (183.0 KiB)');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5,242,880 B (5.0 MiB)');
    expect(formatPercent(0.10457)).toBe('10.5%');
  });

  it('tables escape text cells and keep trusted fragments', () => {
    const html = table(
      ['a<', 'n'],
      [
        ['<x>', 3],
        [raw('<code>c</code>'), 1.5],
      ],
      { numeric: [1] },
    );
    expect(html).toBe(
      '<table><thead><tr><th>a&lt;</th><th class="num">n</th></tr></thead><tbody>' +
        '<tr><td>&lt;x&gt;</td><td class="num">3</td></tr><tr><td><code>c</code></td><td class="num">1.5</td></tr></tbody></table>',
    );
    expect(keyValueTable([['k&', 'v<']], 'cap')).toBe(
      '<table class="kv"><caption>cap</caption><tbody><tr><th scope="row">k&amp;</th><td>v&lt;</td></tr></tbody></table>',
    );
  });
});
