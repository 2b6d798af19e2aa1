#!/usr/bin/env node
/**
 * Peak memory of `altbackup extract_tracdb` on a >= 1 GiB trac.db member
 * (issue 5: under 150 MB), measured with GNU `/usr/bin/time -v` (Debian
 * package `time`: `apt-get install -y time`), beside `tar -xzf ARCHIVE MEMBER`
 * on the same archive for time and memory.
 *
 * The member is a real SQLite database (its 16-byte header is checked by the
 * extractor) padded with random bytes: incompressible, so the archive is as
 * big as the member and every byte goes through gunzip. Generation streams
 * (tar-stream -> gzip -> file, with backpressure) and hashes the member on
 * the way, so the extracted copy is checked byte for byte.
 *
 *   node bench/dist/extractRss.js [--size 1G] [--dir DIR] [--keep]
 */
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET_CLI = join(REPO, 'packages/target-puller/dist/cli.js');
const GNU_TIME = '/usr/bin/time';
const GiB = 1024 ** 3;
const DAY = '2013/05/19';
const TIME = '104702';
const TRAC = 'dybsvn';
const MEMBER = `${TRAC}/db/trac.db`;
export const RSS_LIMIT_BYTES = 150 * 1000 * 1000;

export interface BenchExtractOptions {
  /** Member size in bytes (default 1 GiB). */
  memberBytes?: number;
  /** Work folder (default a new temp folder, removed afterwards unless keep). */
  dir?: string;
  keep?: boolean;
  log?: (line: string) => void;
}

export interface Measured {
  wallMs: number;
  peakRssBytes: number;
}

export interface BenchExtractResult {
  memberBytes: number;
  archiveBytes: number;
  generateMs: number;
  extract: Measured;
  tar: Measured;
  /** The extracted file is byte-identical to the generated member. */
  md5Match: boolean;
  underLimit: boolean;
}

