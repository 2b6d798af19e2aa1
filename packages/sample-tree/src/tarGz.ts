/**
 * Gzipped tar writing with fixed headers: the same members give the same
 * bytes on every run (no clock, no owner of the running user, gzip mtime 0).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface Member {
  name: string;
  type?: 'file' | 'directory';
  mtime: Date;
  mode?: number;
  /** Content for small files. */
  data?: Buffer | string;
  /** For big files: size and a chunk producer (streamed with backpressure). */
  size?: number;
  chunks?: () => Iterable<Buffer>;
}

/** Write a gzip'd tar to `file`, streaming; return its size and MD5. */
export async function writeTarGz(file: string, members: readonly Member[], gzipOptions: zlib.ZlibOptions): Promise<{ size: number; md5: string }> {
  await mkdir(path.dirname(file), { recursive: true });
  const pack = tar.pack();
  // zlib writes a fixed gzip header (mtime 0, no name, OS 3): output is deterministic.
  const gzip = zlib.createGzip(gzipOptions);
  const hash = createHash('md5');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const done = pipeline(pack, gzip, tap, createWriteStream(file));

  const feed = async () => {
    for (const m of members) {
      const header = {
        name: m.name,
        type: m.type ?? 'file',
        mode: m.mode ?? (m.type === 'directory' ? 0o755 : 0o644),
        mtime: m.mtime,
        uid: 1000,
        gid: 1000,
        uname: 'admin',
        gname: 'admin',
      } as const;
      if (header.type === 'directory') {
        await new Promise<void>((res, rej) => pack.entry(header, (err) => (err ? rej(err) : res())));
      } else if (m.chunks) {
        let entry!: ReturnType<typeof pack.entry>;
        const finished = new Promise<void>((res, rej) => {
          entry = pack.entry({ ...header, size: m.size }, (err) => (err ? rej(err) : res()));
        });
        finished.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
        for (const chunk of m.chunks()) {
          if (!entry.write(chunk)) await once(entry, 'drain');
        }
        entry.end(undefined); // streamx's end() takes an optional final chunk
        await finished;
      } else {
        const data = typeof m.data === 'string' ? Buffer.from(m.data) : (m.data ?? Buffer.alloc(0));
        await new Promise<void>((res, rej) => pack.entry(header, data, (err) => (err ? rej(err) : res())));
      }
    }
    pack.finalize();
  };
  await Promise.all([done, feed()]);
  return { size, md5: hash.digest('hex') };
}

/** Directory members for `names` ('/' appended where missing). */
export function dirs(names: readonly string[], mtime: Date): Member[] {
  return names.map((name) => ({ name: name.endsWith('/') ? name : `${name}/`, type: 'directory' as const, mtime }));
}

