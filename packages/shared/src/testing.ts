/**
 * The test kit every package's tests, the cross-process tests in test/ and
 * the benches share (`@altbackup/shared/testing`). It lives in the package
 * all the others already depend on, so a package's unit tests reach it
 * without importing from the top-level test/ folder. Production code never
 * imports it: the package's main entry does not export it.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The backup day of the fixtures whose day is arbitrary (any valid day would do). */
export const DAY = '2024/03/05';

/** A new empty folder under the system's temp folder; the caller removes it. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `altbackup-${prefix}-`));
}

/** MD5 as the sidecar writes it: 32 lowercase hex digits. */
export function md5Of(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * MD5 of a whole file, read at once: test files are small, and reading the
 * same way as md5Of keeps the check independent of the streaming digests
 * under test.
 */
export function md5OfFile(path: string): string {
  return md5Of(readFileSync(path));
}

/** Every file below `root`, as paths relative to it, sorted; none when `root` is absent. */
export function filesBelow(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  if (existsSync(root)) walk('');
  return out.sort();
}

/** Flips every bit of the byte at `offset` of `file` in place (same size, same inode): damage a digest must catch. */
export function flipByte(file: string, offset: number): void {
  const fd = openSync(file, 'r+');
  try {
    const one = Buffer.alloc(1);
    if (readSync(fd, one, 0, 1, offset) !== 1) throw new Error(`${file} has no byte at ${offset}`);
    one[0] = one[0]! ^ 0xff;
    writeSync(fd, one, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/** Short enough that a wait for a moment in a running download (a .part at 30 %) does not overshoot it. */
const POLL_MS = 10;

/**
 * Polls `probe` until it returns a value other than undefined, null or
 * false, and resolves with that value; rejects once `timeoutMs` has passed
 * without one, naming what was awaited (`what` as a function is asked then,
 * so the message can say what is still missing). A probe that throws fails
 * the wait at once: an error is an answer, not "not yet".
 */
export async function waitFor<T>(what: string | (() => string), probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<Exclude<T, undefined | null | false>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
