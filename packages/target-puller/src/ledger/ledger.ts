/**
 * The ledger (SPEC section 7): an SQLite history of runs, transfers,
 * verifications, purges and extractions. It is what `status`, `report` and
 * "never fetch a purged tarball again" read. Losing it loses history, never
 * data: every decision that protects data is also made from the files.
 *
 * Two ways in, one per kind of command:
 * - `Ledger.open` for a command that changes the target: creates the file,
 *   sets WAL, migrates the schema.
 * - `Ledger.read` for a command that only looks, and for every dry run:
 *   creates nothing, refuses writes, and answers every read as the real run
 *   would (a missing ledger reads as an empty one), so a dry run's plan is
 *   the real run's plan. `run()` on it records nothing.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AltError } from '@altbackup/shared';
import { MIGRATIONS } from './schema.js';

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

export type TransferResult = 'ok' | 'failed' | 'mismatch' | 'aborted';

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
  result: TransferResult;
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

/** The latest digest comparison of one path: what the verification rule reads. */
export interface LatestCheck extends VerificationRecord {
  /** When it ran (ms since epoch). */
  at: number;
}

export interface PurgeRecord {
  kind: 'tarball' | 'extracted';
  path: string;
  size?: number | null;
  md5?: string | null;
}

export interface ExtractionRecord {
  tarballPath: string;
  outPath: string;
  size: number | null;
  result: 'ok' | 'skipped' | 'failed';
  error?: string | null;
}

/** A transfers row as stored. */
export interface TransferRow {
  id: number;
  run_id: number | null;
  path: string;
  size: number | null;
  md5: string | null;
  bytes_fetched: number;
  resumed_from: number;
  attempts: number;
  started_at: number;
  ended_at: number | null;
  result: string;
  error: string | null;
}

/** A verifications row as stored. */
export interface VerificationRow {
  id: number;
  run_id: number | null;
  path: string;
  actual_size: number | null;
  ok: number;
  at: number;
}

/** The whole history, in id order, as `report` plots it. */
export interface LedgerHistory {
  runs: RunRow[];
  transfers: TransferRow[];
  verifications: VerificationRow[];
}

/** A verified copy the source listed again with other bytes. */
export interface SourceChangeRecord {
  path: string;
  oldMd5: string | null;
  oldSize: number | null;
  newMd5: string;
  newSize: number;
  sourceUrl: string | null;
}

export interface SourceChangeRow extends SourceChangeRecord {
  id: number;
  at: number;
}

/** A new copy much smaller than the last good copy of its series. */
export interface SuspicionRecord {
  path: string;
  size: number;
  md5: string;
  previousPath: string;
  previousSize: number;
}

/** One restore proof of a copy (its md5 says which bytes were proven). */
export interface RestoreProofRecord {
  path: string;
  md5: string;
  size: number;
  kind: string;
  /** `ok`, `failed` (the copy does not restore), or `timeout` (nothing was learned). */
  result: 'ok' | 'failed' | 'timeout';
  detail: string | null;
  revision: number | null;
  startedAt: number;
  endedAt: number;
}

/** How a run ended, as its command sums it up. */
export interface RunEnd {
  result: Exclude<RunResult, 'running'>;
  files?: number;
  bytes?: number;
  error?: string | null;
}

/** What a command records during one run; a dry run's recorder records nothing. */
export interface RunRecorder {
  transfer(t: TransferRecord): void;
  verification(v: VerificationRecord): void;
  purge(p: PurgeRecord): void;
  extraction(e: ExtractionRecord): void;
  sourceChange(c: SourceChangeRecord): void;
  /** The operator's action that ends the alarms of `path`. */
  resolveChanges(path: string, resolution: string): void;
  suspicion(s: SuspicionRecord): void;
  restoreProof(p: RestoreProofRecord): void;
}

const NOTHING: RunRecorder = {
  transfer() {}, verification() {}, purge() {}, extraction() {}, sourceChange() {}, resolveChanges() {}, suspicion() {}, restoreProof() {},
};

export class Ledger {
  readonly db: Database.Database;
  /** Opened by `read`: every write is refused, `run` records nothing. */
  readonly readOnly: boolean;

  private constructor(db: Database.Database, readOnly: boolean) {
    this.db = db;
    this.readOnly = readOnly;
  }

  /** The ledger at `file` for a command that changes the target. */
  static open(file: string): Ledger {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return new Ledger(db, false);
  }

