/**
 * Seeded random-fault soak: 30 pulls through the fault proxy (cuts, stalls,
 * 5xx, corruption, delays, mixed), while the source gains a tarball and
 * finishes a pending one. After every run: every final tarball verifies and
 * no sidecar exists without its verified tarball. After all runs: everything
 * was pulled. The same seed gives the same faults, so a failure replays.
 */
import { strict as assert } from 'node:assert';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addDays } from '@altbackup/shared';
import { DAY, md5OfFile } from '@altbackup/shared/testing';
import { seededFaults } from './support/faultProxy.js';
import {
  STREAM_COUNTS, assertMirror, filesUnder, pull, startRig, streamFlags, tarballPath, writeSourceTarball, type Rig, type SourceFile,
} from './support/pullFixtures.js';

const SEED = Number(process.env.ALTBACKUP_SOAK_SEED ?? 20240305);
const RUNS = 30;
/** Ten days, three tarballs each: every day is pulled three times over the 30 runs. */
const DAYS = Array.from({ length: 10 }, (_, i) => addDays(DAY, i - 9));

const rigs: Rig[] = [];
after(async () => { for (const r of rigs) await r.close(); });

/**
 * Sizes between 64 KiB and 700 KiB, fixed by the seed; with several streams
 * 1 to 3.6 MiB, so each file is a few 1 MiB pieces on as many connections.
 */
function sizeFor(i: number, streams: number): number {
  const base = 65_536 + ((SEED * 7919 + i * 104_729) % 650_000);
  return streams === 1 ? base : (1 << 20) + 4 * base;
}

describe('pull soak', () => {
  for (const streams of STREAM_COUNTS) it(`${RUNS} pulls with --streams ${streams} under seeded random faults (seed ${SEED}) keep the target consistent and end complete`, async (t) => {
    const rig = await startRig();
    rigs.push(rig);
    const r = rig;
    const files: SourceFile[] = [];
    let n = 0;
    for (const day of DAYS) {
      files.push(writeSourceTarball(r.src, tarballPath('dybsvn', 'dybsvn-20550.tar.gz', day), sizeFor(n++, streams)));
      files.push(writeSourceTarball(r.src, tarballPath('dybaux', 'dybaux-5123.tar.gz', day), sizeFor(n++, streams)));
      files.push(writeSourceTarball(r.src, tarballPath('dybsvn', 'dybsvn.tar.gz', day, 'tracs'), sizeFor(n++, streams)));
    }
    // The newest day's Trac tarball is still pending (no sidecar) at first.
    const late = files.at(-1)!;
    const lateDna = join(r.src, late.path + '.dna');
    renameSync(lateDna, lateDna + '.later');

    const codes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      if (run === 8) files.push(writeSourceTarball(r.src, tarballPath('svnsetup', 'svnsetup.tar.gz', DAYS[2]!, 'folders'), 3000));
      if (run === 15) renameSync(lateDna + '.later', lateDna);
      r.proxy.setFault(seededFaults(SEED + run, {
        // A segmented file meets a fault on any of its pieces: fewer per request keep the odds per file alike.
        pass: streams === 1 ? 2 : 9, cut: 1, stallHeaders: 0.4, stallBody: 0.6, status: 1, corrupt: 1, delay: 0.5, maxOffset: 700_000, delayMs: 30,
      }));
      const day = DAYS[run % DAYS.length]!;
      const res = await pull(r, ['--day', day, '--idle-timeout', '250ms', '--header-timeout', '250ms', '--retries', '2', '--concurrency', '2', ...streamFlags(streams)]);
      codes.push(res.code ?? -1);
      assert.ok(res.code === 0 || res.code === 1, `run ${run}: exit ${res.code}\n${res.stderr}`);
      if (res.code === 1) assert.match(res.stderr, /^altbackup pull: (pull-failed|deadline): /m, `run ${run}: one operator line`);

      // Invariants after every run, whatever happened in it.
      for (const rel of filesUnder(r.dst)) {
        if (rel.endsWith('.tar.gz')) {
          const f = files.find((x) => x.path === rel);
          assert.ok(f, `run ${run}: unexpected ${rel}`);
          assert.equal(md5OfFile(join(r.dst, rel)), f.md5, `run ${run}: final ${rel} does not verify`);
          assert.ok(existsSync(join(r.dst, rel + '.dna')), `run ${run}: final ${rel} without sidecar`);
        } else if (rel.endsWith('.tar.gz.dna')) {
          assert.ok(existsSync(join(r.dst, rel.slice(0, -4))), `run ${run}: sidecar ${rel} without its tarball`);
        } else {
          assert.match(rel, /(\.tar\.gz\.part|\.tar\.gz\.part\.meta|^\.altbackup\/quarantine\/.+)$/, `run ${run}: stray ${rel}`);
        }
      }
      assert.equal(existsSync(join(r.dst, '.altbackup/pull.lock')), false, `run ${run}: lock left behind`);
    }

    const quarantined = filesUnder(r.dst).filter((f) => f.startsWith('.altbackup/quarantine/'));
    assert.deepEqual(assertMirror(r.src, r.dst, files, quarantined), [], 'everything pulled and verified, nothing in progress left');
    const faulted = r.proxy.requests.filter((q) => q.fault).length;
    const kinds = new Map<string, number>();
    for (const q of r.proxy.requests) if (q.fault) kinds.set(q.fault.kind, (kinds.get(q.fault.kind) ?? 0) + 1);
    t.diagnostic(`${faulted} faults injected (${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}); exits ${codes.join('')}; ${quarantined.length} quarantined`);
    assert.ok(faulted >= 20, `only ${faulted} faults injected`);
    assert.ok(codes.includes(0));
  });
});
