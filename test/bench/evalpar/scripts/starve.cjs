// usage: node starve.cjs DISTDIR BLOCK_MS [SHA256] — a stage's fetchDir of a directory artifact
// (store object → temp tar with its digest checked → extraction), timed alone (BLOCK_MS 0) or while
// the main thread is busy in BLOCK_MS slices with one event-loop turn between them, as when a
// train stage's TensorFlow steps share the worker's thread (train-4bit beside evaluate).
// Default artifact: the streams (115.5 MB) of the default run 20261205-045125-7a837d. With a DISTDIR that
// has src/store/fetch-off-thread.js both steps run in one worker thread, as activities/stage-context.ts does.
const D = require('path').resolve(process.argv[2]);
const blockMs = Number(process.argv[3] ?? 0);
const sha = process.argv[4] ?? '5766e81d8d2d575b05667c16bde7d0f46e760f3acd077348cfb098c2c71d710c';
const fs = require('fs'),
  os = require('os'),
  path = require('path');
const { LocalStore } = require(D + '/src/store/local-store');
const { unpackTar } = require(D + '/src/store/tar');
const store = new LocalStore('/work/main/.tinyops/store');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'starve-'));
let done = false;
let slices = 0;
async function blocker() {
  while (!done && blockMs > 0) {
    const until = Date.now() + blockMs;
    while (Date.now() < until);
    slices++;
    await new Promise((r) => setImmediate(r));
  }
}
(async () => {
  const b = blocker();
  const t0 = Date.now();
  let t1 = t0;
  const tar = path.join(tmp, 'a.tar');
  if (fs.existsSync(D + '/src/store/fetch-off-thread.js')) {
    const { fetchOffThread } = require(D + '/src/store/fetch-off-thread');
    await fetchOffThread({
      store: { location: store.location, sha256: sha, file: tar },
      unpack: { tar, dir: path.join(tmp, 'x') },
    });
  } else {
    await store.getToFile(sha, tar);
    t1 = Date.now();
    await unpackTar(tar, path.join(tmp, 'x'));
  }
  const t2 = Date.now();
  done = true;
  await b;
  console.log(
    JSON.stringify({
      dist: path.basename(D),
      blockMs,
      getToFileSec: (t1 - t0) / 1000,
      unpackSec: (t2 - t1) / 1000,
      totalSec: (t2 - t0) / 1000,
      slices,
      files: fs.existsSync(path.join(tmp, 'x')) ? fs.readdirSync(path.join(tmp, 'x')).length : 0,
    }),
  );
  fs.rmSync(tmp, { recursive: true, force: true });
})();
