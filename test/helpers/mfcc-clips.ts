/**
 * The clip set for the MFCC firmware tests (host gcc and QEMU): deterministic int16 clips that
 * cover what the fixed-point front end must survive — speech-like keywords, noise at several
 * levels, digital silence, full-scale tones, DC and squares (the FFT bound's worst cases),
 * quiet signals (block normalization up to 15 bits), clipping and a full-range random signal.
 */
import { floatToInt16 } from '../../src/audio/wav';
import { Prng } from '../../src/util/prng';
import { constant, speechLike, tone, whiteNoise, withSilence } from '../unit/dsp/signals';

export interface NamedClip {
  readonly name: string;
  readonly pcm: Int16Array;
}

function fromFloat(name: string, n: number, f: (i: number) => number): NamedClip {
  return { name, pcm: Int16Array.from({ length: n }, (_, i) => floatToInt16(f(i))) };
}

/** At least 20 clips of `n` samples (16 kHz), all deterministic in `seed`. */
export function mfccTestClips(seed: string, n = 16000): NamedClip[] {
  const rng = Prng.derive('mfcc-firmware-clips', seed);
  const clips: NamedClip[] = [];
  for (const s of ['a', 'b', 'c', 'd', 'e', 'f']) {
    const sig = speechLike(`${seed}-${s}`, n);
    clips.push({ name: sig.name, pcm: sig.pcm });
  }
  // The same speech 40 dB and 80 dB down: the quiet frames get up to 15 bits of normalization.
  const quiet = speechLike(`${seed}-quiet`, n).pcm;
  clips.push({ name: 'speech -40 dB', pcm: Int16Array.from(quiet, (v) => Math.round(v / 100)) });
  clips.push({ name: 'speech -80 dB', pcm: Int16Array.from(quiet, (v) => Math.round(v / 10000)) });
  // Speech driven 4× into clipping.
  clips.push({ name: 'clipped speech', pcm: Int16Array.from(quiet, (v) => Math.max(-32768, Math.min(32767, v * 4))) });
  for (const [name, rms] of [
    ['loud', 0.3],
    ['quiet', 0.0002],
    ['1 LSB', 1 / 32768],
  ] as const) {
    const sig = whiteNoise(`${seed}-${name}`, rms, n);
    clips.push({ name: sig.name, pcm: sig.pcm });
  }
  const ws = withSilence(seed, n);
  clips.push({ name: ws.name, pcm: ws.pcm });
  for (const sig of [
    constant(0, n),
    constant(-1, n),
    constant(32767 / 32768, n),
    tone(1000, 0.9, n),
    tone(3000, 0.9, n),
    tone(437, 0.999, n),
    tone(100, 0.9, n),
    tone(1500, 0.001, n),
  ]) {
    clips.push({ name: sig.name, pcm: sig.pcm });
  }
  clips.push({
    name: 'full-scale square 1 kHz',
    pcm: Int16Array.from({ length: n }, (_, i) => (Math.floor(i / 8) % 2 ? 32767 : -32768)),
  });
  clips.push({ name: 'uniform full-range int16', pcm: Int16Array.from({ length: n }, () => rng.int(-32768, 32767)) });
  // A chirp 50 Hz → 7.9 kHz at half scale: every mel band (and the bins above 4 kHz) in turn.
  clips.push(fromFloat('chirp', n, (i) => 0.5 * Math.sin((2 * Math.PI * (50 * i + ((7850 / n) * i * i) / 2)) / 16000)));
  return clips;
}
