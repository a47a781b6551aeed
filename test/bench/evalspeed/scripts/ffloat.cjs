const D = process.argv[2];
const { RealFft } = require(D + '/src/dsp/fft');
const { computeMfcc, prepareMfcc } = require(D + '/src/dsp/mfcc');
const { mfccParams, mfccConfigSchema } = require(D + '/src/dsp/mfcc-config');
const crypto = require('crypto');
const f = new RealFft(1024);
const x = new Float64Array(640).map((_, i) => Math.sin(i * 0.3) * 0.4 + Math.cos(i * 0.011));
const re = new Float64Array(513),
  im = new Float64Array(513);
for (let k = 0; k < 3000; k++) f.transform(x, re, im);
const t = process.cpuUsage();
for (let k = 0; k < 20000; k++) f.transform(x, re, im);
const c = process.cpuUsage(t);
console.log(
  'float fft',
  ((c.user + c.system) / 20000).toFixed(2),
  'µs',
  crypto.createHash('sha256').update(Buffer.from(re.buffer)).update(Buffer.from(im.buffer)).digest('hex').slice(0, 16),
);
const plan = prepareMfcc(mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' })));
const s = new Float64Array(16000).map((_, i) => Math.sin(i * 0.07) * 0.3);
for (let k = 0; k < 100; k++) computeMfcc(plan, s);
const t2 = process.cpuUsage();
let o;
for (let k = 0; k < 500; k++) o = computeMfcc(plan, s);
const c2 = process.cpuUsage(t2);
console.log(
  'float mfcc',
  ((c2.user + c2.system) / 500 / 49).toFixed(2),
  'µs/frame',
  crypto.createHash('sha256').update(Buffer.from(o.buffer)).digest('hex').slice(0, 16),
);
