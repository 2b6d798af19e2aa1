/**
 * Sample-data generator for tests, the demo and benchmarks.
 *
 * Writes a deterministic backup tree in the layout of SPEC section 2:
 *
 *     <root>/<catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz
 *     <root>/<catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz.dna
 *
 * For each day it makes `svn/dybsvn`, `svn/dybaux`, `tracs/dybsvn` (a Trac
 * environment holding a real SQLite `dybsvn/db/trac.db` with a Bitten
 * `bitten_build` table), `folders/svnsetup` and `reposLOCKED/env` (named
 * apart from the wanted names, so a day still has two `dybsvn` tarballs),
 * plus a couple of files off the layout that every command must ignore.
 *
 * Everything is derived from a seeded PRNG: the same options (seed, end,
 * days, bulk, pending, gzipLevel and the UTC day of now) give byte-identical
 * tarballs and sidecars.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { formatDna } from '@altbackup/shared';

// ---------------------------------------------------------------------------
// Public types

export interface SampleOptions {
  /** Directory to fill (created if missing). Existing files are overwritten. */
  root: string;
  /** Number of days, ending at `end` (default 3). */
  days?: number;
  /** Bytes of incompressible seeded bulk inside each Trac tarball (default 256 KiB). */
  bulk?: number;
  /** PRNG seed (default 1). Numbers and strings are hashed as `String(seed)`. */
  seed?: number | string;
  /** Newest day 'YYYY/MM/DD' (default: the UTC day of `now`, i.e. today UTC). */
  end?: string;
  /** Reference time for the Bitten build times (default `new Date()`). */
  now?: Date;
  /** When true (default) the newest day's `tracs/dybsvn` tarball gets no sidecar. */
  pending?: boolean;
  /**
   * zlib level 0-9 for every tarball (default 6, gzip's default). Random bulk
   * gzips at ~50 MB/s at any level >= 1; level 0 (stored) is much faster for
   * benchmark-sized bulk. Part of the determinism key like the other options.
   */
  gzipLevel?: number;
}

/** Which textual form the sidecar was written in (all are legal per SPEC 2). */
export type DnaForm = 'canonical' | 'L' | 'dq';

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

export interface SampleTracDb {
  day: string;
  /** Tarball path relative to root. */
  path: string;
  member: 'dybsvn/db/trac.db';
  /** Size and MD5 of the trac.db member itself (not of the tarball). */
  size: number;
  md5: string;
}

export interface BittenRow {
  id: number;
  config: string;
  rev: string;
  rev_time: number;
  platform: number;
  slave: string;
  started: number;
  stopped: number;
  status: 'P' | 'I' | 'S' | 'F';
}

export interface SampleManifest {
  /** Absolute root. */
  root: string;
  /** Days, oldest first, 'YYYY/MM/DD'. */
  days: string[];
  /** Day-major, in a fixed catfold order within a day. */
  tarballs: SampleTarball[];
  /** Files written off the layout (relative to root); every command must ignore them. */
  offLayout: string[];
  tracdb: SampleTracDb[];
  /** The bitten_build rows of each day's trac.db, ordered by id. */
  bitten: Record<string, BittenRow[]>;
}

/** One line of the expected `examine_tracdb` answer (SPEC section 6), times in Unix seconds. */
export interface ExamineRow {
  slave: string;
  id: number;
  rev: string;
  rev_time: number;
  started: number;
}

// ---------------------------------------------------------------------------
// Constants

export const DEFAULT_DAYS = 3;
export const DEFAULT_BULK = 256 * 1024;
export const DEFAULT_GZIP_LEVEL = 6;
export const TIME_FOLDER = '104701';
export const TRACDB_MEMBER = 'dybsvn/db/trac.db' as const;

const DAY = 86_400;
const TIME_SEC = 10 * 3600 + 47 * 60 + 1; // 10:47:01, the backup run start
const HISTORY_DAYS = 90; // Bitten history starts this many days before `now`
const MAX_DAYS = 3660;

// ---------------------------------------------------------------------------
// PRNG

/** 32-bit FNV-1a hash of the parts joined with '|': turns any seed into a number. */
export function seedFrom(...parts: Array<string | number>): number {
  const s = parts.map(String).join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: returns a function yielding uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32u32(seed);
  return () => next() / 4294967296;
}

