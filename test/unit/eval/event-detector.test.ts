import { detectKeywords, type DetectorConfig } from '../../../src/eval';

/** Labels: 0 = _silence_, 1 = _unknown_, 2 = yes, 3 = no. Builds rows from per-class series. */
function rows(series: { yes?: number[]; no?: number[]; unknown?: number[] }, frames: number): Float64Array {
  const out = new Float64Array(frames * 4);
  for (let t = 0; t < frames; t++) {
    out[t * 4 + 1] = series.unknown?.[t] ?? 0;
    out[t * 4 + 2] = series.yes?.[t] ?? 0;
    out[t * 4 + 3] = series.no?.[t] ?? 0;
  }
  return out;
}

/** A series of `frames` values, `v` on [from, to) and 0 elsewhere; several spans may be given. */
function series(frames: number, ...spans: Array<[from: number, to: number, v: number]>): number[] {
  const s = new Array<number>(frames).fill(0);
  for (const [from, to, v] of spans) for (let t = from; t < to; t++) s[t] = v;
  return s;
}

const cfg = (threshold: number, refractoryFrames: number): DetectorConfig => ({
  numClasses: 4,
  keywordClasses: [2, 3],
  threshold,
  refractoryFrames,
});

describe('detectKeywords', () => {
  it('fires at the first frame at or above the threshold, once per excursion', () => {
    // yes = 0.5 exactly on frames 10…39: ≥ θ counts, and staying above does not re-fire
    // even with no refractory period.
    const p = rows({ yes: series(60, [10, 40, 0.5]) }, 60);
    expect(detectKeywords(p, cfg(0.5, 0))).toEqual([{ frame: 10, classIndex: 2 }]);
    expect(detectKeywords(p, cfg(0.51, 0))).toEqual([]);
  });

  it('non-keyword classes never fire', () => {
    const p = rows({ unknown: series(20, [0, 20, 0.99]) }, 20);
    expect(detectKeywords(p, cfg(0.1, 0))).toEqual([]);
  });

  describe('refractory period', () => {
    // yes above θ on frames 10–14, dips, above again on frames 20–24: two crossings 10 frames apart.
    const p = rows({ yes: series(50, [10, 15, 0.9], [20, 25, 0.9]) }, 50);

    it('without it, a dip inside one utterance gives a double firing', () => {
      expect(detectKeywords(p, cfg(0.5, 0)).map((d) => d.frame)).toEqual([10, 20]);
    });

    it('suppresses the second firing when it comes within the period (25 frames = 500 ms)', () => {
      expect(detectKeywords(p, cfg(0.5, 25)).map((d) => d.frame)).toEqual([10]);
    });

    it('ends exactly n frames after the firing: a crossing at t+n fires, at t+n−1 it does not', () => {
      expect(detectKeywords(p, cfg(0.5, 10)).map((d) => d.frame)).toEqual([10, 20]);
      expect(detectKeywords(p, cfg(0.5, 11)).map((d) => d.frame)).toEqual([10]);
    });

    it('a crossing during the period is consumed: it does not fire when the period ends', () => {
      // 'no' crosses at frame 15 (inside yes's 25-frame period) and stays up until frame 60.
      const q = rows({ yes: series(80, [10, 15, 0.9]), no: series(80, [15, 60, 0.8]) }, 80);
      expect(detectKeywords(q, cfg(0.5, 25))).toEqual([{ frame: 10, classIndex: 2 }]);
      // …but it re-arms after dipping below θ and fires on its next crossing.
      const r = rows({ yes: series(80, [10, 15, 0.9]), no: series(80, [15, 40, 0.8], [50, 60, 0.8]) }, 80);
      expect(detectKeywords(r, cfg(0.5, 25))).toEqual([
        { frame: 10, classIndex: 2 },
        { frame: 50, classIndex: 3 },
      ]);
    });
  });

  it('only the arg-max keyword fires; a class that crossed while not the arg-max fires once it is', () => {
    // Frames 10–19: yes 0.9, no 0.6 → yes fires at 10. Frames 20–29: yes 0.3, no 0.6 → no
    // is now the arg-max and still armed (it never fired) → fires at 20 (no refractory).
    const p = rows({ yes: series(40, [10, 20, 0.9], [20, 30, 0.3]), no: series(40, [10, 30, 0.6]) }, 40);
    expect(detectKeywords(p, cfg(0.5, 0))).toEqual([
      { frame: 10, classIndex: 2 },
      { frame: 20, classIndex: 3 },
    ]);
    // With a 25-frame refractory period the same 'no' excursion is consumed.
    expect(detectKeywords(p, cfg(0.5, 25))).toEqual([{ frame: 10, classIndex: 2 }]);
  });

  it('breaks a tie between keywords by the lower class index', () => {
    const p = rows({ yes: series(5, [2, 3, 0.7]), no: series(5, [2, 3, 0.7]) }, 5);
    expect(detectKeywords(p, cfg(0.5, 0))).toEqual([{ frame: 2, classIndex: 2 }]);
    expect(detectKeywords(p, { ...cfg(0.5, 0), keywordClasses: [3, 2] })).toEqual([{ frame: 2, classIndex: 2 }]);
  });

  it('takes one threshold per keyword: each class arms and fires against its own θ_k', () => {
    // yes at 0.8 on 2…4, no at 0.6 on 8…10: with θ_yes = 0.9, θ_no = 0.5 only "no" fires.
    const p = rows({ yes: series(12, [2, 5, 0.8]), no: series(12, [8, 11, 0.6]) }, 12);
    expect(detectKeywords(p, { ...cfg(0.5, 0), threshold: [0.9, 0.5] })).toEqual([{ frame: 8, classIndex: 3 }]);
    // Equal per-keyword thresholds are the single θ.
    expect(detectKeywords(p, { ...cfg(0.5, 0), threshold: [0.55, 0.55] })).toEqual(detectKeywords(p, cfg(0.55, 0)));
    expect(() => detectKeywords(p, { ...cfg(0.5, 0), threshold: [0.5] })).toThrow(/1 per-keyword thresholds for 2/);
  });

  it('rejects keyword indices outside the classes', () => {
    expect(() => detectKeywords(new Float64Array(8), { ...cfg(0.5, 0), keywordClasses: [4] })).toThrow(/outside 0…3/);
  });
});
