const POW = 2 ** -32;
const which = process.argv[2];
function oldHi(a, w) {
  const wh = Math.floor(w / 65536);
  return Math.floor((a * wh + Math.floor((a * (w - wh * 65536)) / 65536)) / 65536);
}
function newHi(a, w) {
  return Math.round((a * w - (Math.imul(a, w) >>> 0)) * POW);
}
function intHi(a, w) {
  const al = a & 0xffff,
    ah = a >> 16,
    wl = w & 0xffff,
    wh = w >> 16;
  const t = ah * wl + ((al * wl) >>> 16);
  const u = al * wh + (t & 0xffff);
  return ah * wh + Math.floor(t / 65536) + Math.floor(u / 65536);
}
function flHi(a, w) {
  const p = a * w;
  const h = Math.floor(p * POW); // candidate, correct via low word
  return h;
}
const f = { old: oldHi, new: newHi, int: intHi, fl: flHi }[which];
const r = () => (Math.random() * 2 ** 32) | 0;
const N = 1 << 16;
const A = new Int32Array(N).map(r),
  W = new Int32Array(N).map(r);
function loop() {
  let s = 0;
  for (let i = 0; i < N; i++) s += f(A[i], W[i]);
  return s;
}
for (let k = 0; k < 50; k++) loop();
const t0 = process.cpuUsage();
let s = 0;
for (let k = 0; k < 1000; k++) s += loop();
const c = process.cpuUsage(t0);
console.log(which, (((c.user + c.system) / 1e3 / (1000 * N)) * 1e6).toFixed(2), 'ns/call');
