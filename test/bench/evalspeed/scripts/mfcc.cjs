// usage: node mfcc.js DISTDIR  — CPU per frame of the q31 front end and its FFT on a 60 s synthetic signal
const D = process.argv[2];
const { MfccQ31 } = require(D + '/src/dsp/mfcc-q31');
const { RealFftQ31 } = require(D + '/src/dsp/fft-q31');
const { mfccParams, mfccConfigSchema } = require(D + '/src/dsp/mfcc-config');
const crypto = require('crypto');
const params = mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' }));
let seed = 1;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const n = 16000 * 60;
const x = new Int16Array(n);
for (let i = 0; i < n; i++) {
  const env = 0.5 + 0.5 * Math.sin(i / 3000);
  x[i] = Math.round(
    Math.max(
      -32768,
      Math.min(32767, env * (8000 * Math.sin(i * 0.07) + 3000 * (rnd() - 0.5)) * (i % 50000 < 40000 ? 1 : 0.001)),
    ),
  );
}
const fe = new MfccQ31(params);
let out;
for (let k = 0; k < 1; k++) out = fe.compute(x);
const t0 = process.cpuUsage();
for (let k = 0; k < 3; k++) out = fe.compute(x);
const c = process.cpuUsage(t0);
const frames = out.length / params.coefficients;
console.log(
  'mfcc',
  ((c.user + c.system) / 3 / frames).toFixed(2),
  'µs/frame',
  crypto.createHash('sha256').update(Buffer.from(out.buffer)).digest('hex').slice(0, 16),
);
const fft = new RealFftQ31(1024);
const v = new Int32Array(640);
for (let i = 0; i < 640; i++) v[i] = Math.round((rnd() - 0.5) * 2 ** 29);
const re = new Int32Array(513),
  im = new Int32Array(513);
for (let k = 0; k < 2000; k++) fft.transform(v, re, im);
const t1 = process.cpuUsage();
for (let k = 0; k < 20000; k++) fft.transform(v, re, im);
const c1 = process.cpuUsage(t1);
console.log(
  'fft',
  ((c1.user + c1.system) / 20000).toFixed(2),
  'µs/transform',
  crypto.createHash('sha256').update(Buffer.from(re.buffer)).update(Buffer.from(im.buffer)).digest('hex').slice(0, 16),
);
