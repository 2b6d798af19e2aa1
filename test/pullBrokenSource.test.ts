/**
 * A source whose file is shorter than its sidecar says (a disk that truncated
 * it after the backup job wrote the sidecar), and one that answers 416 to a
 * resume: the pull ends with exit 1 and one operator line, no stack trace,
 * nothing under a final name. (Destroying undici's response body on such an
 * answer used to crash the process with an unhandled 'error' event.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { DAY, tempDir } from '@altbackup/shared/testing';
import { FAST, tarballPath, writeSourceTarball } from './support/pullFixtures.js';
import { startHostileSource, type HostileSource } from './support/hostileSource.js';
import { runTarget, startSource, type CliResult } from './support/processes.js';

const dirs: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of closers) await c();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const d = tempDir('broken');
  dirs.push(d);
  return d;
}

/** The operator lines of a failed run: exactly one, and no stack trace anywhere. */
function assertOneLine(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('altbackup'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |RequestAbortedError|Unhandled|internal:/);
}

const A = tarballPath('dybsvn', 'dybsvn-20550.tar.gz');

test('a source file shorter than its sidecar: exit 1, one line, nothing under the final name', async () => {
  const src = await temp();
  const dst = await temp();
  writeSourceTarball(src, A, 600_000);
  await truncate(join(src, A), 400_000);
  const server = await startSource(['--root', src, '--rescan-interval', '100ms']);
  closers.push(() => server.stop());
  const r = await runTarget(['--target', dst, '--source', server.url, '--day', DAY, ...FAST, 'pull'], { timeoutMs: 60_000 });
  assertOneLine(r, new RegExp(`^altbackup pull: pull-failed: ${A.replace(/[.]/g, '\\.')}: the source cannot serve it \\(${A.replace(/[.]/g, '\\.')} is 400000 bytes but its sidecar says 600000\\)`));
  assert.equal(existsSync(join(dst, A)), false);
  assert.equal(existsSync(join(dst, A + '.dna')), false);
});

test('a source that answers 416 to every resume: exit 1, one line, nothing under the final name', async () => {
  const dst = await temp();
  const data = randomBytes(300_000);
  let hostile: HostileSource | null = null;
  hostile = await startHostileSource([{ path: A, data }], (req, res) => {
    if (!req.url!.startsWith('/v1/files/')) return;
    if (req.headers.range) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` });
      res.end();
      return true;
    }
    // The whole file promised, a third sent, then silence: the idle timeout
    // ends the attempt with those bytes held, and the next one resumes.
    res.writeHead(200, { 'content-length': data.length, etag: '"e"' });
    res.write(data.subarray(0, 100_000));
    return true;
  });
  closers.push(() => hostile!.close());
  const r = await runTarget(['--target', dst, '--source', hostile.url, '--day', DAY, ...FAST, 'pull'], { timeoutMs: 60_000 });
  assertOneLine(r, new RegExp(`^altbackup pull: pull-failed: ${A.replace(/[.]/g, '\\.')}: `));
  assert.equal(existsSync(join(dst, A)), false);
  assert.equal(existsSync(join(dst, A + '.dna')), false);
  assert.ok(hostile.requests.some((q) => q.headers.range), 'the pull did try to resume');
});
