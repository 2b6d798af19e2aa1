/**
 * A tarball at its place in the layout of SPEC section 2, with the times the
 * backup job leaves: the tarball written some minutes into the run, then its
 * sidecar 20 seconds later (or none while it is pending).
 */
import { rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatTarballPath, sidecarPathOf } from '@altbackup/shared';
import { dayNumber, runStart, TIME_FOLDER } from './clock.js';
import { dnaText, type DnaForm } from './dna.js';

export interface SampleTarball {
  /** Path relative to root, with '/' separators. */
  path: string;
  size: number;
  /** MD5 of the whole tarball, 32 lowercase hex digits. */
  md5: string;
  /** True when no `.dna` sidecar was written. */
  pending: boolean;
  catfold: string;
  subfold: string;
  /** 'YYYY/MM/DD' */
  day: string;
  /** 'HHMMSS' */
  time: string;
  /** File name, e.g. 'dybsvn-20550.tar.gz'. */
  name: string;
  /** Form of the sidecar text, or null when pending. */
  dnaForm: DnaForm | null;
}

export interface TarballPlace {
  /** Absolute root of the tree. */
  root: string;
  catfold: string;
  subfold: string;
  /** 'YYYY/MM/DD' */
  day: string;
  name: string;
  /** Minutes after the run's start at which the job finished the tarball. */
  minutes: number;
}

export interface WrittenFile {
  size: number;
  md5: string;
}

function placePath(p: TarballPlace): string {
  return path.join(p.root, ...relPath(p).split('/'));
}

function relPath(p: TarballPlace): string {
  return formatTarballPath({ catfold: p.catfold, subfold: p.subfold, day: p.day, time: TIME_FOLDER, name: p.name });
}

/**
 * Write the tarball with `write` (given the absolute path), date it, then
 * write its sidecar in `dnaForm`, or remove a stale one when `dnaForm` is
 * null (pending).
 */
export async function placeTarball(p: TarballPlace, dnaForm: DnaForm | null, write: (file: string) => Promise<WrittenFile>): Promise<SampleTarball> {
  const file = placePath(p);
  const { size, md5 } = await write(file);
  const t = runStart(dayNumber(p.day)) + p.minutes * 60;
  await utimes(file, t, t);
  const dna = sidecarPathOf(file);
  if (dnaForm === null) {
    await rm(dna, { force: true });
  } else {
    await writeFile(dna, dnaText(md5, size, dnaForm));
    await utimes(dna, t + 20, t + 20);
  }
  return {
    path: relPath(p), size, md5, pending: dnaForm === null, catfold: p.catfold, subfold: p.subfold,
    day: p.day, time: TIME_FOLDER, name: p.name, dnaForm,
  };
}
