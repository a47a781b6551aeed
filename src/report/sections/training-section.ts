import { lineChart, type LinePoint } from '../charts';
import { figure, formatPercent, keyValueTable, type Cell } from '../html';
import type { ReportModel, TrainingHistory } from '../report-model';
import { missing, present, type RenderedSection } from './section';

/** "Training": loss and accuracy per epoch for train and validation, best epoch marked. */

type Epoch = TrainingHistory['epochs'][number];
type EpochKey = 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy';

function series(epochs: readonly Epoch[], key: EpochKey, name: string): LinePoint[] {
  const out: LinePoint[] = [];
  for (const e of epochs) {
    const v = e[key];
    // Null = not measured that epoch (or NaN written as null); the line skips it.
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ x: e.epoch, y: v, series: name });
  }
  return out;
}

export async function trainingSection(model: ReportModel): Promise<RenderedSection> {
  const h = model.history;
  if (h === undefined) return missing('training', 'Training');
  const best = h.bestEpoch ?? undefined;
  const marker = best === undefined ? undefined : { value: best, label: `best epoch ${best}` };
  const charts: string[] = [];
  const loss = [...series(h.epochs, 'loss', 'train'), ...series(h.epochs, 'valLoss', 'validation')];
  if (loss.length > 0) {
    charts.push(
      figure(
        await lineChart({
          id: 'train-loss',
          title: 'Loss',
          xTitle: 'epoch',
          yTitle: 'loss',
          points: loss,
          seriesOrder: ['train', 'validation'],
          marker,
        }),
      ),
    );
  }
  const acc = [...series(h.epochs, 'accuracy', 'train'), ...series(h.epochs, 'valAccuracy', 'validation')];
  if (acc.length > 0) {
    charts.push(
      figure(
        await lineChart({
          id: 'train-accuracy',
          title: 'Accuracy',
          xTitle: 'epoch',
          yTitle: 'accuracy',
          points: acc,
          seriesOrder: ['train', 'validation'],
          marker,
          yFormat: '.0%',
        }),
      ),
    );
  }
  const last = h.epochs[h.epochs.length - 1]!;
  const bestRow = best === undefined ? undefined : h.epochs.find((e) => e.epoch === best);
  const entries: [string, Cell][] = [
    ['from stage', model.sources.history],
    ['epochs', h.epochs.length],
  ];
  if (h.params !== undefined) entries.push(['parameters', h.params]);
  if (h.macs !== undefined) entries.push(['MACs per inference', h.macs]);
  const describe = (label: string, e: Epoch) => {
    const acc = e.valAccuracy ?? undefined;
    entries.push(
      [`${label}: validation accuracy`, acc === undefined ? null : formatPercent(acc)],
      [`${label}: validation loss`, e.valLoss],
    );
  };
  const avg = h.weightAveraging;
  if (avg !== undefined) {
    const acc = avg.valAccuracy ?? undefined;
    entries.push(
      [
        'exported model',
        `weight average over epochs ${avg.fromEpoch}–${last.epoch} (${avg.snapshots} ${avg.every === 'step' ? 'steps' : 'epochs'}), BatchNorm statistics recomputed`,
      ],
      ['averaged: validation accuracy', acc === undefined ? null : formatPercent(acc)],
      ['averaged: validation loss', avg.valLoss ?? null],
    );
  }
  if (bestRow !== undefined) describe(`best (epoch ${bestRow.epoch})`, bestRow);
  describe(`last (epoch ${last.epoch})`, last);
  return present('training', 'Training', `<div class="row">${charts.join('')}</div>${keyValueTable(entries)}`);
}
