import type { AugmentDraws, Placement } from './clip-metadata';

/** One clip of the error analysis (rows.jsonl). */
export interface ClipRow {
  split: 'train' | 'validation' | 'test';
  clip: string;
  label: string;
  /** Stored clip, float model. */
  pred: string;
  confidence: number;
  /** Same clip remade without augmentation (same noise), and without augmentation or noise. */
  predDry: string;
  predClean: string;
  background: string;
  levelDbfs: number;
  engine: string;
  voice?: string;
  heldOut?: false | 'voice' | 'engine';
  text?: string;
  params?: Readonly<Record<string, string | number | boolean>>;
  snrDb?: number;
  shiftMs?: number;
  streamStyle?: { position: number; neighbour?: string | undefined };
  augment: AugmentDraws;
  place?: Placement;
  remadeEqual?: boolean;
}

type Key = (r: ClipRow) => string | undefined;

const pct = (k: number, n: number): string => (n === 0 ? '–' : ((100 * k) / n).toFixed(1));

function bin(v: number | undefined, edges: readonly number[], unit = ''): string | undefined {
  if (v === undefined || !Number.isFinite(v)) return undefined;
  let i = 0;
  while (i < edges.length && v >= edges[i]!) i++;
  const lo = i === 0 ? '' : `${edges[i - 1]}`;
  const hi = i === edges.length ? '' : `${edges[i]}`;
  return i === 0 ? `< ${hi}${unit}` : i === edges.length ? `≥ ${lo}${unit}` : `${lo}–${hi}${unit}`;
}

/**
 * Error rate per value of `key`: train (stored clip / dry remake / clean remake), validation,
 * test (stored / clean). Errors = prediction ≠ label.
 */
