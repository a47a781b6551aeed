import { applyAgc } from '../audio/augment/agc';
import { applyClipping } from '../audio/augment/clipping';
import { aLawRoundTrip, muLawRoundTrip, quantizeBits, telephoneRoundTrip } from '../audio/augment/codec';
import { ConvolutionKernel } from '../audio/augment/fft-convolve';
import { applyFormantShift } from '../audio/augment/formant-shift';
import { applyMemsResponse, bandLimit } from '../audio/augment/mic';
import { drawShoeboxRoom, imageSourceRir, wallAbsorption, type ShoeboxRoom } from '../audio/augment/room-ir';
import { applyVtlp } from '../audio/augment/vtlp';
import { StageInputError } from '../errors';
import type { Prng } from '../util/prng';
import type { AugmentConfig } from './augment-config';
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
    const c = this.config.room;
    if (!c) throw new Error('KwsAugmenter.room: no room block in the augment config');
    if (!r) {
      const room = drawShoeboxRoom(this.rngFor('augment-room', k), {
        dimsM: [c.sizeM.x, c.sizeM.y, c.sizeM.z],
        rt60Sec: c.rt60Sec,
        distanceM: c.distanceM,
      });
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
   * Formant shift, VTLP and room on speech `x`. Output has x's length, or with `keepTail`
   * x.length + the room's tail (streams keep the reverberation after a word).
   */
  speech(x: Float32Array, rng: EffectRng, keepTail = false): Float32Array {
    const c = this.config;
    const sr = this.sampleRate;
    let y = x;
    if (c.formant) {
      const r = rng('formant');
      if (r.next() < c.formant.probability) y = applyFormantShift(y, draw(r, c.formant.shift), sr);
    }
    if (c.vtlp) {
      const r = rng('vtlp');
      if (r.next() < c.vtlp.probability) y = applyVtlp(y, draw(r, c.vtlp.warp), sr);
    }
    if (c.room) {
      const r = rng('room');
      if (r.next() < c.room.probability) {
        const { kernel } = this.room(r.int(0, c.room.rooms - 1));
        y = kernel.apply(y, keepTail ? y.length + kernel.taps.length - 1 : y.length);
      }
    }
    return y;
  }

  /** Mic (band limits, MEMS), AGC, clipping and codec on the mix `x`; same length. */
  channel(x: Float32Array, rng: EffectRng): Float32Array {
    const c = this.config;
    const sr = this.sampleRate;
    let y = x;
    if (c.mic) {
      const r = rng('mic');
      if (r.next() < c.mic.probability) {
        y = bandLimit(y, { highPassHz: draw(r, c.mic.highPassHz), lowPassHz: draw(r, c.mic.lowPassHz) }, sr);
        if (r.next() < c.mic.memsProbability) {
          y = applyMemsResponse(
            y,
            {
              lowCornerHz: draw(r, c.mic.memsLowCornerHz),
              resonanceHz: draw(r, c.mic.memsResonanceHz),
              resonanceQ: draw(r, c.mic.memsQ),
            },
            sr,
          );
        }
      }
    }
    if (c.agc) {
      const r = rng('agc');
      if (r.next() < c.agc.probability) {
        y = applyAgc(
          y,
          {
            targetDbfs: draw(r, c.agc.targetDbfs),
            maxGainDb: draw(r, c.agc.maxGainDb),
            attackMs: draw(r, c.agc.attackMs),
            releaseMs: draw(r, c.agc.releaseMs),
          },
          sr,
        );
      }
    }
    if (c.clipping) {
      const r = rng('clipping');
      if (r.next() < c.clipping.probability) {
        const depth = draw(r, c.clipping.depthDb);
        y = applyClipping(y, r.next() < c.clipping.softFraction ? 'soft' : 'hard', depth);
      }
    }
    if (c.codec) {
      const r = rng('codec');
      if (r.next() < c.codec.probability) {
        const w = c.codec.weights;
        const kind = (['mulaw', 'alaw', 'telephone', 'quantize'] as const)[
          pickWeighted([w.mulaw, w.alaw, w.telephone, w.quantize], r)
        ]!;
        if (kind === 'mulaw') y = muLawRoundTrip(y);
        else if (kind === 'alaw') y = aLawRoundTrip(y);
        else if (kind === 'telephone') y = telephoneRoundTrip(y, sr);
        else y = quantizeBits(y, r.int(c.codec.bits[0], c.codec.bits[1]));
      }
    }
    return y === x ? Float32Array.from(x) : y;
  }
}

/** The effects of one clip, bound to its generators (passed to makeSpeechClip / makeSilenceClip). */
export interface ClipAugment {
  speech(x: Float32Array, keepTail?: boolean): Float32Array;
  channel(x: Float32Array): Float32Array;
}

export function bindAugment(augmenter: KwsAugmenter, rng: EffectRng): ClipAugment {
  return {
    speech: (x, keepTail) => augmenter.speech(x, rng, keepTail),
    channel: (x) => augmenter.channel(x, rng),
  };
}
