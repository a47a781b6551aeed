// usage: [TF_NUM_INTRAOP_THREADS=k] node tf.js DISTDIR BATCH STREAMS — CPU of predict over stream windows, digest of the posteriors
const D = process.argv[2],
  batch = +process.argv[3],
  nStreams = +process.argv[4] || 6;
const path = require('path'),
  fs = require('fs'),
  crypto = require('crypto');
const X = (process.env.TINYOPS_EXTRACT ?? '.tinyops/extract') + '/';
const { readModelDir, loadModelArtifacts } = require(D + '/src/nn/model-artifacts');
const { predict } = require(D + '/src/nn/predict');
const { readWav, floatsToInt16 } = require(D + '/src/audio/wav');
const { makeFixedMfcc } = require(D + '/src/dsp/fixed-mfcc');
const { mfccQ15ToFloat } = require(D + '/src/dsp/mfcc-q15');
const { mfccParams, mfccConfigSchema } = require(D + '/src/dsp/mfcc-config');
const { windowStarts } = require(D + '/src/eval/inference-stride');
(async () => {
  const params = mfccParams(mfccConfigSchema.parse({ contract: 'q31-fast' }));
  const model = await loadModelArtifacts(
    readModelDir(X + '601cc9b1b61818ab473dc75657450ac121d388f42ccf23675398d255d7979c58'),
  );
  const dir = X + '97e91dc1d1958600c8e850c8814d451fbb1bc9968717458c76f9316585b3ffc6';
  const index = JSON.parse(fs.readFileSync(dir + '/index.json'));
  const xs = [];
  for (const s of index.slice(0, nStreams)) {
    const frames = mfccQ15ToFloat(
      makeFixedMfcc(params).compute(floatsToInt16(readWav(path.join(dir, s.file)).samples)),
    );
    const starts = windowStarts(frames.length / 10, 49, 5);
    const x = new Float32Array(starts.length * 490);
    starts.forEach((w, i) => x.set(frames.subarray(w * 10, (w + 49) * 10), i * 490));
    xs.push(x);
  }
  await predict(model, xs[0].subarray(0, 490 * 64), [49, 10], batch); // warm-up
  const h = crypto.createHash('sha256');
  const t0 = process.cpuUsage(),
    w0 = Date.now();
  let n = 0;
  for (const x of xs) {
    const p = await predict(model, x, [49, 10], batch);
    h.update(Buffer.from(p.buffer));
    n += x.length / 490;
  }
  const c = process.cpuUsage(t0);
  console.log(
    `intra=${process.env.TF_NUM_INTRAOP_THREADS ?? '-'} inter=${process.env.TF_NUM_INTEROP_THREADS ?? '-'} batch=${batch} windows=${n} cpu=${((c.user + c.system) / 1e6).toFixed(2)}s (${((c.user + c.system) / n).toFixed(0)} µs/window) wall=${((Date.now() - w0) / 1000).toFixed(1)}s digest=${h.digest('hex').slice(0, 16)}`,
  );
})();
