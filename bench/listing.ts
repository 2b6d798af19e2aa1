/**
 * Listing benchmark (issue 3): a synthetic root of 50,000 tarballs (ten
 * subfolds, ~14 years of days), the real `altbackup-source serve` process,
 * the time from spawn to the first listing answer, then one-day listings over
 * one keep-alive connection, reported as p50/p99. The server's resident
 * memory before and after the measured requests shows whether it grows per
 * request.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import { tempDir } from '@altbackup/shared/testing';
import { startSource, type RunningServer } from '#test/support/processes.js';
import { percentile } from './support/stats.js';
import { makeSyntheticRoot } from './support/syntheticRoot.js';

const SETTLE_MS = 3000;

export interface BenchListingOptions {
  /** Tarballs in the synthetic root (default 50,000). */
  tarballs?: number;
  /** Measured one-day listing requests (default 1000). */
  requests?: number;
  /** Unmeasured requests first, so the figures are for a warm server (default 200). */
  warmup?: number;
  /** Build (or reuse) the root here and keep it; default: a temp folder removed afterwards. */
  dir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface BenchListingResult {
  tarballs: number;
  /** Spawn of `serve` to the first listing answer. */
  startMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Server resident memory after warm-up and after the measured requests. */
  rssBeforeKb: number;
  rssAfterKb: number;
  /** Building the synthetic root (0 when reused). */
  buildMs: number;
  /** The server's last catalog scan, from /metrics. */
  lastScan: string;
}

async function rssKb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export async function benchListing(opts: BenchListingOptions = {}): Promise<BenchListingResult> {
  const n = opts.tarballs ?? 50_000;
  const requests = opts.requests ?? 1000;
  const warmup = opts.warmup ?? 200;
  const log = opts.log ?? (() => undefined);
  const dir = opts.dir ?? tempDir('bench-listing');
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  let server: RunningServer | undefined;
  let client: Client | undefined;
  try {
    log(`building a synthetic root of ${n} tarballs in ${dir}`);
    const built = performance.now();
    const root = makeSyntheticRoot(join(dir, 'root'), n, today);
    const buildMs = performance.now() - built;
    log(`root ready in ${(buildMs / 1000).toFixed(1)} s (${root.days.length} days); starting the server`);

    const t0 = performance.now();
    server = await startSource(['--root', root.root, '--timezone', 'UTC', '--log-level', 'warn']);
    const pid = server.child.pid!;
    client = new Client(server.url, { pipelining: 1, keepAliveTimeout: 60_000 });
    const ask = async (day: string) => {
      const r = await client!.request({ path: `/v1/tarballs?day=${day}&format=json`, method: 'GET' });
      const body = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`listing of ${day} answered ${r.statusCode}: ${body.slice(0, 200)}`);
      return body;
    };
    await ask(today);
    const startMs = performance.now() - t0;
    log(`first listing answered ${startMs.toFixed(0)} ms after spawn`);

    // A fixed pseudo-random walk over the days, the same on every run.
    let seed = 12345;
    const nextDay = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return root.days[seed % root.days.length]!;
    };
    for (let i = 0; i < warmup; i++) await ask(nextDay());
    // Let the server's background sidecar pass finish, so the memory figures
    // compare requests, not the catalog filling up.
    await sleep(SETTLE_MS);
    const rssBeforeKb = await rssKb(pid);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const day = nextDay();
      const t = performance.now();
      const body = await ask(day);
      times.push(performance.now() - t);
      if (i === 0 && !body.includes('"tarballs":[{')) throw new Error(`listing of ${day} is empty: ${body.slice(0, 200)}`);
    }
    const rssAfterKb = await rssKb(pid);
    const metrics = await (await client.request({ path: '/metrics', method: 'GET' })).body.text();
    const lastScan = /^altbackup_source_catalog_scan_duration_seconds\{kind="(\w+)"\} (\S+)$/m.exec(metrics);
    return {
      tarballs: n,
      startMs,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      maxMs: Math.max(...times),
      requests,
      rssBeforeKb,
      rssAfterKb,
      buildMs,
      lastScan: lastScan ? `${lastScan[1]} ${(Number(lastScan[2]) * 1000).toFixed(0)} ms` : 'unknown',
    };
  } finally {
    await client?.close();
    await server?.stop();
    if (!opts.dir) await rm(dir, { recursive: true, force: true });
  }
}
