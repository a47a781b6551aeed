import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeExtent } from '../audio/activity';
import { resample } from '../audio/resample';
import { decodeWav, encodeWav16 } from '../audio/wav';
import type { SourcesFile } from '../eval/clip-sources';

/**
 * Real human speech for *measurement only* (docs/real-speech.md): recordings shipped inside
 * registry packages, fetched by scripts/setup.sh into `<cache>/real-speech/pkg/<package>/`,
 * turned into a Speech Commands-layout folder that `import-audio` reads:
 *
 *   <label>/<speaker>_nohash_<n>.wav   16 kHz mono PCM16, exactly 1 s, the word centred
 *   sources.json                        clip-source contract: one engine per package (family
 *                                       "human", role "held-out"), voice = speaker, heldOut "engine"
 *   README.md                           what came from where, under which licence
 *
 * The packages (what each ships was checked by hand; docs/real-speech.md):
 *   asterisk-core-sounds-en-wav (Debian)  digits 0–9 spoken by Allison Smith, 8 kHz PCM16 WAV
 *   saytime (Debian)                      digits 0–9 by David C Dawson, headerless 8 kHz μ-law `.au`
 *   tfmicro 0.1.0 (crates.io)             TFLM micro_speech's 1 s "yes" and "no" samples from the
 *                                         Speech Commands data set, raw 16 kHz s16le
 * Words are centred on their active extent (src/audio/activity.ts) in the 1 s window, as the
 * training clips are. The 8 kHz recordings are band-limited to 4 kHz, the default MFCC front
 * end's upper mel edge (highHz), so the model sees nearly its whole band (docs/real-speech.md).
 */

export const REAL_SPEECH_VERSION = 1;
const RATE = 16000;
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

type Decoder = 'wav' | 'mulaw-8k' | 's16le-16k';

interface PackageClip {
  readonly label: string;
  readonly speaker: string;
  readonly path: string;
  readonly decoder: Decoder;
}

interface PackageSource {
  /** Engine name in sources.json. */
  readonly engine: string;
  readonly pkg: string;
  readonly registry: string;
  readonly licence: string;
  readonly what: string;
  /** Files found under the package's extracted root, or [] when it is not there. */
  find(root: string): PackageClip[];
}

