import { applyAgc } from '../audio/augment/agc';
import { applyClipping } from '../audio/augment/clipping';
import { aLawRoundTrip, muLawRoundTrip, quantizeBits, telephoneRoundTrip } from '../audio/augment/codec';
import { ConvolutionKernel } from '../audio/augment/fft-convolve';
import { applyFormantShift } from '../audio/augment/formant-shift';
import { applyMemsResponse, bandLimit } from '../audio/augment/mic';
import { drawShoeboxRoom, imageSourceRir, wallAbsorption, type ShoeboxRoom } from '../audio/augment/room-ir';
import { applyVtlp } from '../audio/augment/vtlp';
import { resample } from '../audio/resample';
import { StageInputError } from '../errors';
import type { Prng } from '../util/prng';
import type { AugmentConfig } from './augment-config';
import type { Split } from './kws-plan';
import { pickWeighted, type RngFor } from './rng-for';

/**
 * The synth-kws side of augmentation: turns the `augment:` config into per-clip effect
 * chains (src/audio/augment/ holds the effects). Speech effects (formant shift, VTLP, room)
 * act on the placed speech before the background is added, as a talker's voice and room
 * come before the noise at the microphone; channel effects (mic, AGC, clipping, codec) act
 * on the mix, as the device hears both. Order within each group is fixed.
 *
 * Rooms come from a pool of `room.rooms` simulated rooms, room k drawn from
 * rngFor('augment-room', k) and simulated on first use, so a clip's room depends only on
 * its own draw, whatever order clips are made in.
 */

/** A generator per effect name for one clip (or utterance, or stream). */
export type EffectRng = (effect: string) => Prng;

type Range = readonly [number, number];
const draw = (rng: Prng, r: Range): number => rng.uniform(r[0], r[1]);

interface PooledRoom {
  readonly room: ShoeboxRoom;
  readonly kernel: ConvolutionKernel;
}

export class KwsAugmenter {
  private readonly rooms = new Map<number, PooledRoom>();
  /** Geometry of rooms asked for by roomShape only (no impulse response simulated). */
  private readonly shapes = new Map<number, ShoeboxRoom>();

  /** Throws StageInputError before any clip is made if the room ranges cannot be simulated. */
  constructor(
    readonly config: AugmentConfig,
    private readonly sampleRate: number,
    private readonly rngFor: RngFor,
  ) {
    const c = config.room;
    if (c?.absorption === 'sabine') {
      // Sabine's α grows with room size and falls with RT60: the largest room with the
      // shortest RT60 is the worst case of the ranges.
      try {
        wallAbsorption([c.sizeM.x[1], c.sizeM.y[1], c.sizeM.z[1]], c.rt60Sec[0], 'sabine');
      } catch (e) {
        throw new StageInputError(
          `augment.room.rt60Sec: [${c.rt60Sec.join(', ')}] with absorption "sabine": ${(e as Error).message}; raise rt60Sec, shrink sizeM or use "eyring"`,
        );
      }
    }
  }

  /** Room k of the pool (simulated now if not yet). */
  room(k: number): PooledRoom {
    let r = this.rooms.get(k);
    if (!r) {
      const c = this.config.room;
      if (!c) throw new Error('KwsAugmenter.room: no room block in the augment config');
      const room = this.roomShape(k);
      const rir = imageSourceRir(room, this.sampleRate, {
        lengthSec: Math.min(room.rt60, c.maxRirSec),
        absorption: c.absorption,
        referenceM: c.referenceM,
      });
      r = { room, kernel: new ConvolutionKernel(rir) };
      this.rooms.set(k, r);
    }
    return r;
  }

  /**
   * Talker rate, formant shift, VTLP and room on speech `x`. Output has x's length, or with
   * `keepTail` x.length + the room's tail (streams keep the reverberation after a word).
   * `split`: the clip's dataset split (talkerRate applies to its listed splits only); absent
   * for stream utterances, which never get talkerRate.
   */
  speech(x: Float32Array, rng: EffectRng, keepTail = false, split?: Split): Float32Array {
    return this.applySpeech(x, this.speechDraws(rng, split), keepTail);
  }

  /** Mic (band limits, MEMS), AGC, clipping and codec on the mix `x`; same length. */
  channel(x: Float32Array, rng: EffectRng): Float32Array {
    return this.applyChannel(x, this.channelDraws(rng));
  }

