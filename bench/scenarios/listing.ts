/**
 * Measure 5: listing latency (p50/p99 over many day listings, the request a
 * puller makes) on a large root, and the time from starting the server to
 * its first complete answer.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAltSource, Unavailable } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { nowMs } from '../support/exec.js';
import { makeListingTree, type ListingTree } from '../support/listingTree.js';
import { formatMs, formatSeconds, type Row } from '../support/report.js';
import { absoluteRow, attempt } from '../support/rows.js';
import { median, percentile } from '../support/stats.js';

/** Entries in a JSON listing answer, whatever the envelope: an array, or the first array property. */
export function countListed(body: unknown): number | null {
  if (Array.isArray(body)) return body.length;
  if (body && typeof body === 'object') {
    const obj = body as Record<string, unknown>;
    for (const key of ['tarballs', 'complete', 'items', 'entries']) if (Array.isArray(obj[key])) return (obj[key] as unknown[]).length;
    for (const v of Object.values(obj)) if (Array.isArray(v)) return v.length;
  }
  return null;
}

function listUrl(base: string, day: string): string {
  return `${base}/v1/tarballs?day=${encodeURIComponent(day)}&format=json`;
}

/** Answers complete for the day, or why not (a partial catalog still scanning is not an answer). */
async function listDay(base: string, day: string, perDay: number): Promise<string | null> {
  const res = await fetch(listUrl(base, day), { headers: { accept: 'application/json' } });
  const text = await res.text();
  if (res.status !== 200) return `HTTP ${res.status}`;
  const n = countListed(JSON.parse(text));
  return n === null || n === perDay ? null : `${n} of ${perDay} tarballs listed`;
}

interface RoundResult { firstMs: number; p50: number; p99: number }

async function oneRound(ctx: BenchContext, tree: ListingTree, requests: number, seed: number): Promise<RoundResult> {
  const t0 = nowMs();
  const server = await startAltSource(tree.root);
  const stop = ctx.cleanup.add('altbackup-source (5)', () => server.stop().then(() => {}));
  try {
    let why: string | null = 'no answer yet';
    while (why !== null) {
      if (nowMs() - t0 > 120_000) throw new Unavailable('failed', `no complete listing within 120 s of start: ${why}`);
      try {
        why = await listDay(server.url, tree.days[0]!, tree.perDay);
      } catch (e) {
        why = (e as Error).message;
      }
      if (why !== null) await sleep(20);
    }
    const firstMs = nowMs() - t0;
    const lat: number[] = [];
    let x = seed;
    for (let i = 0; i < requests; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const day = tree.days[x % tree.days.length]!;
      const s = nowMs();
      const bad = await listDay(server.url, day, tree.perDay);
      lat.push(nowMs() - s);
      if (bad) throw new Unavailable('failed', `listing ${day}: ${bad}`);
    }
    return { firstMs, p50: percentile(lat, 50), p99: percentile(lat, 99) };
  } finally {
    await stop();
  }
}

export const listingScenario: Scenario = {
  id: 5,
  title: 'listing latency and first answer on a large root',
  async run(ctx: BenchContext): Promise<Row[]> {
    const t0 = Date.now();
    const tree = makeListingTree(join(ctx.work, 'listing'), ctx.sizes.listing);
    ctx.log(`generated ${tree.total} tarballs over ${tree.days.length} days in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const state: { why: Unavailable | null } = { why: null };
    const first: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (let i = 0; i < ctx.runs && !state.why; i++) {
      ctx.log(`  run ${i + 1}/${ctx.runs}`);
      const r = await attempt(state, () => oneRound(ctx, tree, ctx.sizes.listingRequests, i + 1));
      if (r) {
        first.push(r.firstMs);
        p50.push(r.p50);
        p99.push(r.p99);
      }
    }
    const n = tree.total.toLocaleString('en-US');
    const what = `GET /v1/tarballs?day=D&format=json (${tree.perDay} per day), ${ctx.sizes.listingRequests} requests a run, keep-alive`;
    return [
      absoluteRow({
        id: 5, measure: `listing p50/p99 on ${n}-tarball root`, alt: state.why ?? p99, format: formatMs,
        display: `p50 ${formatMs(median(p50))}, p99 ${formatMs(median(p99))}`, target: 'p99 < 20 ms', ok: (v) => v < 20, note: what,
      }),
      absoluteRow({ id: 5, measure: `first complete answer after start, ${n} tarballs`, alt: state.why ?? first, format: formatSeconds, target: '< 5 s', ok: (v) => v < 5000 }),
    ];
  },
};
