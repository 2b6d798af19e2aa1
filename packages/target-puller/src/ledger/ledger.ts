/**
 * The ledger (SPEC section 7): an SQLite history of runs, transfers,
 * verifications, purges and extractions. It is what `status`, `report` and
 * "never fetch a purged tarball again" read. Losing it loses history, never
 * data: every decision that protects data is also made from the files.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Forward-only migrations; the index + 1 is the schema version (PRAGMA user_version). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     command TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     result TEXT NOT NULL DEFAULT 'running',
     error TEXT,
     pid INTEGER NOT NULL,
     days TEXT,
     files INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE transfers (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     path TEXT NOT NULL,
     size INTEGER,
     md5 TEXT,
     etag TEXT,
     source_url TEXT,
     bytes_fetched INTEGER NOT NULL DEFAULT 0,
     resumed_from INTEGER NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     result TEXT NOT NULL DEFAULT 'running',
     error TEXT
   );
   CREATE INDEX transfers_path ON transfers(path);
   CREATE TABLE verifications (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     path TEXT NOT NULL,
     expected_md5 TEXT,
     expected_size INTEGER,
     actual_md5 TEXT,
     actual_size INTEGER,
     ok INTEGER NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX verifications_path ON verifications(path);
   CREATE TABLE purges (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     kind TEXT NOT NULL,
     path TEXT NOT NULL,
     size INTEGER,
     md5 TEXT,
     at INTEGER NOT NULL
   );
   CREATE INDEX purges_path ON purges(path);
   CREATE TABLE extractions (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     tarball_path TEXT NOT NULL,
     out_path TEXT NOT NULL,
     size INTEGER,
     result TEXT NOT NULL,
     error TEXT,
     at INTEGER NOT NULL
   );`,
];

export type RunResult = 'running' | 'ok' | 'failed' | 'aborted';

export interface RunRow {
  id: number;
  command: string;
  started_at: number;
  ended_at: number | null;
  result: RunResult;
  error: string | null;
  pid: number;
  days: string | null;
  files: number;
  bytes: number;
}

export interface TransferRecord {
  path: string;
  size: number | null;
  md5: string | null;
  etag: string | null;
  sourceUrl: string | null;
  bytesFetched: number;
  resumedFrom: number;
  attempts: number;
  startedAt: number;
  endedAt: number | null;
  result: 'ok' | 'failed' | 'mismatch' | 'aborted';
  error: string | null;
}

export interface VerificationRecord {
  path: string;
  expectedMd5: string | null;
  expectedSize: number | null;
  actualMd5: string | null;
  actualSize: number | null;
  ok: boolean;
}

export function defaultLedgerPath(targetRoot: string): string {
  return join(targetRoot, '.altbackup', 'ledger.sqlite');
}

export class Ledger {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  static open(file: string): Ledger {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new Ledger(db);
  }

  close(): void {
    this.db.close();
  }

  startRun(command: string, days: readonly string[] = [], now = Date.now()): number {
    const info = this.db
      .prepare('INSERT INTO runs (command, started_at, pid, days) VALUES (?, ?, ?, ?)')
      .run(command, now, process.pid, days.join(','));
    return Number(info.lastInsertRowid);
  }

  endRun(id: number, result: RunResult, stats: { files?: number; bytes?: number; error?: string | null } = {}, now = Date.now()): void {
    this.db
      .prepare('UPDATE runs SET ended_at = ?, result = ?, error = ?, files = ?, bytes = ? WHERE id = ?')
      .run(now, result, stats.error ?? null, stats.files ?? 0, stats.bytes ?? 0, id);
  }

  lastRun(command: string): RunRow | undefined {
    return lastFinishedRun(this.db, command);
  }

  recordTransfer(runId: number | null, t: TransferRecord): number {
    const info = this.db
      .prepare(`INSERT INTO transfers (run_id, path, size, md5, etag, source_url, bytes_fetched, resumed_from, attempts, started_at, ended_at, result, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(runId, t.path, t.size, t.md5, t.etag, t.sourceUrl, t.bytesFetched, t.resumedFrom, t.attempts, t.startedAt, t.endedAt, t.result, t.error);
    return Number(info.lastInsertRowid);
  }

  recordVerification(runId: number | null, v: VerificationRecord, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO verifications (run_id, path, expected_md5, expected_size, actual_md5, actual_size, ok, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, v.path, v.expectedMd5, v.expectedSize, v.actualMd5, v.actualSize, v.ok ? 1 : 0, now);
  }

  recordPurge(runId: number | null, p: { kind: 'tarball' | 'extracted'; path: string; size?: number | null; md5?: string | null }, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO purges (run_id, kind, path, size, md5, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, p.kind, p.path, p.size ?? null, p.md5 ?? null, now);
  }

  /** Tarball paths that purge_target deleted: `pull` never fetches them again. */
  purgedTarballs(): Set<string> {
    const rows = this.db.prepare("SELECT DISTINCT path FROM purges WHERE kind = 'tarball'").all() as { path: string }[];
    return new Set(rows.map((r) => r.path));
  }

  recordExtraction(runId: number | null, e: { tarballPath: string; outPath: string; size: number | null; result: 'ok' | 'skipped' | 'failed'; error?: string | null }, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO extractions (run_id, tarball_path, out_path, size, result, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(runId, e.tarballPath, e.outPath, e.size, e.result, e.error ?? null, now);
  }

  /** The latest verification of each path (for status: outstanding mismatches). */
  latestVerifications(): VerificationRecord[] {
    const rows = this.db
      .prepare(`SELECT v.* FROM verifications v JOIN (SELECT path, MAX(id) AS id FROM verifications GROUP BY path) last ON v.id = last.id`)
      .all() as { path: string; expected_md5: string | null; expected_size: number | null; actual_md5: string | null; actual_size: number | null; ok: number }[];
    return rows.map((r) => ({ path: r.path, expectedMd5: r.expected_md5, expectedSize: r.expected_size, actualMd5: r.actual_md5, actualSize: r.actual_size, ok: r.ok === 1 }));
  }
}

/** The newest finished run of `command`. */
export function lastFinishedRun(db: Database.Database, command: string): RunRow | undefined {
  return db
    .prepare("SELECT * FROM runs WHERE command = ? AND result != 'running' ORDER BY id DESC LIMIT 1")
    .get(command) as RunRow | undefined;
}

/**
 * The ledger as `status`, `ls` and `report` read it. The writer's
 * `Ledger.open` makes the folder, sets the journal mode and migrates the
 * schema; a command that only reads must change nothing, so this open skips
 * all three and refuses writes (`query_only`). The connection stays
 * read-write underneath (SQLite falls back to read-only when the file is not
 * writable) so that, closing last, it removes the -wal/-shm files SQLite
 * makes to read a WAL database, as the writer's close does.
 *
 * `read(db)` on the ledger at `file`; `none` when there is no ledger or it has no schema yet.
 */
export function readLedger<T>(file: string, none: T, read: (db: Database.Database) => T): T {
  if (!existsSync(file)) return none;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('query_only = ON');
    if (db.pragma('user_version', { simple: true }) === 0) return none;
    return read(db);
  } finally {
    db.close();
  }
}

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`ledger schema version ${version} is newer than this altbackup understands (${MIGRATIONS.length}); upgrade altbackup`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