/** A small real SQLite database: the head of the member. */
async function sqliteHead(dir: string): Promise<Buffer> {
  const file = join(dir, 'head.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE bitten_build (id integer primary key, config text, rev text, rev_time integer,
    platform integer, slave text, started integer, stopped integer, status text)`);
  db.prepare('INSERT INTO bitten_build VALUES (1, ?, ?, ?, 1, ?, ?, ?, ?)').run('trunk', '20550', 1368960000, 'farm1', 1368960100, 1368960900, 'S');
  db.close();
  const head = await readFile(file);
  await rm(file);
  return head;
}

/** Writes `tracs/dybsvn/DAY/TIME/dybsvn.tar.gz` and its canonical sidecar, streaming; returns sizes and md5s. */
async function generate(root: string, memberBytes: number, scratch: string): Promise<{ archive: string; archiveBytes: number; memberMd5: string }> {
  const archive = join(root, 'tracs', TRAC, ...DAY.split('/'), TIME, `${TRAC}.tar.gz`);
  await mkdir(dirname(archive), { recursive: true });
  const head = await sqliteHead(scratch);
  if (memberBytes < head.length) throw new RangeError(`member must be at least ${head.length} bytes`);
  const pack = tar.pack();
  const fileHash = createHash('md5');
  let archiveBytes = 0;
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, createGzip({ level: 1 }), async function* (src: AsyncIterable<Buffer>) {
    for await (const chunk of src) {
      fileHash.update(chunk);
      archiveBytes += chunk.length;
      yield chunk;
    }
  }, createWriteStream(archive));
  const memberHash = createHash('md5');
  const put = (name: string, data: Buffer) => new Promise<void>((res, rej) => pack.entry({ name, mtime: new Date(1368960422_000) }, data, (e) => (e ? rej(e) : res())));
  await put(`${TRAC}/VERSION`, Buffer.from('Trac Environment Version 1\n'));
  let entry!: ReturnType<typeof pack.entry>;
  const finished = new Promise<void>((res, rej) => {
    entry = pack.entry({ name: MEMBER, size: memberBytes, mtime: new Date(1368960422_000) }, (e) => (e ? rej(e) : res()));
  });
  finished.catch(() => {}); // awaited below; no unhandled rejection meanwhile
  const write = async (b: Buffer) => {
    memberHash.update(b);
    if (!entry.write(b)) await once(entry as unknown as NodeJS.EventEmitter, 'drain');
  };
  await write(head);
  for (let left = memberBytes - head.length; left > 0; left -= 1 << 20) {
    // A fresh buffer each time: the tar stream may still hold the previous one.
    await write(randomFillSync(Buffer.allocUnsafe(Math.min(left, 1 << 20))));
  }
  entry.end(undefined); // streamx types want the optional final chunk
  await finished;
  await put(`${TRAC}/log/trac.log`, Buffer.from('after the database\n'));
  pack.finalize();
  await written;
  const md5 = fileHash.digest('hex');
  await writeFile(`${archive}.dna`, `{'dig': '${md5}', 'size': ${archiveBytes}}\n`);
  return { archive, archiveBytes, memberMd5: memberHash.digest('hex') };
}

/** Runs a command under GNU time -v; the child's own stderr is kept apart from time's report. */
async function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const report = join(tmpdir(), `time-v-${process.pid}-${Date.now()}.txt`);
  const child = spawn(GNU_TIME, ['-v', '-o', report, cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const [code] = (await once(child, 'close')) as [number | null];
  const text = await readFile(report, 'utf8').finally(() => rm(report, { force: true }));
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}\n${text}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(text);
  if (!rss || !wall) throw new Error(`cannot read ${GNU_TIME} -v output:\n${text}`);
  const wallMs = ((Number(wall[1] ?? 0) * 60 + Number(wall[2])) * 60 + Number(wall[3])) * 1000;
  return { wallMs: Math.round(wallMs), peakRssBytes: Number(rss[1]) * 1024 };
}

async function md5Of(file: string): Promise<string> {
  const h = createHash('md5');
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), h);
  return h.digest('hex');
}

export async function benchExtract(opts: BenchExtractOptions = {}): Promise<BenchExtractResult> {
  const memberBytes = opts.memberBytes ?? GiB;
  const log = opts.log ?? (() => {});
  const dir = opts.dir ? resolve(opts.dir) : await mkdtemp(join(tmpdir(), 'bench-extract-rss-'));
  await mkdir(dir, { recursive: true });
  try {
    await stat(GNU_TIME).catch(() => {
      throw new Error(`${GNU_TIME} is missing: apt-get install -y time`);
    });
    const root = join(dir, 'target');
    const base = join(dir, 'base');
    const t0 = Date.now();
    log(`generating a ${memberBytes}-byte ${MEMBER} inside a .tar.gz under ${root}`);
    const g = await generate(root, memberBytes, dir);
    const generateMs = Date.now() - t0;
    log(`generated ${g.archiveBytes} bytes in ${(generateMs / 1000).toFixed(1)} s`);

    const env = { ...process.env, ALTBACKUP_CONFIG: '/dev/null' };
    const extract = await timed(process.execPath, [TARGET_CLI, '--target', root, '--base', base, '--day', DAY, '--log-level', 'warn', 'extract_tracdb'], env);
    const out = join(base, 'tracs', TRAC, ...DAY.split('/'), TIME, MEMBER);
    const md5Match = (await stat(out)).size === memberBytes && (await md5Of(out)) === g.memberMd5;
    await rm(base, { recursive: true, force: true });
    log(`extract_tracdb: ${(extract.wallMs / 1000).toFixed(1)} s, peak RSS ${(extract.peakRssBytes / 1e6).toFixed(1)} MB, md5 ${md5Match ? 'ok' : 'MISMATCH'}`);

    const tarOut = join(dir, 'tar-out');
    await mkdir(tarOut);
    const tarRun = await timed('tar', ['-xzf', g.archive, '-C', tarOut, MEMBER]);
    await rm(tarOut, { recursive: true, force: true });
    log(`tar -xzf: ${(tarRun.wallMs / 1000).toFixed(1)} s, peak RSS ${(tarRun.peakRssBytes / 1e6).toFixed(1)} MB`);

    return { memberBytes, archiveBytes: g.archiveBytes, generateMs, extract, tar: tarRun, md5Match, underLimit: extract.peakRssBytes < RSS_LIMIT_BYTES };
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}

function parseSizeArg(s: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(s.trim());
  if (!m) throw new Error(`--size ${s}: expected bytes with an optional K, M or G suffix`);
  return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: GiB } as Record<string, number>)[m[2]!.toUpperCase()]!;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { size: { type: 'string' }, dir: { type: 'string' }, keep: { type: 'boolean' } } });
  const r = await benchExtract({
    memberBytes: values.size ? parseSizeArg(values.size) : undefined,
    dir: values.dir,
    keep: values.keep,
    log: (l) => process.stderr.write(l + '\n'),
  });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  process.stdout.write(`extract_tracdb peak RSS ${(r.extract.peakRssBytes / 1e6).toFixed(1)} MB (limit ${RSS_LIMIT_BYTES / 1e6} MB): ${r.underLimit ? 'ok' : 'OVER'}; `
    + `${(r.extract.wallMs / 1000).toFixed(1)} s vs tar -xzf ${(r.tar.wallMs / 1000).toFixed(1)} s (${(r.extract.wallMs / r.tar.wallMs).toFixed(2)}x)\n`);
  process.exitCode = r.underLimit && r.md5Match ? 0 : 1;
}