/** The first directory under `root` (depth-first, sorted) that has `rel` inside it. */
function findDirWith(root: string, rel: string, depth = 8): string | undefined {
  if (existsSync(join(root, rel))) return root;
  if (depth === 0 || !existsSync(root)) return undefined;
  for (const d of readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()) {
    const hit = findDirWith(join(root, d), rel, depth - 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

export const PACKAGE_SOURCES: readonly PackageSource[] = [
  {
    engine: 'asterisk-allison',
    pkg: 'asterisk-core-sounds-en-wav',
    registry: 'Debian',
    licence: 'CC-BY-SA-3.0',
    what: 'Asterisk PBX prompts, US English, Allison Smith; digits/0.wav … digits/9.wav (8 kHz PCM16)',
    find: (root) => {
      const dir = findDirWith(root, join('digits', '0.wav'));
      return dir === undefined
        ? []
        : DIGITS.map((label, d) => ({
            label,
            speaker: 'allison',
            path: join(dir, 'digits', `${d}.wav`),
            decoder: 'wav' as const,
          }));
    },
  },
  {
    engine: 'saytime-dawson',
    pkg: 'saytime',
    registry: 'Debian',
    licence: 'GPL (version not stated; sound files (c) 2004 David C Dawson, per the package copyright)',
    what: 'talking clock voice, David C Dawson; 0.au … 9.au (headerless 8 kHz μ-law)',
    find: (root) => {
      const dir = findDirWith(root, '0.au');
      return dir === undefined
        ? []
        : DIGITS.map((label, d) => ({
            label,
            speaker: 'dawson',
            path: join(dir, `${d}.au`),
            decoder: 'mulaw-8k' as const,
          }));
    },
  },
  {
    engine: 'speech-commands-tfmicro',
    pkg: 'tfmicro',
    registry: 'crates.io',
    licence: 'CC-BY-4.0 (Speech Commands clips; the crate is MIT/Apache-2.0)',
    what: 'TFLM micro_speech example audio from the Speech Commands data set: yes_1000ms_sample.data, no_1000ms_sample.data (16 kHz s16le)',
    find: (root) => {
      const dir = findDirWith(root, 'yes_1000ms_sample.data');
      if (dir === undefined) return [];
      // Two Speech Commands speakers whose ids the example does not keep.
      return (['yes', 'no'] as const).map((label) => ({
        label,
        speaker: `sc-${label}`,
        path: join(dir, `${label}_1000ms_sample.data`),
        decoder: 's16le-16k' as const,
      }));
    },
  },
];

/** ITU-T G.711 μ-law byte → linear sample in [−1, 1) (the decoder's 14-bit range over 2^15). */
export function muLawToFloat(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return ((u & 0x80) !== 0 ? 0x84 - t : t - 0x84) / 32768;
}

/** Samples of a file at 16 kHz, mono. */
export function decodeClip(path: string, decoder: Decoder): Float32Array {
  const buf = readFileSync(path);
  if (decoder === 'mulaw-8k') return resample(Float32Array.from(buf, muLawToFloat), 8000, RATE);
  if (decoder === 's16le-16k') {
    const out = new Float32Array(buf.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(2 * i) / 32768;
    return out;
  }
  const wav = decodeWav(buf, path);
  return wav.sampleRate === RATE ? wav.samples : resample(wav.samples, wav.sampleRate, RATE);
}

/** The active part of `x`, centred in exactly `n` samples (cut evenly when longer). */
export function centreInWindow(x: Float32Array, n: number): Float32Array {
  const ext = activeExtent(x) ?? { start: 0, end: x.length };
  let { start, end } = ext;
  if (end - start > n) {
    const cut = end - start - n;
    start += cut >> 1;
    end = start + n;
  }
  const out = new Float32Array(n);
  out.set(x.subarray(start, end), (n - (end - start)) >> 1);
  return out;
}

export interface BuiltFolder {
  readonly clips: number;
  readonly perLabel: Readonly<Record<string, number>>;
  readonly speakers: readonly string[];
  /** Packages not found under the packages folder (skipped). */
  readonly missing: readonly string[];
}

/**
 * Build the folder from `pkgRoot/<package>/` (each an extracted package, optional file
 * VERSION with its version). `outDir` is replaced. Throws if no package is there.
 */
export function buildRealSpeechFolder(pkgRoot: string, outDir: string): BuiltFolder {
  const found = PACKAGE_SOURCES.map((s) => ({
    s,
    clips: s.find(join(pkgRoot, s.pkg)).filter((c) => existsSync(c.path)),
  }));
  const usable = found.filter((f) => f.clips.length > 0);
  if (usable.length === 0)
    throw new Error(
      `no real-speech package under ${pkgRoot} (expected ${PACKAGE_SOURCES.map((s) => s.pkg).join(', ')}; run bash scripts/setup.sh)`,
    );
  rmSync(outDir, { recursive: true, force: true });
  const sources: SourcesFile = { format: 1, engines: {}, clips: {} };
  const perLabel: Record<string, number> = {};
  const readme: string[] = [
    '# Real human speech (measurement only, never training)',
    '',
    `Built by src/realspeech/real-speech-folder.ts version ${REAL_SPEECH_VERSION}; see docs/real-speech.md.`,
    '',
  ];
  for (const { s, clips } of usable) {
    const versionFile = join(pkgRoot, s.pkg, 'VERSION');
    const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : 'unknown';
    sources.engines[s.engine] = {
      version: `${s.pkg} ${version} (${s.registry})`,
      licence: s.licence,
      family: 'human',
      role: 'held-out',
    };
    readme.push(
      `- ${s.engine}: ${s.registry} package \`${s.pkg}\` ${version}, ${s.licence}. ${s.what}. ${clips.length} clips.`,
    );
    for (const c of clips) {
      const samples = centreInWindow(decodeClip(c.path, c.decoder), RATE);
      const rel = `${c.label}/${c.speaker}_nohash_0.wav`;
      mkdirSync(join(outDir, c.label), { recursive: true });
      writeFileSync(join(outDir, rel), encodeWav16(samples, RATE));
      sources.clips[rel] = { engine: s.engine, voice: c.speaker, heldOut: 'engine' };
      perLabel[c.label] = (perLabel[c.label] ?? 0) + 1;
    }
  }
  const sorted: SourcesFile = {
    format: 1,
    engines: Object.fromEntries(
      Object.keys(sources.engines)
        .sort()
        .map((k) => [k, sources.engines[k]!]),
    ),
    clips: Object.fromEntries(
      Object.keys(sources.clips)
        .sort()
        .map((k) => [k, sources.clips[k]!]),
    ),
  };
  writeFileSync(join(outDir, 'sources.json'), JSON.stringify(sorted, null, 2) + '\n');
  writeFileSync(join(outDir, 'README.md'), readme.join('\n') + '\n');
  const clips = Object.keys(sorted.clips).length;
  return {
    clips,
    perLabel,
    speakers: [...new Set(Object.values(sorted.clips).map((c) => c.voice))].sort(),
    missing: found.filter((f) => f.clips.length === 0).map((f) => f.s.pkg),
  };
}

if (require.main === module) {
  const [pkgRoot, outDir] = process.argv.slice(2);
  if (pkgRoot === undefined || outDir === undefined) {
    process.stderr.write('usage: node dist/src/realspeech/real-speech-folder.js PACKAGES_DIR OUT_DIR\n');
    process.exitCode = 2;
  } else {
    const r = buildRealSpeechFolder(pkgRoot, outDir);
    process.stdout.write(
      `real speech: ${r.clips} clips (${Object.entries(r.perLabel)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ')}), speakers ${r.speakers.join(', ')}` +
        (r.missing.length > 0 ? `; not found: ${r.missing.join(', ')}` : '') +
        '\n',
    );
  }
}
