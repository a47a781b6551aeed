// usage: node streams.js DISTDIR — CPU of evaluate's stream front end (read WAV → PCM16 → q31 MFCC → float) over all 90 streams
const D = process.argv[2];
const path = require('path'),
  fs = require('fs'),
  crypto = require('crypto');
const X = (process.env.TINYOPS_EXTRACT ?? '.tinyops/extract') + '/';
const wav = require(D + '/src/audio/wav');
const { makeFixedMfcc } = require(D + '/src/dsp/fixed-mfcc');
const { mfccQ15ToFloat } = require(D + '/src/dsp/mfcc-q15');
const { mfccParams, mfccConfigSchema } = require(D + '/src/dsp/mfcc-config');
const params = mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' }));
const toPcm = wav.floatsToInt16 ?? ((s) => Int16Array.from(s, (v) => wav.floatToInt16(v))); // the old evaluate.ts line
const h = crypto.createHash('sha256');
const t0 = process.cpuUsage();
let frames = 0;
for (const d of [
  '97e91dc1d1958600c8e850c8814d451fbb1bc9968717458c76f9316585b3ffc6',
  '1301da876565513ea41661a1309a1426429a8163c55018a4911563447ac0100e',
]) {
  const index = JSON.parse(fs.readFileSync(X + d + '/index.json'));
  for (const s of index) {
    const out = mfccQ15ToFloat(makeFixedMfcc(params).compute(toPcm(wav.readWav(path.join(X + d, s.file)).samples)));
    frames += out.length / 10;
    h.update(Buffer.from(out.buffer));
  }
}
const c = process.cpuUsage(t0);
console.log(
  `${path.basename(D)}: ${frames} frames, cpu ${((c.user + c.system) / 1e6).toFixed(1)} s (user ${(c.user / 1e6).toFixed(1)}, sys ${(c.system / 1e6).toFixed(1)}), ${((c.user + c.system) / frames).toFixed(1)} µs/frame, digest ${h.digest('hex').slice(0, 16)}`,
);