function factorTable(rows: readonly ClipRow[], title: string, key: Key, minN = 1): string {
  const groups = new Map<string, ClipRow[]>();
  for (const r of rows) {
    const k = key(r);
    if (k === undefined) continue;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const err = (rs: readonly ClipRow[], f: (r: ClipRow) => string): [number, number] => [
    rs.filter((r) => f(r) !== r.label).length,
    rs.length,
  ];
  const lines = [
    `### ${title}`,
    '',
    '| value | train n | train err % | dry % | clean % | val n | val err % | test n | test err % | test clean % |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const entries = [...groups.entries()].filter(([, rs]) => rs.length >= minN);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [k, rs] of entries) {
    const tr = rs.filter((r) => r.split === 'train');
    const va = rs.filter((r) => r.split === 'validation');
    const te = rs.filter((r) => r.split === 'test');
    const c = (s: readonly ClipRow[], f: (r: ClipRow) => string) => pct(...err(s, f));
    lines.push(
      `| ${k} | ${tr.length} | ${c(tr, (r) => r.pred)} | ${c(tr, (r) => r.predDry)} | ${c(tr, (r) => r.predClean)} | ${va.length} | ${c(va, (r) => r.pred)} | ${te.length} | ${c(te, (r) => r.pred)} | ${c(te, (r) => r.predClean)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Error % of (row key × column key) cells on `rows`, n in brackets. */
function crossTable(
  rows: readonly ClipRow[],
  title: string,
  rowKey: Key,
  colKey: Key,
  pred: (r: ClipRow) => string,
): string {
  const rk = [...new Set(rows.map(rowKey).filter((k): k is string => k !== undefined))].sort();
  const ck = [...new Set(rows.map(colKey).filter((k): k is string => k !== undefined))].sort();
  const lines = [`### ${title}`, '', `| | ${ck.join(' | ')} |`, `|---|${ck.map(() => '---').join('|')}|`];
  for (const r of rk) {
    const cells = ck.map((c) => {
      const rs = rows.filter((x) => rowKey(x) === r && colKey(x) === c);
      return rs.length === 0 ? '' : `${pct(rs.filter((x) => pred(x) !== x.label).length, rs.length)} (${rs.length})`;
    });
    lines.push(`| ${r} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** The most frequent (true → predicted) confusions of `rows`, with their engines. */
function topConfusions(rows: readonly ClipRow[], title: string, n = 25): string {
  const m = new Map<string, { count: number; engines: Map<string, number> }>();
  for (const r of rows) {
    if (r.pred === r.label) continue;
    const k = `${r.label} → ${r.pred}`;
    const e = m.get(k) ?? { count: 0, engines: new Map<string, number>() };
    e.count++;
    e.engines.set(r.engine, (e.engines.get(r.engine) ?? 0) + 1);
    m.set(k, e);
  }
  const lines = [`### ${title}`, '', '| confusion | n | by engine |', '|---|---|---|'];
  for (const [k, e] of [...m.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, n)) {
    const eng = [...e.engines.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([x, c]) => `${x} ${c}`)
      .join(', ');
    lines.push(`| ${k} | ${e.count} | ${eng} |`);
  }
  return lines.join('\n') + '\n';
}

const speedOf = (r: ClipRow): number | undefined => {
  const p = r.params;
  if (!p) return undefined;
  const v = p['speed'] ?? p['rate'] ?? p['lengthScale'] ?? p['speedFactor'];
  return typeof v === 'number' ? v : undefined;
};

export function writeTables(rows: readonly ClipRow[], labels: readonly string[]): string {
  void labels;
  const speech = rows.filter((r) => r.engine !== 'silence');
  const unknown = rows.filter((r) => r.label === '_unknown_');
  const parts: string[] = ['# KWS error analysis tables', ''];
  parts.push(factorTable(rows, 'Split (all clips)', (r) => r.split));
  parts.push(factorTable(rows, 'Label', (r) => r.label));
  parts.push(factorTable(rows, 'Engine', (r) => r.engine));
  parts.push(factorTable(rows, 'Held-out class', (r) => String(r.heldOut ?? 'silence')));
  parts.push(factorTable(speech, 'Voice (≥ 40 clips)', (r) => `${r.engine}:${r.voice}`, 40));
  parts.push(factorTable(unknown, '`_unknown_` word', (r) => r.text));
  parts.push(factorTable(unknown, '`_unknown_` stream-style', (r) => (r.streamStyle ? 'stream-style' : 'centred')));
  parts.push(
    factorTable(unknown, '`_unknown_` stream-style: word cut at the clip edge, ms', (r) =>
      r.streamStyle ? bin(r.place?.cutMs, [1, 100, 200, 300]) : undefined,
    ),
  );
  parts.push(
    factorTable(unknown, '`_unknown_` stream-style: word × cut side', (r) => {
      if (!r.streamStyle || !r.place || r.place.cutMs <= 0) return undefined;
      const side = r.place.startMs < 0 ? 'head cut' : 'tail cut';
      return `${r.text} ${side}`;
    }),
  );
  parts.push(factorTable(speech, 'SNR, dB', (r) => bin(r.snrDb, [10, 15, 20, 25])));
  parts.push(factorTable(rows, 'Speech level, dBFS', (r) => bin(r.levelDbfs, [-26, -22, -18, -14])));
  parts.push(factorTable(rows, 'Background', (r) => r.background));
  parts.push(
    factorTable(speech, 'Word duration (active part), ms', (r) => bin(r.place?.wordMs, [250, 350, 450, 550, 700, 900])),
  );
  parts.push(
    factorTable(speech, 'Energy activity.ts dropped after the word, dB re word', (r) =>
      bin(r.place?.droppedTailDb, [-40, -30, -20, -10]),
    ),
  );
  parts.push(
    factorTable(speech, 'Engine × speed/rate (tercile-free bins)', (r) => {
      const s = speedOf(r);
      if (s === undefined) return undefined;
      const edges = s > 10 ? [150, 180, 200] : [0.9, 1, 1.1];
      return `${r.engine} ${bin(s, edges)}`;
    }),
  );
  const on = (f: keyof AugmentDraws) => (r: ClipRow) => (r.augment[f] !== undefined ? 'on' : 'off');
  for (const f of ['formant', 'vtlp', 'room', 'mic', 'agc', 'clipping', 'codec'] as const)
    parts.push(
      factorTable(
        f === 'mic' || f === 'agc' || f === 'clipping' || f === 'codec' ? rows : speech,
        `Augment ${f}`,
        on(f),
      ),
    );
  parts.push(
    factorTable(speech, 'Room distance, m (room on)', (r) => bin(r.augment.room?.distanceM, [1, 1.5, 2, 2.5])),
  );
  parts.push(factorTable(speech, 'Room RT60, s (room on)', (r) => bin(r.augment.room?.rt60, [0.3, 0.45, 0.6])));
  parts.push(factorTable(rows, 'Codec kind', (r) => r.augment.codec));
  parts.push(
    factorTable(rows, 'Clipping', (r) =>
      r.augment.clipping ? `${r.augment.clipping.kind} ${bin(r.augment.clipping.depthDb, [4, 8])} dB` : undefined,
    ),
  );
  parts.push(factorTable(rows, 'Mic low-pass, Hz (mic on)', (r) => bin(r.augment.mic?.lowPassHz, [4000, 5000, 6500])));
  parts.push(factorTable(rows, 'Number of augmentations', (r) => String(Object.keys(r.augment).length)));
  const kwRows = rows.filter((r) => r.label !== '_unknown_' && r.label !== '_silence_');
  parts.push(
    crossTable(
      kwRows.filter((r) => r.split === 'train'),
      'Train error % by engine × keyword (stored clips)',
      (r) => r.engine,
      (r) => r.label,
      (r) => r.pred,
    ),
  );
  parts.push(
    crossTable(
      kwRows.filter((r) => r.split === 'train'),
      'Train error % by engine × keyword (clean remake)',
      (r) => r.engine,
      (r) => r.label,
      (r) => r.predClean,
    ),
  );
  parts.push(
    crossTable(
      kwRows.filter((r) => r.split === 'test'),
      'Test error % by engine × keyword (stored clips)',
      (r) => r.engine,
      (r) => r.label,
      (r) => r.pred,
    ),
  );
  parts.push(
    topConfusions(
      rows.filter((r) => r.split === 'train'),
      'Train confusions (stored clips)',
    ),
  );
  parts.push(
    topConfusions(
      rows.filter((r) => r.split === 'train').map((r) => ({ ...r, pred: r.predClean })),
      'Train confusions (clean remake)',
    ),
  );
  parts.push(
    topConfusions(
      rows.filter((r) => r.split === 'test'),
      'Test confusions (stored clips)',
    ),
  );
  return parts.join('\n');
}
