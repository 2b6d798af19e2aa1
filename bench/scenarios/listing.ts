/**
 * Measure 5: listing latency (p50/p99 of one-day listings, the request a
 * puller makes) on a 50,000-tarball root, and the time from spawning the
 * server to its first answer. Each run is one call of the source server's
 * own listing benchmark (bench/listing.ts) on a root built once.
 */
import { join } from 'node:path';
import { benchListing } from '../listing.js';
import { Unavailable } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { formatMs, formatSeconds, type Row } from '../support/report.js';
import { absoluteRow, attempt, attempts } from '../support/rows.js';
import { median } from '../support/stats.js';

export const listingScenario: Scenario = {
  id: 5,
  title: 'listing latency and first answer on a large root',
  async run(ctx: BenchContext): Promise<Row[]> {
    const state = attempts();
    const first: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    let detail = '';
    for (let i = 0; i < ctx.runs && !state.why; i++) {
      ctx.log(`  run ${i + 1}/${ctx.runs}`);
      await attempt(state, async () => {
        const r = await benchListing({ tarballs: ctx.sizes.listing, requests: ctx.sizes.listingRequests, dir: join(ctx.work, 'listing'), log: (l) => ctx.log(`    ${l}`) })
          .catch((e: Error) => { throw new Unavailable(/not[ -]implemented/i.test(e.message) ? 'not available' : 'failed', `altbackup-source serve: ${e.message.split('\n')[0]}`); });
        first.push(r.startMs);
        p50.push(r.p50Ms);
        p99.push(r.p99Ms);
        detail = `max ${formatMs(r.maxMs)}, server RSS ${Math.round(r.rssBeforeKb / 1024)} -> ${Math.round(r.rssAfterKb / 1024)} MiB over the requests, last catalog scan ${r.lastScan}`;
      });
    }
    const n = ctx.sizes.listing.toLocaleString('en-US');
    const what = `GET /v1/tarballs?day=D&format=json, ${ctx.sizes.listingRequests} requests a run after a warm-up, one keep-alive connection; last run: ${detail}`;
    return [
      absoluteRow({
        id: 5, measure: `listing p50/p99 on ${n}-tarball root`, alt: state.why ?? p99, format: formatMs,
        display: `p50 ${formatMs(median(p50))}, p99 ${formatMs(median(p99))}`, target: 'p99 < 20 ms', ok: (v) => v < 20, note: what,
      }),
      absoluteRow({ id: 5, measure: `first answer after start, ${n} tarballs`, alt: state.why ?? first, format: formatSeconds, target: '< 5 s', ok: (v) => v < 5000 }),
    ];
  },
};
