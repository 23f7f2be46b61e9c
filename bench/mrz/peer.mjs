// Peer measurement for bench/mrz: the npm package `mrz` (latest) parses the
// same corpus. Splitting into lines happens before timing, as in the C side.
// Prints "docs N valid V seconds S docs_per_s R" (best of 5 passes).
import { readFileSync } from 'node:fs';
import { parse } from 'mrz';

const docs = readFileSync(process.argv[2], 'utf8').split('\n')
  .filter((l) => l.length > 0).map((l) => l.split('|'));
let best = Infinity;
let valid = 0;
for (let pass = 0; pass < 5; pass++) {
  let v = 0;
  const t0 = process.hrtime.bigint();
  for (const lines of docs) {
    try {
      if (parse(lines).valid) v++;
    } catch (e) { /* counted as invalid */ }
  }
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (t < best) best = t;
  valid = v;
}
console.log(`docs ${docs.length} valid ${valid} seconds ${best.toFixed(4)} docs_per_s ${(docs.length / best).toFixed(0)}`);
