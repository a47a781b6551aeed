import type { Extent } from '../audio/activity';

/**
 * Where the word is in a *recording*. src/audio/activity.ts finds the extent of a clean TTS
 * render by a threshold relative to the peak sample, which assumes digital silence around
 * the word; a microphone recording has a noise floor (room, hiss, hum) that can sit within
 * 40 dB of the peak, so that rule would call the whole clip active. Here the threshold also
 * respects the recording's own floor:
 *
 *   e_f   = RMS level (dB) of 10 ms frame f
 *   floor = 10th percentile of e_f over frames that are not digital silence (a 1 s Speech
 *           Commands clip is mostly pause, so this is the room, not the word)
 *   thr   = max(max_f e_f − belowPeakDb, floor + floorMarginDb)
 *   extent = first to last frame with e_f ≥ thr, widened by padMs each side (a fricative
 *           onset such as /s/ in "stop" is weak; the pad keeps it)
 *
 * A recording is *silent* (no extent) when it is all zeros or no frame rises
 * floorMarginDb above the floor (stationary noise only). Zero-padded tails (import-audio
 * pads short clips) are left out of the floor estimate, so they neither hide the floor nor
 * count as speech.
 */

export interface RecordingExtentOptions {
  readonly floorMarginDb: number;
  readonly belowPeakDb: number;
  readonly padMs: number;
  /** Frame length; 10 ms resolves word edges well below the 20 ms feature stride. */
  readonly frameMs?: number;
}

export interface RecordingActivity {
  /** Undefined when the recording is silent (see the module comment). */
  readonly extent: Extent | undefined;
  /** Loudest frame and noise floor, dBFS (−Infinity for digital silence); for messages. */
  readonly peakDb: number;
  readonly floorDb: number;
}

/** Active extent of a recording at `sampleRate`; pure, deterministic. */
export function recordingActivity(x: Float32Array, sampleRate: number, o: RecordingExtentOptions): RecordingActivity {
  const frame = Math.max(1, Math.round(((o.frameMs ?? 10) / 1000) * sampleRate));
  const frames = Math.ceil(x.length / frame);
  const levels = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const start = f * frame;
    const end = Math.min(x.length, start + frame);
    let s = 0;
    for (let i = start; i < end; i++) s += x[i]! * x[i]!;
    levels[f] = 10 * Math.log10(s / (end - start));
  }
  let peakDb = -Infinity;
  for (const l of levels) if (l > peakDb) peakDb = l;
  const audible = [...levels].filter((l) => l > -Infinity).sort((a, b) => a - b);
  if (audible.length === 0) return { extent: undefined, peakDb, floorDb: -Infinity };
  const floorDb = audible[Math.floor(0.1 * (audible.length - 1))]!;
  if (peakDb - floorDb < o.floorMarginDb || audible.length === 1) {
    // One audible frame has no floor to compare with; a lone click is not a word either.
    return { extent: undefined, peakDb, floorDb };
  }
  const thr = Math.max(peakDb - o.belowPeakDb, floorDb + o.floorMarginDb);
  let first = 0;
  while (levels[first]! < thr) first++;
  let last = frames - 1;
  while (levels[last]! < thr) last--;
  const pad = Math.round((o.padMs / 1000) * sampleRate);
  return {
    extent: { start: Math.max(0, first * frame - pad), end: Math.min(x.length, (last + 1) * frame + pad) },
    peakDb,
    floorDb,
  };
}