  /**
   * What `speech` decides for one clip, without audio: each effect's generator is asked in the
   * order `speech` asks it (on/off, then the effect's values), so the draws are the ones the
   * clip is made with — the dataset records them (src/synth/clip-conditions.ts).
   */
  speechDraws(rng: EffectRng, split?: Split): SpeechDraws {
    const c = this.config;
    const out: { talkerRateHz?: number; formantShift?: number; vtlpWarp?: number; room?: number } = {};
    // Its own generator, asked only for clips of the listed splits: every other draw is as without it.
    if (c.talkerRate && split !== undefined && c.talkerRate.splits.includes(split)) {
      const r = rng('talkerRate');
      if (r.next() < c.talkerRate.probability)
        out.talkerRateHz = c.talkerRate.rates[r.int(0, c.talkerRate.rates.length - 1)]!;
    }
    // trainProbability moves only the on/off threshold of train clips: the same draw decides,
    // so validation and test clips (and every other effect) keep their draws.
    const p = (e: { probability: number; trainProbability?: number | undefined }) =>
      split === 'train' && e.trainProbability !== undefined ? e.trainProbability : e.probability;
    if (c.formant) {
      const r = rng('formant');
      if (r.next() < p(c.formant)) out.formantShift = draw(r, c.formant.shift);
    }
    if (c.vtlp) {
      const r = rng('vtlp');
      if (r.next() < p(c.vtlp)) out.vtlpWarp = draw(r, c.vtlp.warp);
    }
    if (c.room) {
      const r = rng('room');
      if (r.next() < c.room.probability) out.room = r.int(0, c.room.rooms - 1);
    }
    return out;
  }

  /** What `channel` decides for one clip or stream, without audio (as speechDraws). */
  channelDraws(rng: EffectRng): ChannelDraws {
    const c = this.config;
    const out: {
      mic?: MicDraws;
      agc?: AgcDraws;
      clipping?: { kind: 'soft' | 'hard'; depthDb: number };
      codec?: CodecDraws;
    } = {};
    if (c.mic) {
      const r = rng('mic');
      if (r.next() < c.mic.probability) {
        const highPassHz = draw(r, c.mic.highPassHz);
        const lowPassHz = draw(r, c.mic.lowPassHz);
        if (r.next() < c.mic.memsProbability) {
          const lowCornerHz = draw(r, c.mic.memsLowCornerHz);
          const resonanceHz = draw(r, c.mic.memsResonanceHz);
          const resonanceQ = draw(r, c.mic.memsQ);
          out.mic = { highPassHz, lowPassHz, mems: { lowCornerHz, resonanceHz, resonanceQ } };
        } else out.mic = { highPassHz, lowPassHz };
      }
    }
    if (c.agc) {
      const r = rng('agc');
      if (r.next() < c.agc.probability) {
        const targetDbfs = draw(r, c.agc.targetDbfs);
        const maxGainDb = draw(r, c.agc.maxGainDb);
        const attackMs = draw(r, c.agc.attackMs);
        const releaseMs = draw(r, c.agc.releaseMs);
        out.agc = { targetDbfs, maxGainDb, attackMs, releaseMs };
      }
    }
    if (c.clipping) {
      const r = rng('clipping');
      if (r.next() < c.clipping.probability) {
        const depthDb = draw(r, c.clipping.depthDb);
        out.clipping = { kind: r.next() < c.clipping.softFraction ? 'soft' : 'hard', depthDb };
      }
    }
    if (c.codec) {
      const r = rng('codec');
      if (r.next() < c.codec.probability) {
        const w = c.codec.weights;
        const kind = (['mulaw', 'alaw', 'telephone', 'quantize'] as const)[
          pickWeighted([w.mulaw, w.alaw, w.telephone, w.quantize], r)
        ]!;
        out.codec = kind === 'quantize' ? { kind, bits: r.int(c.codec.bits[0], c.codec.bits[1]) } : { kind };
      }
    }
    return out;
  }

  /** Room `k` of the pool's geometry (no impulse response: cheap), as `room(k)` simulates it. */
  roomShape(k: number): ShoeboxRoom {
    const simulated = this.rooms.get(k);
    if (simulated) return simulated.room;
    let shape = this.shapes.get(k);
    if (!shape) this.shapes.set(k, (shape = drawShoeboxRoom(this.rngFor('augment-room', k), this.roomRanges())));
    return shape;
  }

