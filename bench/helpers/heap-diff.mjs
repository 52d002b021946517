// Compares two V8 heap snapshots (.heapsnapshot, e.g. the soak's at minutes 5 and 25): self size and count per
// constructor (objects), per type otherwise (strings, arrays, code...), sorted by growth. What grows between two
// snapshots of a settled process is what it keeps per request or per second.
//   node bench/helpers/heap-diff.mjs early.heapsnapshot late.heapsnapshot [rows]
import { readFileSync } from 'node:fs';

function summarise(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const stride = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const types = meta.node_types[iType];
  const groups = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + iType]];
    const key = type === 'object' || type === 'closure' ? `${type} ${snap.strings[nodes[i + iName]]}` : `(${type})`;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[i + iSize];
    groups.set(key, g);
  }
  return groups;
}

const [a, b, rows = '30'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/helpers/heap-diff.mjs early.heapsnapshot late.heapsnapshot [rows]');
  process.exit(2);
}
const early = summarise(a);
const late = summarise(b);
const total = (m) => [...m.values()].reduce((s, g) => s + g.size, 0);
const mb = (x) => (x / 1048576).toFixed(2);
console.log(`self size: ${mb(total(early))} MB -> ${mb(total(late))} MB`);
const keys = new Set([...early.keys(), ...late.keys()]);
const diff = [...keys].map((k) => {
  const e = early.get(k) ?? { count: 0, size: 0 };
  const l = late.get(k) ?? { count: 0, size: 0 };
  return { k, dSize: l.size - e.size, dCount: l.count - e.count, size: l.size, count: l.count };
});
diff.sort((x, y) => y.dSize - x.dSize);
console.log('| growth MB | growth count | late MB | late count | what |\n|--:|--:|--:|--:|---|');
for (const d of diff.slice(0, Number(rows))) console.log(`| ${mb(d.dSize)} | ${d.dCount} | ${mb(d.size)} | ${d.count} | ${d.k} |`);