  /**
   * The ledger at `file` as a reader sees it. The connection stays
   * read-write underneath (SQLite falls back to read-only when the file is
   * not writable) so that, closing last, it removes the -wal/-shm files
   * SQLite makes to read a WAL database; `query_only` refuses writes. A
   * missing file, or one without schema, reads as an empty ledger (held in
   * memory); an older schema is migrated in a memory copy, never on disk.
   */
  static read(file: string): Ledger {
    if (!existsSync(file)) return Ledger.empty();
    const db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === MIGRATIONS.length) {
      db.pragma('query_only = ON');
      return new Ledger(db, true);
    }
    if (version > MIGRATIONS.length) {
      db.close();
      throw tooNew(file, version);
    }
    const copy = version === 0 ? new Database(':memory:') : new Database(db.serialize());
    db.close();
    migrate(copy, file);
    copy.pragma('query_only = ON');
    return new Ledger(copy, true);
  }

  /** `read` for a dry run, `open` otherwise: the one dry-run policy of every command. */
  static forCommand(file: string, dryRun: boolean): Ledger {
    return dryRun ? Ledger.read(file) : Ledger.open(file);
  }

  private static empty(): Ledger {
    const db = new Database(':memory:');
    migrate(db, ':memory:');
    db.pragma('query_only = ON');
    return new Ledger(db, true);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs one command's work as a ledger run: a `runs` row opened before and
   * closed after (by `end`, or as failed, or aborted when the run was
   * stopped), and a recorder whose rows point at it.
   */
  async run<T>(command: string, days: readonly string[], fn: (rec: RunRecorder) => Promise<T>, end: (value: T) => RunEnd): Promise<T> {
    if (this.readOnly) return fn(NOTHING);
    const id = this.startRun(command, days);
    const rec: RunRecorder = {
      transfer: (t) => this.recordTransfer(id, t),
      verification: (v) => this.recordVerification(id, v),
      purge: (p) => this.recordPurge(id, p),
      extraction: (e) => this.recordExtraction(id, e),
      sourceChange: (c) => this.recordSourceChange(id, c),
      resolveChanges: (path, resolution) => this.resolveSourceChanges(path, resolution),
      suspicion: (x) => this.recordSuspicion(id, x),
      restoreProof: (p) => this.recordRestoreProof(id, p),
    };
    let value: T;
    try {
      value = await fn(rec);
    } catch (e) {
      const stopped = e instanceof AltError && e.code === 'deadline';
      this.endRun(id, stopped ? 'aborted' : 'failed', { error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    const { result, ...stats } = end(value);
    this.endRun(id, result, stats);
    return value;
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

  recordPurge(runId: number | null, p: PurgeRecord, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO purges (run_id, kind, path, size, md5, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, p.kind, p.path, p.size ?? null, p.md5 ?? null, now);
  }

  recordExtraction(runId: number | null, e: ExtractionRecord, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO extractions (run_id, tarball_path, out_path, size, result, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(runId, e.tarballPath, e.outPath, e.size, e.result, e.error ?? null, now);
  }

  /** Records a source change once: an open alarm for the same path and new bytes is not repeated. */
  recordSourceChange(runId: number | null, c: SourceChangeRecord, now = Date.now()): void {
    const open = this.db.prepare('SELECT 1 FROM source_changes WHERE path = ? AND new_md5 = ? AND new_size = ? AND resolved_at IS NULL').get(c.path, c.newMd5, c.newSize);
    if (open) return;
    this.db
      .prepare('INSERT INTO source_changes (run_id, path, old_md5, old_size, new_md5, new_size, source_url, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, c.path, c.oldMd5, c.oldSize, c.newMd5, c.newSize, c.sourceUrl, now);
  }

  resolveSourceChanges(path: string, resolution: string, now = Date.now()): void {
    this.db.prepare('UPDATE source_changes SET resolved_at = ?, resolution = ? WHERE path = ? AND resolved_at IS NULL').run(now, resolution, path);
  }

  /** Alarms no operator has acted on yet, oldest first. */
  openSourceChanges(): SourceChangeRow[] {
    const rows = this.db.prepare('SELECT * FROM source_changes WHERE resolved_at IS NULL ORDER BY id').all() as
      { id: number; path: string; old_md5: string | null; old_size: number | null; new_md5: string; new_size: number; source_url: string | null; at: number }[];
    return rows.map((r) => ({ id: r.id, path: r.path, oldMd5: r.old_md5, oldSize: r.old_size, newMd5: r.new_md5, newSize: r.new_size, sourceUrl: r.source_url, at: r.at }));
  }

  recordSuspicion(runId: number | null, x: SuspicionRecord, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO suspicions (run_id, path, size, md5, previous_path, previous_size, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(runId, x.path, x.size, x.md5, x.previousPath, x.previousSize, now);
  }

  /** The latest suspicion of each path. */
  suspicions(): Map<string, SuspicionRecord> {
    const rows = this.db
      .prepare('SELECT s.* FROM suspicions s JOIN (SELECT path, MAX(id) AS id FROM suspicions GROUP BY path) last ON s.id = last.id')
      .all() as { path: string; size: number; md5: string; previous_path: string; previous_size: number }[];
    return new Map(rows.map((r) => [r.path, { path: r.path, size: r.size, md5: r.md5, previousPath: r.previous_path, previousSize: r.previous_size }]));
  }

  recordRestoreProof(runId: number | null, p: RestoreProofRecord): void {
    this.db
      .prepare('INSERT INTO restore_proofs (run_id, path, md5, size, kind, result, detail, revision, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, p.path, p.md5, p.size, p.kind, p.result, p.detail, p.revision, p.startedAt, p.endedAt);
  }

  /** The latest conclusive proof (ok or failed) of each path; timeouts tell nothing about the copy. */
  latestRestoreProofs(): Map<string, RestoreProofRecord> {
    const rows = this.db
      .prepare(`SELECT p.* FROM restore_proofs p JOIN (SELECT path, MAX(id) AS id FROM restore_proofs WHERE result != 'timeout' GROUP BY path) last ON p.id = last.id`)
      .all() as { path: string; md5: string; size: number; kind: string; result: 'ok' | 'failed'; detail: string | null; revision: number | null; started_at: number; ended_at: number }[];
    return new Map(rows.map((r) => [r.path, {
      path: r.path, md5: r.md5, size: r.size, kind: r.kind, result: r.result, detail: r.detail, revision: r.revision, startedAt: r.started_at, endedAt: r.ended_at,
    }]));
  }

  /** The newest finished run of `command`. */
  lastRun(command: string): RunRow | undefined {
    return this.db
      .prepare("SELECT * FROM runs WHERE command = ? AND result != 'running' ORDER BY id DESC LIMIT 1")
      .get(command) as RunRow | undefined;
  }

  /**
   * How hard run `runId` had to work: transfers that resumed a `.part`
   * instead of starting at byte 0, and attempts beyond each transfer's first.
   */
  runEffort(runId: number): { resumes: number; retries: number } {
    return this.db
      .prepare('SELECT COUNT(CASE WHEN resumed_from > 0 THEN 1 END) AS resumes, COALESCE(SUM(MAX(attempts - 1, 0)), 0) AS retries FROM transfers WHERE run_id = ?')
      .get(runId) as { resumes: number; retries: number };
  }

  /** Runs of `command` recorded as running, newest first (their process may be gone). */
  runningRuns(command: string): RunRow[] {
    return this.db.prepare("SELECT * FROM runs WHERE command = ? AND result = 'running' ORDER BY id DESC").all(command) as RunRow[];
  }

  /** Tarball paths that purge_target deleted: `pull` never fetches them again. */
  purgedTarballs(): Set<string> {
    const rows = this.db.prepare("SELECT DISTINCT path FROM purges WHERE kind = 'tarball'").all() as { path: string }[];
    return new Set(rows.map((r) => r.path));
  }

  history(): LedgerHistory {
    return {
      runs: this.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[],
      transfers: this.db.prepare('SELECT id, run_id, path, size, md5, bytes_fetched, resumed_from, attempts, started_at, ended_at, result, error FROM transfers ORDER BY id').all() as TransferRow[],
      verifications: this.db.prepare('SELECT id, run_id, path, actual_size, ok, at FROM verifications ORDER BY id').all() as VerificationRow[],
    };
  }

  /** The latest digest comparison of each path. */
  latestChecks(): Map<string, LatestCheck> {
    const rows = this.db
      .prepare(`SELECT v.* FROM verifications v JOIN (SELECT path, MAX(id) AS id FROM verifications GROUP BY path) last ON v.id = last.id`)
      .all() as { path: string; expected_md5: string | null; expected_size: number | null; actual_md5: string | null; actual_size: number | null; ok: number; at: number }[];
    return new Map(rows.map((r) => [r.path, {
      path: r.path, expectedMd5: r.expected_md5, expectedSize: r.expected_size, actualMd5: r.actual_md5, actualSize: r.actual_size, ok: r.ok === 1, at: r.at,
    }]));
  }
}

function tooNew(file: string, version: number): AltError {
  return new AltError('ledger-too-new', `ledger ${file} has schema version ${version}, newer than this altbackup understands (${MIGRATIONS.length}): upgrade altbackup`);
}

function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw tooNew(file, version);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
