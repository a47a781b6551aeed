import { rms } from '../../../src/machine/signal';
import { MACHINE_GENERATORS } from '../../../src/machine/generators';
import { makeMachineClip, type MachineClipRequest } from '../../../src/machine/machine-clip';
import { blendPhysics } from '../../../src/machine/machine-generator';
import type { SliderPhysics } from '../../../src/machine/slider';
import type { ValvePhysics } from '../../../src/machine/valve';
import { ANOMALY_KINDS, MACHINE_TYPES, type AnomalyKind } from '../../../src/machine/machine-kinds';
import { Prng } from '../../../src/util/prng';
import { bandDb, welchPsd } from '../audio/spectrum';
import { dominantPeriod, energyEnvelope } from './machine-signals';

const SR = 16000;
const FRAME = 0.01;

describe('machine generators', () => {
  it.each([0, 1, 2])('slider id %i repeats with its stroke period, and faster at a higher speed', (id) => {
    const g = MACHINE_GENERATORS.slider;
    const p = g.drawPhysics(Prng.derive(7, 'slider', id)) as SliderPhysics;
    for (const speed of [1, 1.15]) {
      const r = g.render(p, { speed, load: 0 }, 10 * SR, SR, Prng.derive(8, id, speed));
      const period = dominantPeriod(energyEnvelope(r.signal, SR, FRAME), FRAME, 0.4, 3);
      // The out and back travels differ, so the half period must not win.
      expect(period).toBeGreaterThan((p.strokePeriodS / speed) * 0.97);
      expect(period).toBeLessThan((p.strokePeriodS / speed) * 1.03);
    }
  });

  it('valve clicks repeat with its cycle period', () => {
    const g = MACHINE_GENERATORS.valve;
    const p = g.drawPhysics(Prng.derive(7, 'valve', 0)) as ValvePhysics;
    const r = g.render(p, { speed: 1, load: 0.5 }, 10 * SR, SR, Prng.derive(9));
    const period = dominantPeriod(energyEnvelope(r.signal, SR, FRAME), FRAME, 0.5, 3);
    expect(Math.abs(period - p.cycleS) / p.cycleS).toBeLessThan(0.04);
  });

  it('fan: the blade-pass tone stands out of its spectrum', () => {
    const g = MACHINE_GENERATORS.fan;
    const p = g.drawPhysics(Prng.derive(7, 'fan', 0));
    const r = g.render(p, { speed: 1, load: 0 }, 4 * SR, SR, Prng.derive(10));
    const psd = welchPsd(Float32Array.from(r.signal), 4096);
    const bpf = r.rotationHz * (p.blades as number);
    const atTone = bandDb(psd, SR, bpf - 4, bpf + 4);
    const beside = bandDb(psd, SR, bpf * 1.2, bpf * 1.4);
    expect(atTone - beside).toBeGreaterThan(10);
  });

  it('two IDs of one type differ more than two recordings of one ID', () => {
    for (const type of MACHINE_TYPES) {
      const g = MACHINE_GENERATORS[type];
      const spectrum = (id: number, take: number): Float64Array => {
        const r = g.render(
          g.drawPhysics(Prng.derive(3, type, id)),
          { speed: 1, load: 0.5 },
          4 * SR,
          SR,
          Prng.derive(4, type, id, take),
        );
        return Float64Array.from(welchPsd(Float32Array.from(r.signal), 512), (v) => 10 * Math.log10(v + 1e-12));
      };
      const dist = (a: Float64Array, b: Float64Array): number =>
        Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);
      const a0 = spectrum(0, 0);
      expect(dist(a0, spectrum(1, 0))).toBeGreaterThan(2 * dist(a0, spectrum(0, 1)));
    }
  });
});

