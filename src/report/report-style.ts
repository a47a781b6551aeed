/**
 * The report's stylesheet, inlined in <head>: the file must render from disk or an email
 * attachment with no network, so no web fonts, no external CSS, no images by URL. Also
 * styles for print, since reports get printed to PDF.
 */
export const REPORT_CSS = `
:root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --accent: #3366cc; --warn: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #101828; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .sub { color: #cfd4dc; font-size: 13px; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 14px; }
nav a.missing { color: var(--muted); }
main { max-width: 1240px; margin: 0 auto; padding: 16px 32px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 20px; margin: 16px 0; }
section h2 { margin: 0 0 10px; font-size: 17px; }
section.missing { padding: 8px 20px; color: var(--muted); }
section.missing h2 { display: inline; font-size: 14px; color: var(--muted); margin-right: 8px; }
section.missing p { display: inline; margin: 0; }
h3 { font-size: 14px; margin: 4px 0 6px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 4px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.tile-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.tile-value { font-size: 24px; font-weight: 600; }
.tile-detail { color: var(--muted); font-size: 12px; }
.row { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.stages { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 16px; }
.stage { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
figure { margin: 6px 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; max-width: 460px; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 2px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #d0d5dd; font-weight: 600; }
table.kv th { font-weight: normal; color: var(--muted); padding-right: 16px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 10px; white-space: nowrap; }
table.totals tbody tr:last-child td { font-weight: 600; border-top: 2px solid #d0d5dd; }
code { font: 12px "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f2f4f7; padding: 0 3px; border-radius: 3px; }
.muted { color: var(--muted); }
.warn { color: var(--warn); font-weight: 600; }
ul.notes { color: var(--warn); margin: 6px 0; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
.scroll { max-height: 420px; overflow: auto; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 24px; }
@media print {
  body { background: #fff; }
  nav { display: none; }
  section { break-inside: avoid; border: none; }
  .scroll { max-height: none; overflow: visible; }
}
`;
