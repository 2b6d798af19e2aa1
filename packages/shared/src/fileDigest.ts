/**
 * MD5 and size of files on disk. Hashing is CPU-bound and Node's hash runs on
 * the calling thread, so checking many files uses worker threads to keep every
 * core busy (SPEC: check_target "using both cores").
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface FileDigest {
  md5: string;
  size: number;
}

const READ_CHUNK = 1 << 20;

export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: hash.digest('hex'), size };
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
parentPort.on('message', async ({ id, path }) => {
  try {
    const hash = createHash('md5');
    let size = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: ${READ_CHUNK} })) {
      hash.update(chunk);
      size += chunk.length;
    }
    parentPort.postMessage({ id, md5: hash.digest('hex'), size });
  } catch (e) {
    parentPort.postMessage({ id, error: { message: e.message, code: e.code } });
  }
});
`;

export type DigestResult = { path: string; digest: FileDigest } | { path: string; error: NodeJS.ErrnoException };

/**
 * Digests many files with up to `parallel` worker threads (default: the
 * machine's cores), yielding results in input order as they are ready.
 */
export async function digestFiles(paths: readonly string[], parallel = availableParallelism()): Promise<DigestResult[]> {
  const n = Math.max(1, Math.min(parallel, paths.length));
  if (paths.length === 0) return [];
  if (n === 1) {
    const out: DigestResult[] = [];
    for (const path of paths) {
      try {
        out.push({ path, digest: await digestFile(path) });
      } catch (e) {
        out.push({ path, error: e as NodeJS.ErrnoException });
      }
    }
    return out;
  }
  const results: DigestResult[] = new Array(paths.length);
  let next = 0;
  const workers = Array.from({ length: n }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      const feed = () => {
        if (next >= paths.length) return resolve();
        const id = next++;
        w.postMessage({ id, path: paths[id] });
      };
      w.on('message', (m: { id: number; md5?: string; size?: number; error?: { message: string; code?: string } }) => {
        const path = paths[m.id]!;
        if (m.error) {
          const err = Object.assign(new Error(m.error.message), { code: m.error.code }) as NodeJS.ErrnoException;
          results[m.id] = { path, error: err };
        } else {
          results[m.id] = { path, digest: { md5: m.md5!, size: m.size! } };
        }
        feed();
      });
      w.on('error', reject);
      feed();
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