describe('anomalies', () => {
  const request = (
    type: (typeof MACHINE_TYPES)[number],
    anomaly?: AnomalyKind,
    severity?: number,
  ): MachineClipRequest => {
    const generator = MACHINE_GENERATORS[type];
    return {
      generator,
      physics: generator.drawPhysics(Prng.derive(5, type)),
      sampleRate: SR,
      samples: 2 * SR,
      ...(anomaly ? { anomaly, severity } : {}),
      snrDb: { min: 6, max: 6 },
      variation: { speed: 0.01, gainDb: 3 },
    };
  };
  // Same generators for both clips: same conditions and background, only the fault differs.
  const rngFor = (part: string): Prng => Prng.derive(11, part);
  const bands: Array<[AnomalyKind, (typeof MACHINE_TYPES)[number], number, number]> = [
    ['bearing-whine', 'fan', 2500, 5000],
    ['leak-hiss', 'valve', 4000, 7900],
    ['rattle', 'slider', 1500, 5000],
    ['clicks', 'pump', 3000, 7000],
    ['friction', 'slider', 800, 2500],
  ];
  it.each(bands)('%s on a %s raises the energy in %i–%i Hz, more at a higher severity', (anomaly, type, lo, hi) => {
    const band = (x: Float32Array): number => bandDb(welchPsd(x, 1024), SR, lo, hi);
    const normal = band(makeMachineClip(request(type), rngFor).samples);
    const mild = band(makeMachineClip(request(type, anomaly, 0.3), rngFor).samples);
    const severe = band(makeMachineClip(request(type, anomaly, 1), rngFor).samples);
    expect(severe - normal).toBeGreaterThan(3);
    expect(severe).toBeGreaterThan(mild);
    expect(mild).toBeGreaterThanOrEqual(normal - 0.01);
  });

  it('imbalance raises the once-per-turn tone of a fan', () => {
    const req = request('fan');
    const rot = (req.physics.rotationHz as number) * 1;
    const band = (x: Float32Array): number => bandDb(welchPsd(x, 8192), SR, rot * 0.9, rot * 1.1);
    const normal = band(makeMachineClip(req, rngFor).samples);
    const severe = band(makeMachineClip(request('fan', 'imbalance', 1), rngFor).samples);
    expect(severe - normal).toBeGreaterThan(6);
  });

  it('changed-period changes a slider stroke period by at least 5 %', () => {
    const req = request('slider');
    const period = (x: Float32Array): number => dominantPeriod(energyEnvelope(x, SR, FRAME), FRAME, 0.4, 3);
    const long = { ...req, samples: 10 * SR };
    const normal = period(makeMachineClip(long, rngFor).samples);
    const changed = period(makeMachineClip({ ...long, anomaly: 'changed-period', severity: 0.5 }, rngFor).samples);
    expect(Math.abs(changed - normal) / normal).toBeGreaterThan(0.05);
  });

  it('every anomaly kind yields a finite clip of the requested length that differs from the normal one', () => {
    for (const anomaly of ANOMALY_KINDS) {
      const short = (r: MachineClipRequest): MachineClipRequest => ({ ...r, samples: SR });
      const normal = makeMachineClip(short(request('pump')), rngFor).samples;
      const x = makeMachineClip(short(request('pump', anomaly, 0.7)), rngFor).samples;
      expect(x.length).toBe(SR);
      expect(x.every(Number.isFinite)).toBe(true);
      expect(rms(Float64Array.from(x, (v, i) => v - normal[i]!))).toBeGreaterThan(1e-4);
    }
  });
});

describe('machine IDs as units of one design', () => {
  it("blendPhysics: spread 0 = the design, 1 = the unit; integers and array lengths stay the design's", () => {
    // Real-valued draws are never whole numbers; whole numbers are counts (blades, vanes, mains Hz).
    const design = { a: 1.5, n: 5, v: [1.5, 2.5, 3.5] };
    const unit = { a: 3.5, n: 7, v: [3.5, 4.5] };
    expect(blendPhysics(design, unit, 0)).toEqual(design);
    expect(blendPhysics(design, unit, 1)).toEqual({ a: 3.5, n: 5, v: [3.5, 4.5, 3.5] });
    expect(blendPhysics(design, unit, 0.25)).toEqual({ a: 2, n: 5, v: [2, 3, 3.5] });
  });
});
