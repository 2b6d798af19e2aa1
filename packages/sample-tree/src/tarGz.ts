/**
 * Gzipped tar writing with fixed headers: the same members give the same
 * bytes on every run (no clock, no owner of the running user, gzip mtime 0).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
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

/**
 * tar-stream emits a header, the data and the padding of each member as
 * separate chunks, and zlib takes a thread-pool round trip per chunk: for a
 * hot copy of many small files, gathering them first halves the cost.
 */
function coalesce(size = 64 * 1024): Transform {
  let parts: Buffer[] = [];
  let held = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      held += chunk.length;
      if (held < size) return cb();
      // A big chunk alone passes through uncopied.
      const out = parts.length === 1 ? chunk : Buffer.concat(parts, held);
      parts = [];
      held = 0;
      cb(null, out);
    },
    flush(cb) {
      cb(null, Buffer.concat(parts, held));
    },
  });
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
  const done = pipeline(pack, coalesce(), gzip, tap, createWriteStream(file));

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

/**
 * The members of the folder `dir` as tar would store it under `top/`, in a
 * fixed order (a folder, then its entries by name) with one mtime and
 * modes that do not depend on the umask: folders 755 (keeping a setgid
 * bit), files 644, or 444 where the owner may not write (as Subversion
 * leaves its revision files), plus x where the owner may execute.
 */
export function folderMembers(dir: string, top: string, mtime: Date): Member[] {
  // Synchronous: a hot copy is hundreds of small files, and each promise
  // call is several thread-pool round trips.
  const out: Member[] = [];
  const walk = (abs: string, name: string): void => {
    const st = statSync(abs);
    if (st.isDirectory()) {
      out.push({ name: `${name}/`, type: 'directory', mtime, mode: 0o755 | (st.mode & 0o2000) });
      for (const e of readdirSync(abs).sort()) walk(path.join(abs, e), `${name}/${e}`);
    } else {
      const mode = (st.mode & 0o200 ? 0o644 : 0o444) | (st.mode & 0o100 ? 0o111 : 0);
      out.push({ name, mtime, mode, data: readFileSync(abs) });
    }
  };
  walk(dir, top);
  return out;
}
