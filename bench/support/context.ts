/**
 * What every scenario receives: sizes for the mode, the temp dir, the
 * cleanup registry, and the data and figures shared between scenarios (the
 * 2 GiB tarball is generated once; RSS peaks of 1 and 6 feed measure 7).
 */
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { GiB, MiB, layoutPath, makeTarball, type BenchTarball } from './data.js';
import type { Row } from './report.js';

export interface Sizes {
  /** Measures 1, 2 and 6: one tarball pulled or served. */
  pull: number;
  /** Measure 3: each of the four tarballs. */
  check: number;
  /** Measure 4: the compressed .tar.gz (its trac.db member is about twice this). */
  extractGz: number;
  /** Measure 5: tarballs in the listed root. */
  listing: number;
  /** Measure 5: timed listing requests per run. */
  listingRequests: number;
}

export const FULL: Sizes = { pull: 2 * GiB, check: 512 * MiB, extractGz: 1 * GiB, listing: 50_000, listingRequests: 1000 };
export const QUICK: Sizes = { pull: 64 * MiB, check: 16 * MiB, extractGz: 16 * MiB, listing: 2_000, listingRequests: 200 };

export interface BenchContext {
  quick: boolean;
  runs: number;
  sizes: Sizes;
  /** Temp dir for this bench run, removed at the end. */
  work: string;
  cleanup: Cleanup;
  log(line: string): void;
  /** The source root holding the big tarball, generated on first use. */
  bigTarball(): Promise<{ root: string; tarball: BenchTarball }>;
  /** Peak RSS figures in bytes gathered by measures 1 and 6 for measure 7. */
  rss: { puller: number[]; server: { during: string; bytes: number }[] };
  /** Full-pull times of the big tarball from measure 1, reused by measure 2 as its baseline. */
  fullPullMs: number[];
}

export interface Scenario {
  id: number;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export function makeContext(o: Pick<BenchContext, 'quick' | 'runs' | 'sizes' | 'work' | 'cleanup' | 'log'>): BenchContext {
  let big: Promise<{ root: string; tarball: BenchTarball }> | null = null;
  return {
    ...o,
    rss: { puller: [], server: [] },
    fullPullMs: [],
    bigTarball() {
      big ??= (async () => {
        const root = join(o.work, 'source');
        const t0 = Date.now();
        const tarball = await makeTarball(root, layoutPath('svn', 'dybsvn', 'dybsvn-20550.tar.gz'), o.sizes.pull, 'big', 'dybsvn');
        o.log(`generated ${tarball.rel} (${o.sizes.pull} bytes) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return { root, tarball };
      })();
      return big;
    },
  };
}
