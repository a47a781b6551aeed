function floatToInt16(x) {
  if (Number.isNaN(x)) return 0;
  const v = x * 32768;
  const r = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}
const n = 960000;
const f = new Float32Array(n).map((_, i) => Math.sin(i * 0.01) * 0.5);
const which = process.argv[2];
function run() {
  if (which === 'from') return Int16Array.from(f, floatToInt16);
  const o = new Int16Array(f.length);
  for (let i = 0; i < f.length; i++) o[i] = floatToInt16(f[i]);
  return o;
}
run();
const t = process.cpuUsage();
for (let k = 0; k < 10; k++) run();
const c = process.cpuUsage(t);
console.log(which, ((c.user + c.system) / 10 / 1000).toFixed(1), 'ms per 60 s stream');
