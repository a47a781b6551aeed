// usage: node clips.js DISTDIR N — CPU per clip of the features stage's per-clip work (read + both front ends)
const D = process.argv[2],
  N = +process.argv[3] || 800;
const path = require('path'),
  crypto = require('crypto');
const X =
  (process.env.TINYOPS_EXTRACT ?? '.tinyops/extract') +
  '/9d9bb3389172adb105d98309e282899d1054a8bd1e845c00fd1d3ec704147b3c';
const { ClipFeatureExtractor, readClipPcm16 } = require(D + '/src/dsp/clip-features');
const { listKwsDataset } = require(D + '/src/dsp/dataset-listing');
const { mfccConfigSchema } = require(D + '/src/dsp/mfcc-config');
const clips = listKwsDataset(X).splits.train.slice(0, N);
const ex = new ClipFeatureExtractor(mfccConfigSchema.parse({ contract: 'q31-fast' }));
const h = crypto.createHash('sha256');
let err = 0;
for (const c of clips.slice(0, 100)) ex.extract(readClipPcm16(path.join(X, c.path), 16000));
const t0 = process.cpuUsage();
for (const c of clips) {
  const r = ex.extract(readClipPcm16(path.join(X, c.path), 16000));
  h.update(Buffer.from(r.features.buffer));
  err = Math.max(err, r.fixedVsFloatMaxAbsErr);
}
const c = process.cpuUsage(t0);
console.log(
  `${clips.length} clips ${((c.user + c.system) / clips.length / 1000).toFixed(2)} ms/clip digest ${h.digest('hex').slice(0, 16)} maxErr ${err}`,
);
