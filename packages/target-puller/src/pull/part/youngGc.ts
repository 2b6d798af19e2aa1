/**
 * A hint to collect the young generation. A pull allocates a buffer for
 * every socket read (2 GiB of them for a 2 GiB file); each dies within
 * milliseconds but is freed only at the next collection, and V8, seeing
 * little JavaScript allocation, collects seldom: peak RSS of a 2 GiB pull was
 * 130-150 MB, 115-130 MB with a young collection every 16 MiB received (a
 * scavenge here takes well under a millisecond).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// --expose-gc after start only reaches contexts created later: one new context fetches gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as ((opts: { type: 'minor' | 'major' }) => void) | undefined;

/** Bytes between hints. */
const EVERY = 16 << 20;
let since = 0;

/** Counts `bytes` received; collects the young generation every EVERY bytes. */
export function received(bytes: number): void {
  since += bytes;
  if (since < EVERY || !gc) return;
  since = 0;
  gc({ type: 'minor' });
}
