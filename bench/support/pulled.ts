/** The puller's command line as the bench runs it, and the check that it really delivered. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDna, sidecarPathOf } from '@altbackup/shared';
import { DAY } from '@altbackup/shared/testing';
import { Unavailable } from './altbackup.js';
import type { BenchTarball } from './data.js';
import { runOk } from './exec.js';

export function pullArgs(sourceUrl: string, targetRoot: string, t: BenchTarball): string[] {
  return ['pull', '--source', sourceUrl, '--target', targetRoot, '--day', DAY, '--wanted', t.wanted, '--log-level', 'warn'];
}

/**
 * A pull counts only if the final name holds the whole tarball and the
 * canonical sidecar sits beside it (the puller verified the MD5 itself).
 */
export async function checkPulled(targetRoot: string, t: BenchTarball): Promise<void> {
  const file = join(targetRoot, t.rel);
  const size = await stat(file).then((s) => s.size, () => -1);
  if (size !== t.size) throw new Unavailable('failed', `altbackup pull exited 0 but ${t.rel} is ${size < 0 ? 'missing' : `${size} bytes, not ${t.size}`} on the target`);
  const dna = await readFile(sidecarPathOf(file), 'utf8').catch(() => null);
  if (dna !== formatDna({ dig: t.md5, size: t.size })) throw new Unavailable('failed', `altbackup pull exited 0 but the sidecar of ${t.rel} is ${dna === null ? 'missing' : JSON.stringify(dna)}`);
}

/** `md5sum FILE...`: elapsed ms and the digests in argument order. */
export async function md5sum(files: readonly string[]): Promise<{ ms: number; md5s: string[] }> {
  const r = await runOk('/usr/bin/md5sum', files);
  return { ms: r.ms, md5s: r.stdout.trim().split('\n').map((l) => l.slice(0, 32)) };
}

/** A comparison tool that produced wrong bytes would make its time meaningless. */
export function expectMd5(tool: string, got: string | undefined, want: string): void {
  if (got !== want) throw new Error(`${tool} produced a file with MD5 ${got}, expected ${want}`);
}