/** mulberry32 yielding unsigned 32-bit integers. */
export function mulberry32u32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Fill `buf` with bytes from a u32 generator (little-endian, platform independent). */
function fillBytes(next: () => number, buf: Buffer): Buffer {
  let i = 0;
  const n4 = buf.length & ~3;
  for (; i < n4; i += 4) {
    const x = next();
    buf[i] = x & 0xff;
    buf[i + 1] = (x >>> 8) & 0xff;
    buf[i + 2] = (x >>> 16) & 0xff;
    buf[i + 3] = x >>> 24;
  }
  if (i < buf.length) {
    let x = next();
    for (; i < buf.length; i++) {
      buf[i] = x & 0xff;
      x >>>= 8;
    }
  }
  return buf;
}

/** `n` seeded pseudo-random bytes. */
export function randomBytesFrom(seed: number, n: number): Buffer {
  return fillBytes(mulberry32u32(seed), Buffer.alloc(n));
}

function intIn(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

// ---------------------------------------------------------------------------
// Days

const DAY_RE = /^(\d{4})\/(\d{2})\/(\d{2})$/;

/** 'YYYY/MM/DD' -> days since 1970-01-01 (UTC). Throws on a malformed or impossible date. */
export function dayNumber(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`bad day '${day}': expected YYYY/MM/DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`bad day '${day}': no such date`);
  }
  return ms / 86_400_000;
}

/** Days since 1970-01-01 -> 'YYYY/MM/DD'. */
export function dayString(n: number): string {
  const d = new Date(n * 86_400_000);
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}`;
}

function nowSeconds(now: Date): number {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('bad now: invalid Date');
  return Math.floor(ms / 1000);
}

// ---------------------------------------------------------------------------
// Bitten

interface SlaveSpec {
  name: string;
  platform: number;
  /** Active on days nowDay+from .. nowDay+until (inclusive); until null = still active. */
  from: number;
  until: number | null;
  /** Probability of building on an active day, and max builds that day. */
  p: number;
  max: number;
}

const SLAVES: readonly SlaveSpec[] = [
  { name: 'farm1', platform: 1, from: -HISTORY_DAYS, until: null, p: 1, max: 3 },
  { name: 'belle7', platform: 2, from: -HISTORY_DAYS, until: null, p: 0.6, max: 2 },
  { name: 'daya0001', platform: 1, from: -20, until: null, p: 0.7, max: 2 },
  // stale: last start about 12 days before now (older than 7, within 30)
  { name: 'pdsf', platform: 3, from: -HISTORY_DAYS, until: -12, p: 0.5, max: 1 },
  // gone: last start about 45 days before now (outside a 30-day window)
  { name: 'cms01', platform: 2, from: -HISTORY_DAYS, until: -45, p: 0.5, max: 1 },
];

export const BITTEN_SLAVES: readonly string[] = SLAVES.map((s) => s.name);

const CONFIGS = ['dybinst', 'opt.dybinst', 'detdesc'] as const;

/** A build before it is a row: `started` is 0 for a pending (never started) build; `stopped` and `status` follow from `duration` and `final`. */
interface BuildPlan extends Omit<BittenRow, 'stopped' | 'status'> {
  duration: number;
  final: 'S' | 'F';
}

function plannedBuilds(d: number, nowDay: number, seed: string): BuildPlan[] {
  const rng = mulberry32(seedFrom(seed, 'bitten', d));
  const dayStart = d * DAY;
  const baseRev = 20550 + 3 * (d - nowDay);
  const out: BuildPlan[] = [];
  let j = 0;
  for (const s of SLAVES) {
    // Draw the same amount of randomness whether or not the slave is active,
    // so one slave's activity window does not shift another's builds.
    const builds = rng() < s.p ? intIn(rng, 1, s.max) : 0;
    const lastDay = s.until === null ? Infinity : nowDay + s.until;
    const active = d >= nowDay + s.from && d <= lastDay;
    const forced = d === lastDay; // a stale/gone slave builds on its last day
    const n = active ? Math.max(builds, forced ? 1 : 0) : 0;
    for (let k = 0; k < s.max; k++) {
      const r = [rng(), rng(), rng(), rng(), rng(), rng()] as const;
      if (k >= n) continue;
      let started: number;
      let duration: number;
      if (s.name === 'farm1' && k === 0) {
        // Starts 10:00-10:40 and runs >= 1 h: in progress ('I') at the 10:47:01 snapshot.
        started = dayStart + 36_000 + Math.floor(r[0] * 2400);
        duration = 3600 + Math.floor(r[1] * 3600);
      } else {
        started = dayStart + Math.floor(r[0] * 20 * 3600);
        duration = 1200 + Math.floor(r[1] * 3 * 3600);
      }
      const revTime = started - 300 - Math.floor(r[2] * 6 * 3600);
      out.push({
        id: d * 16 + j++,
        config: CONFIGS[Math.floor(r[3] * CONFIGS.length)]!,
        rev: String(baseRev - Math.floor(r[4] * 3)),
        rev_time: revTime,
        platform: s.platform,
        slave: s.name,
        started,
        duration,
        final: r[5] < 0.2 ? 'F' : 'S',
      });
    }
  }
  // Pending builds (not yet taken by a slave): empty slave, never started.
  if (((d % 3) + 3) % 3 === 0) {
    out.push({
      id: d * 16 + j++,
      config: pick(rng, CONFIGS),
      rev: String(baseRev + 2),
      rev_time: dayStart + 22 * 3600 + intIn(rng, 0, 3599),
      platform: 1,
      slave: '',
      started: 0,
      duration: 0,
      final: 'S',
    });
  }
  return out;
}

/**
 * The bitten_build rows of the trac.db snapshot taken on `day` at 10:47:01 UTC.
 * Pure: depends only on (day, now's UTC day, seed). The build history starts
 * 90 days before `now`; a later day's snapshot holds every build of an earlier
 * one (same ids) plus the newer builds, with in-progress builds finished.
 * Build times are Unix seconds; in-progress builds have status 'I' and
 * stopped 0; pending builds have slave '', started 0, status 'P'.
 */
export function bittenRowsFor(day: string, now: Date, seed: number | string): BittenRow[] {
  const D = dayNumber(day);
  const nowDay = Math.floor(nowSeconds(now) / DAY);
  // The backup job snapshots the db at its start time, but never after `now`:
  // a tree made early in the day must not hold builds from the future.
  const snapshot = Math.min(D * DAY + TIME_SEC, nowSeconds(now));
  const s = String(seed);
  const rows: BittenRow[] = [];
  for (let d = nowDay - HISTORY_DAYS; d <= D; d++) {
    for (const b of plannedBuilds(d, nowDay, s)) {
      const base = {
        id: b.id,
        config: b.config,
        rev: b.rev,
        rev_time: b.rev_time,
        platform: b.platform,
        slave: b.slave,
      };
      if (b.slave === '') {
        if (b.rev_time < snapshot) rows.push({ ...base, started: 0, stopped: 0, status: 'P' });
        continue;
      }
      if (b.started >= snapshot) continue;
      const stopped = b.started + b.duration;
      if (stopped > snapshot) rows.push({ ...base, started: b.started, stopped: 0, status: 'I' });
      else rows.push({ ...base, started: b.started, stopped, status: b.final });
    }
  }
  rows.sort((a, b) => a.id - b.id);
  return rows;
}

/**
 * What `examine_tracdb` should answer for these rows (SPEC section 6): builds
 * with `rev_time >= now - windowDays*86400` and a non-empty slave, grouped by
 * slave with max(id), max(rev) (text comparison, as SQLite does), max(rev_time)
 * and max(started); ordered by last start ascending, then slave name.
 */
export function expectedExamine(rows: readonly BittenRow[], now: Date, windowDays = 30): ExamineRow[] {
  const since = nowSeconds(now) - windowDays * DAY;
  const by = new Map<string, ExamineRow>();
  for (const r of rows) {
    if (r.slave === '' || r.rev_time < since) continue;
    const g = by.get(r.slave);
    if (!g) {
      by.set(r.slave, { slave: r.slave, id: r.id, rev: r.rev, rev_time: r.rev_time, started: r.started });
      continue;
    }
    g.id = Math.max(g.id, r.id);
    if (r.rev > g.rev) g.rev = r.rev;
    g.rev_time = Math.max(g.rev_time, r.rev_time);
    g.started = Math.max(g.started, r.started);
  }
  return [...by.values()].sort((a, b) => a.started - b.started || (a.slave < b.slave ? -1 : 1));
}

/**
 * Build a real SQLite Trac database in a temp file and return its bytes (the
 * temp directory is removed). better-sqlite3 is synchronous, so is this.
 */
function makeTracDb(rows: readonly BittenRow[], day: string, seed: string, attachments: readonly Attachment[]): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sample-tracdb-'));
  const file = path.join(dir, 'trac.db');
  try {
    const db = new Database(file);
    try {
      db.exec(`
        CREATE TABLE system (name text PRIMARY KEY, value text);
        CREATE TABLE bitten_build (id integer PRIMARY KEY, config text, rev text,
          rev_time integer, platform integer, slave text, started integer,
          stopped integer, status text);
        CREATE INDEX bitten_build_config_rev_slave_idx ON bitten_build (config, rev, slave);
        CREATE TABLE bitten_platform (id integer PRIMARY KEY, config text, name text);
        CREATE TABLE bitten_slave (build integer, propname text, propvalue text,
          UNIQUE (build, propname));
        CREATE TABLE attachment (type text, id text, filename text, size integer,
          time integer, description text, author text, ipnr text,
          UNIQUE (type, id, filename));
        CREATE TABLE ticket (id integer PRIMARY KEY, type text, time integer,
          changetime integer, component text, severity text, priority text,
          owner text, reporter text, status text, summary text);
      `);
      const dayStart = dayNumber(day) * DAY;
      db.transaction(() => {
        const sys = db.prepare('INSERT INTO system (name, value) VALUES (?, ?)');
        sys.run('database_version', '21');
        sys.run('bitten_version', '12');
        sys.run('youngest_rev', rows.reduce((a, r) => (r.rev > a ? r.rev : a), '0'));
        const plat = db.prepare('INSERT INTO bitten_platform (id, config, name) VALUES (?, ?, ?)');
        plat.run(1, 'dybinst', 'linux-x86_64-slc4');
        plat.run(2, 'dybinst', 'linux-i686-slc4');
        plat.run(3, 'dybinst', 'linux-x86_64-sl5');
        const ins = db.prepare(
          `INSERT INTO bitten_build (id, config, rev, rev_time, platform, slave, started, stopped, status)
           VALUES (@id, @config, @rev, @rev_time, @platform, @slave, @started, @stopped, @status)`,
        );
        const prop = db.prepare('INSERT INTO bitten_slave (build, propname, propvalue) VALUES (?, ?, ?)');
        for (const r of rows) {
          ins.run(r);
          if (r.slave) {
            prop.run(r.id, 'name', r.slave);
            prop.run(r.id, 'os', 'Linux');
          }
        }
        const att = db.prepare(
          'INSERT INTO attachment (type, id, filename, size, time, description, author, ipnr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const a of attachments) {
          att.run('ticket', String(a.ticket), a.file, Buffer.byteLength(a.text), dayStart - 5 * DAY, a.description, 'admin', '127.0.0.1');
        }
        const rng = mulberry32(seedFrom(seed, 'tickets'));
        const tic = db.prepare(
          `INSERT INTO ticket (id, type, time, changetime, component, severity, priority, owner, reporter, status, summary)
           VALUES (?, 'defect', ?, ?, 'infrastructure', 'normal', 'major', 'admin', ?, ?, ?)`,
        );
        for (let t = 1; t <= 5; t++) {
          const time = dayStart - (40 - t * 5) * DAY + intIn(rng, 0, DAY - 1);
          tic.run(t, time, time + intIn(rng, 0, 3 * DAY), pick(rng, ['lin', 'dev', 'wei']),
            pick(rng, ['new', 'assigned', 'closed']), `sample ticket ${t}`);
        }
      })();
    } finally {
      db.close();
    }
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


// ---------------------------------------------------------------------------
// Tar writing

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

interface Attachment {
  ticket: number;
  file: string;
  description: string;
  text: string;
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

function* bulkChunks(seed: number, total: number, chunkSize = 64 * 1024): Iterable<Buffer> {
  const next = mulberry32u32(seed);
  for (let left = total; left > 0; left -= chunkSize) {
    yield fillBytes(next, Buffer.allocUnsafe(Math.min(chunkSize, left)));
  }
}

function dirs(names: readonly string[], mtime: Date): Member[] {
  return names.map((name) => ({ name: name.endsWith('/') ? name : `${name}/`, type: 'directory' as const, mtime }));
}

// ---------------------------------------------------------------------------
// Sidecars

/** The `.dna` text in one of the legal forms of SPEC 2. */
export function dnaText(md5: string, size: number, form: DnaForm = 'canonical'): string {
  switch (form) {
    case 'canonical':
      return formatDna({ dig: md5, size });
    case 'L':
      return `{'dig': '${md5}', 'size': ${size}L}\n`;
    case 'dq':
      return `{"size": ${size}, "dig": "${md5}"}`;
  }
}

// ---------------------------------------------------------------------------
// Content of each tarball kind

function svnMembers(repo: string, rev: number, day: string, seed: string, mtime: Date): Member[] {
  const rng = mulberry32(seedFrom(seed, 'svn', repo, day));
  const top = `${repo}-${rev}`;
  const lines = ['SVN-fs-dump-format-version: 2', '', `UUID: ${uuidFrom(seedFrom(seed, 'uuid', repo))}`, ''];
  for (let r = Math.max(0, rev - 3); r <= rev; r++) {
    const log = `sample commit r${r}`;
    const props = `K 7\nsvn:log\nV ${log.length}\n${log}\nK 10\nsvn:author\nV 5\nadmin\nPROPS-END\n`;
    lines.push(`Revision-number: ${r}`, `Prop-content-length: ${props.length}`, `Content-length: ${props.length}`, '', props);
    const path = `trunk/file${intIn(rng, 1, 40)}.txt`;
    const text = `content of ${path} at r${r}\n`;
    lines.push(
      `Node-path: ${path}`, 'Node-kind: file', 'Node-action: change',
      `Text-content-length: ${text.length}`, `Content-length: ${text.length}`, '', text,
    );
  }
  return [
    ...dirs([top, `${top}/db`], mtime),
    { name: `${top}/dump.svn`, data: lines.join('\n'), mtime },
    { name: `${top}/db/rev-${rev}.bin`, data: randomBytesFrom(seedFrom(seed, 'svnbin', repo, day), intIn(rng, 4096, 12288)), mtime },
  ];
}

function uuidFrom(seed: number): string {
  const h = randomBytesFrom(seed, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const ATTACHMENTS: readonly Attachment[] = [
  { ticket: 1, file: 'notes.txt', description: 'operator notes', text: 'Backup notes: nightly dump at 10:47, transfer after.\n' },
  { ticket: 1, file: 'slaves.txt', description: 'slave list', text: `${BITTEN_SLAVES.join('\n')}\n` },
  { ticket: 2, file: 'build.log', description: 'failed build log', text: 'make: *** [all] Error 2\n' },
];

function tracMembers(day: string, seed: string, bulk: number, tracdb: Buffer, mtime: Date, dbMtime: Date): Member[] {
  const ini = [
    '[trac]', 'database = sqlite:db/trac.db', 'repository_dir = /var/scm/repos/dybsvn', '',
    '[project]', 'name = dybsvn', 'descr = Daya Bay offline software', '',
    '[bitten]', 'slave_timeout = 86400', '',
  ].join('\n');
  return [
    ...dirs(['dybsvn', 'dybsvn/conf', 'dybsvn/attachments', 'dybsvn/attachments/ticket',
      'dybsvn/attachments/ticket/1', 'dybsvn/attachments/ticket/2', 'dybsvn/bulk', 'dybsvn/db', 'dybsvn/log'], mtime),
    { name: 'dybsvn/VERSION', data: 'Trac Environment Version 1\n', mtime },
    { name: 'dybsvn/conf/trac.ini', data: ini, mtime },
    ...ATTACHMENTS.map((a) => ({ name: `dybsvn/attachments/ticket/${a.ticket}/${a.file}`, data: a.text, mtime })),
    // Bulk first, then the database, then one more member: an extractor has
    // to skip the bulk and must not stop at trac.db.
    { name: 'dybsvn/bulk/blob.bin', size: bulk, chunks: () => bulkChunks(seedFrom(seed, 'bulk', day), bulk), mtime },
    { name: TRACDB_MEMBER, data: tracdb, mtime: dbMtime },
    { name: 'dybsvn/log/trac.log', data: `${day} 10:47:01 Trac[env] INFO: hotcopy for backup\n`, mtime: dbMtime },
  ];
}

function svnsetupMembers(day: string, seed: string, mtime: Date): Member[] {
  const rng = mulberry32(seedFrom(seed, 'svnsetup', day));
  const users = ['admin', 'lin', 'dev', 'wei', 'dwm'];
  const digest = users.map((u) => `${u}:dyb:${randomBytesFrom(seedFrom(seed, 'htdigest', u), 16).toString('hex')}`).join('\n');
  const authz = ['[groups]', `dyb = ${users.join(', ')}`, '', '[dybsvn:/]', '@dyb = rw', '* = r', '', '[dybaux:/]', '@dyb = rw', ''].join('\n');
  const conf = [
    '<Location /repos>', '  DAV svn', '  SVNParentPath /var/scm/repos',
    '  AuthzSVNAccessFile /etc/svnsetup/authz.conf', '  AuthType Digest', '  Require valid-user', '</Location>', '',
  ].join('\n');
  const hook = `#!/bin/sh\n# post-commit ${intIn(rng, 1, 9999)}\nREPOS="$1"\nREV="$2"\nexit 0\n`;
  return [
    ...dirs(['svnsetup', 'svnsetup/apache2', 'svnsetup/hooks'], mtime),
    { name: 'svnsetup/apache2/svn.conf', data: conf, mtime },
    { name: 'svnsetup/authz.conf', data: authz, mtime },
    { name: 'svnsetup/users.htdigest', data: `${digest}\n`, mtime, mode: 0o600 },
    { name: 'svnsetup/hooks/post-commit', data: hook, mtime, mode: 0o755 },
    { name: 'svnsetup/notes.txt', data: randomBytesFrom(seedFrom(seed, 'svnsetupnotes', day), 1024).toString('base64'), mtime },
  ];
}

function reposMembers(day: string, seed: string, rev: number, mtime: Date): Member[] {
  return [
    ...dirs(['env', 'env/db', 'env/conf'], mtime),
    { name: 'env/format', data: '5\n', mtime },
    { name: 'env/db/current', data: `${rev}\n`, mtime },
    { name: 'env/db/uuid', data: `${uuidFrom(seedFrom(seed, 'uuid', 'env'))}\n`, mtime },
    { name: 'env/conf/svnserve.conf', data: '[general]\nanon-access = none\n', mtime },
    { name: 'env/README.txt', data: `LOCKED copy of env, ${day}\n`, mtime },
  ];
}

// ---------------------------------------------------------------------------
// The tree

/** Throw a RangeError/TypeError naming the first bad option, without writing anything. */
export function checkSampleOptions(opts: SampleOptions): void {
  resolveOptions(opts);
}

function resolveOptions(opts: SampleOptions) {
  if (!opts || typeof opts.root !== 'string' || opts.root === '') throw new TypeError('root is required');
  const days = opts.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new RangeError(`bad days ${String(days)}: expected an integer from 1 to ${MAX_DAYS}`);
  }
  const bulk = opts.bulk ?? DEFAULT_BULK;
  const gzipLevel = opts.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  if (!Number.isInteger(gzipLevel) || gzipLevel < 0 || gzipLevel > 9) {
    throw new RangeError(`bad gzipLevel ${String(gzipLevel)}: expected an integer from 0 to 9`);
  }
  if (!Number.isSafeInteger(bulk) || bulk < 0) throw new RangeError(`bad bulk ${String(bulk)}: expected a byte count >= 0`);
  const seedRaw = opts.seed ?? 1;
  if (typeof seedRaw !== 'string' && !(typeof seedRaw === 'number' && Number.isFinite(seedRaw))) {
    throw new TypeError(`bad seed ${String(seedRaw)}`);
  }
  const now = opts.now ?? new Date();
  const nowSec = nowSeconds(now);
  let endDay = Math.floor(nowSec / DAY);
  if (opts.end !== undefined) {
    try {
      endDay = dayNumber(opts.end);
    } catch (err) {
      throw new RangeError((err as Error).message.replace(/^bad day/, 'bad end'));
    }
  }
  return { root: path.resolve(opts.root), days, bulk, seed: String(seedRaw), now, endDay, pending: opts.pending ?? true, gzipLevel };
}

/**
 * Fill `opts.root` with a deterministic sample backup tree and return what was
 * written. Existing files at the same paths are overwritten; a stale sidecar
 * of a pending tarball is removed; nothing else is touched.
 */
export async function makeSampleTree(opts: SampleOptions): Promise<SampleManifest> {
  const o = resolveOptions(opts);
  await mkdir(o.root, { recursive: true });
  const dayNums = Array.from({ length: o.days }, (_, i) => o.endDay - o.days + 1 + i);
  const manifest: SampleManifest = {
    root: o.root,
    days: dayNums.map(dayString),
    tarballs: [],
    offLayout: [],
    tracdb: [],
    bitten: {},
  };

  const revRng = {
    dybsvn: mulberry32(seedFrom(o.seed, 'rev', 'dybsvn')),
    dybaux: mulberry32(seedFrom(o.seed, 'rev', 'dybaux')),
  };
  let dybsvnRev = 20550;
  let dybauxRev = 5120;
  let sidecarIndex = 0;

  const put = async (
    catfold: string, subfold: string, dayN: number, name: string, members: readonly Member[],
    minutes: number, pending: boolean,
  ) => {
    const day = dayString(dayN);
    const rel = `${catfold}/${subfold}/${day}/${TIME_FOLDER}/${name}`;
    const abs = path.join(o.root, ...rel.split('/'));
    const { size, md5 } = await writeTarGz(abs, members, { level: o.gzipLevel });
    const t = dayN * DAY + TIME_SEC + minutes * 60;
    await utimes(abs, t, t);
    let dnaForm: DnaForm | null = null;
    if (pending) {
      await rm(`${abs}.dna`, { force: true });
    } else {
      const i = sidecarIndex++;
      dnaForm = i === 1 ? 'dq' : i % 3 === 2 ? 'L' : 'canonical';
      await writeFile(`${abs}.dna`, dnaText(md5, size, dnaForm));
      await utimes(`${abs}.dna`, t + 20, t + 20);
    }
    manifest.tarballs.push({ path: rel, size, md5, pending, catfold, subfold, day, time: TIME_FOLDER, name, dnaForm });
    return rel;
  };

  for (const [i, dayN] of dayNums.entries()) {
    const day = dayString(dayN);
    if (i > 0) {
      dybsvnRev += intIn(revRng.dybsvn, 2, 6);
      dybauxRev += intIn(revRng.dybaux, 1, 4);
    }
    const runStart = dayN * DAY + TIME_SEC;
    const mtime = new Date((runStart - 3600) * 1000);
    const snap = new Date(runStart * 1000);

    await put('folders', 'svnsetup', dayN, 'svnsetup.tar.gz', svnsetupMembers(day, o.seed, mtime), 1, false);
    await put('svn', 'dybaux', dayN, `dybaux-${dybauxRev}.tar.gz`, svnMembers('dybaux', dybauxRev, day, o.seed, mtime), 2, false);
    await put('svn', 'dybsvn', dayN, `dybsvn-${dybsvnRev}.tar.gz`, svnMembers('dybsvn', dybsvnRev, day, o.seed, mtime), 4, false);
    await put('reposLOCKED', 'env', dayN, 'env.tar.gz', reposMembers(day, o.seed, dybsvnRev, mtime), 6, false);

    const rows = bittenRowsFor(day, o.now, o.seed);
    manifest.bitten[day] = rows;
    const db = makeTracDb(rows, day, o.seed, ATTACHMENTS);
    const pending = o.pending && i === dayNums.length - 1;
    const rel = await put('tracs', 'dybsvn', dayN, 'dybsvn.tar.gz', tracMembers(day, o.seed, o.bulk, db, mtime, snap), 9, pending);
    manifest.tracdb.push({
      day,
      path: rel,
      member: TRACDB_MEMBER,
      size: db.length,
      md5: createHash('md5').update(db).digest('hex'),
    });
  }

  const off: Array<[string, string]> = [
    ['README.txt', 'Sample backup tree made by test/support/sampleTree.ts. Not a tarball: ignore me.\n'],
    ['svn/dybsvn/notes.txt', 'Off-layout note inside a subfold: every command must ignore it.\n'],
  ];
  for (const [rel, text] of off) {
    const abs = path.join(o.root, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
    const t = dayNums[dayNums.length - 1]! * DAY + TIME_SEC;
    await utimes(abs, t, t);
    manifest.offLayout.push(rel);
  }
  return manifest;
}

/** Parse a byte count with an optional binary suffix: '262144', '256K', '10M', '1G' (also 'KiB', 'MB'...). */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*([kmg])?(i?b)?$/i.exec(text.trim());
  if (!m) throw new RangeError(`bad size '${text}': expected bytes, optionally with K, M or G`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * mult;
  if (!Number.isSafeInteger(n)) throw new RangeError(`bad size '${text}': too large`);
  return n;
}
