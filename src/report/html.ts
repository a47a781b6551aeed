/**
 * Small HTML building blocks for the report. Everything that came from data goes through
 * `escapeHtml` (text and attribute values alike), so a label such as `<script>` is shown,
 * never run. Chart SVG from vega-svg.ts is already escaped and is inserted as is.
 */
import { formatHalfWidth95 } from '../eval/accuracy-interval';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A trusted fragment of HTML (built here or by a chart), as opposed to text. */
export interface Html {
  readonly html: string;
}

export function raw(html: string): Html {
  return { html };
}

export type Cell = string | number | boolean | null | undefined | Html;

function isHtml(c: Cell): c is Html {
  return typeof c === 'object' && c !== null;
}

/** Numbers: integers with thousands separators, others to 4 significant digits. */
export function formatValue(v: number | string | boolean | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    return String(Number(v.toPrecision(4)));
  }
  return String(v);
}

function cellHtml(c: Cell): string {
  return isHtml(c) ? c.html : escapeHtml(formatValue(c));
}

export interface TableOptions {
  readonly caption?: string;
  /** Columns (0-based) that hold numbers: right-aligned. */
  readonly numeric?: readonly number[];
  readonly className?: string;
}

export function table(head: readonly string[], rows: readonly (readonly Cell[])[], o: TableOptions = {}): string {
  const num = new Set(o.numeric ?? []);
  const cls = (i: number) => (num.has(i) ? ' class="num"' : '');
  const caption = o.caption ? `<caption>${escapeHtml(o.caption)}</caption>` : '';
  const thead = `<thead><tr>${head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const tbody = `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${cellHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody>`;
  const className = o.className ? ` class="${escapeHtml(o.className)}"` : '';
  return `<table${className}>${caption}${thead}${tbody}</table>`;
}

/** A two-column key/value table. */
export function keyValueTable(entries: readonly (readonly [string, Cell])[], caption?: string): string {
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : '';
  const rows = entries
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${cellHtml(v)}</td></tr>`)
    .join('');
  return `<table class="kv">${cap}<tbody>${rows}</tbody></table>`;
}

/** A chart in a figure with an optional caption below it. */
export function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`;
}

export function paragraph(text: string, className?: string): string {
  return `<p${className ? ` class="${escapeHtml(className)}"` : ''}>${escapeHtml(text)}</p>`;
}

export function code(text: string): Html {
  return raw(`<code>${escapeHtml(text)}</code>`);
}

/** 123456 → "120.6 KiB", 512 → "512 B": magnitude at a glance. */
export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** 123456 → "123,456 B (120.6 KiB)": exact count for firmware people, magnitude for everyone. */
export function formatBytes(n: number): string {
  const exact = `${n.toLocaleString('en-US')} B`;
  return n < 1024 ? exact : `${exact} (${formatSize(n)})`;
}

/** 0.0312 → "3.12%". */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

/** "79.3% ±4.1": accuracy on `clips` clips and the half-width of its 95 % interval, in points (src/eval/accuracy-interval.ts). */
export function accuracyCell(accuracy: number, clips: number): string {
  return `${formatPercent(accuracy)} ${formatHalfWidth95(accuracy, clips)}`;
}
