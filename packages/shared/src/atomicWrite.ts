/**
 * Replacing a small file so that readers see the old content or the new,
 * never a mix: write a temp file beside it, fsync, rename. Sidecars, status
 * textfiles and reports all go through here.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temp name never ends like the final one (`.dna`, `.prom`), so no scanner picks it up. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
}

export interface AtomicWriteOptions {
  /** A fixed temp name, for callers that sweep up what a crash left behind. */
  tmp?: string;
  mode?: number;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = opts.tmp ?? tempPathFor(file);
  const mode = opts.mode ?? 0o644;
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
