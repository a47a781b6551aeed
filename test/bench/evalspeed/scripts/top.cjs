const fs = require('fs');
const f = process.argv[2];
const p = JSON.parse(fs.readFileSync(f));
const self = new Map();
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = p.timeDeltas;
const cnt = new Map();
p.samples.forEach((s, i) => cnt.set(s, (cnt.get(s) || 0) + (dt[i] || 0)));
for (const [id, t] of cnt) {
  const n = byId.get(id);
  const k =
    n.callFrame.functionName + ' ' + n.callFrame.url.split('/').slice(-2).join('/') + ':' + n.callFrame.lineNumber;
  self.set(k, (self.get(k) || 0) + t);
}
const tot = [...self.values()].reduce((a, b) => a + b, 0);
console.log('total', (tot / 1e6).toFixed(1), 's');
[...self.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, +process.argv[3] || 25)
  .forEach(([k, t]) => console.log((t / 1e6).toFixed(2).padStart(8), k));
