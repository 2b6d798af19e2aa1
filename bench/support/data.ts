/**
 * Bench data: incompressible files made fast from a seeded AES-CTR keystream
 * (GB/s, deterministic), their MD5 computed while writing, and sidecars in
 * the canonical form, placed at layout paths under a root.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatDna, formatTarballPath, sidecarPathOf, type Dna } from '@altbackup/shared';
import { DAY } from '@altbackup/shared/testing';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The bench's fixed run time (any valid layout value does; the day is the fixtures' DAY). */
export const BENCH_TIME = '104701';

export interface BenchTarball {
  /** Path relative to the root, '/'-separated, on the layout. */
  rel: string;
  /** Absolute path of the tarball. */
  abs: string;
  size: number;
  md5: string;
  /** The name prefix that selects it with `--wanted`. */
  wanted: string;
}

export function layoutPath(catfold: string, subfold: string, name: string, day = DAY, time = BENCH_TIME): string {
  return formatTarballPath({ catfold, subfold, day, time, name });
}

/** A seeded keystream: the same seed and size always give the same bytes. */
export function keystream(seed: string): (chunk: Buffer) => Buffer {
  const key = createHash('sha256').update(`altbackup-bench:${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return (zeros) => cipher.update(zeros);
}

/** Writes `size` incompressible bytes to `file` and returns their MD5. */
export async function writeRandomFile(file: string, size: number, seed: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const next = keystream(seed);
  const md5 = createHash('md5');
  const out = createWriteStream(file);
  const zeros = Buffer.alloc(8 * MiB);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    const chunk = next(n === zeros.length ? zeros : zeros.subarray(0, n));
    md5.update(chunk);
    left -= n;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return md5.digest('hex');
}

export async function writeSidecar(tarballAbs: string, dna: Dna): Promise<void> {
  await writeFile(sidecarPathOf(tarballAbs), formatDna(dna));
}

/** A random tarball with its sidecar at `rel` under `root`. */
export async function makeTarball(root: string, rel: string, size: number, seed: string, wanted: string): Promise<BenchTarball> {
  const abs = join(root, rel);
  const md5 = await writeRandomFile(abs, size, seed);
  await writeSidecar(abs, { dig: md5, size });
  return { rel, abs, size, md5, wanted };
}
