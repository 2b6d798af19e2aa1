/**
 * Runs the listing benchmark alone:
 *   node bench/dist/listingCli.js [--tarballs N] [--requests N] [--dir DIR] [--json]
 */
import { parseArgs } from 'node:util';
import { benchListing } from './listing.js';

const { values } = parseArgs({
  options: {
    tarballs: { type: 'string', default: '50000' },
    requests: { type: 'string', default: '1000' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const r = await benchListing({
  tarballs: Number(values.tarballs),
  requests: Number(values.requests),
  dir: values.dir,
  log: values.json ? undefined : (line) => console.error(line),
});

if (values.json) {
  console.log(JSON.stringify(r, null, 2));
} else {
  console.log(`listing benchmark, ${r.tarballs} tarballs`);
  console.log(`  start to first answer   ${r.startMs.toFixed(0)} ms`);
  console.log(`  one-day listing         p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs.toFixed(2)} ms (${r.requests} requests, keep-alive)`);
  console.log(`  server RSS              ${(r.rssBeforeKb / 1024).toFixed(0)} MiB before, ${(r.rssAfterKb / 1024).toFixed(0)} MiB after the measured requests`);
  console.log(`  last catalog scan       ${r.lastScan}`);
}