  private applySpeech(x: Float32Array, d: SpeechDraws, keepTail: boolean): Float32Array {
    const sr = this.sampleRate;
    let y = x;
    if (d.talkerRateHz !== undefined) y = atSourceRate(y, d.talkerRateHz, sr);
    if (d.formantShift !== undefined) y = applyFormantShift(y, d.formantShift, sr);
    if (d.vtlpWarp !== undefined) y = applyVtlp(y, d.vtlpWarp, sr);
    if (d.room !== undefined) {
      const { kernel } = this.room(d.room);
      y = kernel.apply(y, keepTail ? y.length + kernel.taps.length - 1 : y.length);
    }
    return y;
  }

  private applyChannel(x: Float32Array, d: ChannelDraws): Float32Array {
    const sr = this.sampleRate;
    let y = x;
    if (d.mic) {
      y = bandLimit(y, { highPassHz: d.mic.highPassHz, lowPassHz: d.mic.lowPassHz }, sr);
      if (d.mic.mems) y = applyMemsResponse(y, d.mic.mems, sr);
    }
    if (d.agc) y = applyAgc(y, d.agc, sr);
    if (d.clipping) y = applyClipping(y, d.clipping.kind, d.clipping.depthDb);
    const codec = d.codec;
    if (codec) {
      if (codec.kind === 'quantize') y = quantizeBits(y, codec.bits);
      else if (codec.kind === 'mulaw') y = muLawRoundTrip(y);
      else if (codec.kind === 'alaw') y = aLawRoundTrip(y);
      else y = telephoneRoundTrip(y, sr);
    }
    return y === x ? Float32Array.from(x) : y;
  }

  private roomRanges(): Parameters<typeof drawShoeboxRoom>[1] {
    const c = this.config.room;
    if (!c) throw new Error('KwsAugmenter.room: no room block in the augment config');
    return { dimsM: [c.sizeM.x, c.sizeM.y, c.sizeM.z], rt60Sec: c.rt60Sec, distanceM: c.distanceM };
  }
}

/**
 * `x` as a source at `rate` Hz would give it: down to `rate` and back up with the resampler's
 * Kaiser-windowed sinc (nothing above 0.92 · rate/2 survives, > 80 dB down), same length.
 */
export function atSourceRate(x: Float32Array, rate: number, sampleRate: number): Float32Array {
  if (rate >= sampleRate) return Float32Array.from(x);
  const back = resample(resample(x, sampleRate, rate), rate, sampleRate);
  const out = new Float32Array(x.length);
  out.set(back.subarray(0, Math.min(back.length, x.length)));
  return out;
}

/** Speech effects drawn for one clip: absent = not applied. `room` is an index into the room pool. */
export interface SpeechDraws {
  readonly talkerRateHz?: number;
  readonly formantShift?: number;
  readonly vtlpWarp?: number;
  readonly room?: number;
}

export interface MicDraws {
  readonly highPassHz: number;
  readonly lowPassHz: number;
  readonly mems?: { readonly lowCornerHz: number; readonly resonanceHz: number; readonly resonanceQ: number };
}

export interface AgcDraws {
  readonly targetDbfs: number;
  readonly maxGainDb: number;
  readonly attackMs: number;
  readonly releaseMs: number;
}

export type CodecDraws =
  { readonly kind: 'mulaw' | 'alaw' | 'telephone' } | { readonly kind: 'quantize'; readonly bits: number };

/** Channel effects drawn for one clip or stream: absent = not applied. */
export interface ChannelDraws {
  readonly mic?: MicDraws;
  readonly agc?: AgcDraws;
  readonly clipping?: { readonly kind: 'soft' | 'hard'; readonly depthDb: number };
  readonly codec?: CodecDraws;
}

/** The effects of one clip, bound to its generators (passed to makeSpeechClip / makeSilenceClip). */
export interface ClipAugment {
  speech(x: Float32Array, keepTail?: boolean): Float32Array;
  channel(x: Float32Array): Float32Array;
}

/** `split`: the clip's split (see KwsAugmenter.speech); absent for stream utterances. */
export function bindAugment(augmenter: KwsAugmenter, rng: EffectRng, split?: Split): ClipAugment {
  return {
    speech: (x, keepTail) => augmenter.speech(x, rng, keepTail, split),
    channel: (x) => augmenter.channel(x, rng),
  };
}
