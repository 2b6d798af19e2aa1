/**
 * The ledger's schema as forward-only migrations: a new column or table is a
 * new entry, never an edit of an old one, so any older ledger migrates.
 */
/** Forward-only migrations; the index + 1 is the schema version (PRAGMA user_version). */
export const MIGRATIONS: readonly string[] = [
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
  // 2: what the source did that the target refused to follow (a verified copy
  // listed again with other bytes), and new copies much smaller than the
  // series' last good one.
  `CREATE TABLE source_changes (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     path TEXT NOT NULL,
     old_md5 TEXT,
     old_size INTEGER,
     new_md5 TEXT NOT NULL,
     new_size INTEGER NOT NULL,
     source_url TEXT,
     at INTEGER NOT NULL,
     resolved_at INTEGER,
     resolution TEXT
   );
   CREATE INDEX source_changes_path ON source_changes(path);
   CREATE TABLE suspicions (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     path TEXT NOT NULL,
     size INTEGER NOT NULL,
     md5 TEXT NOT NULL,
     previous_path TEXT NOT NULL,
     previous_size INTEGER NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX suspicions_path ON suspicions(path);`,
  // 3: restore proofs (check_restore): the copy with this md5 restores, or what failed.
  `CREATE TABLE restore_proofs (
     id INTEGER PRIMARY KEY,
     run_id INTEGER REFERENCES runs(id),
     path TEXT NOT NULL,
     md5 TEXT NOT NULL,
     size INTEGER NOT NULL,
     kind TEXT NOT NULL,
     result TEXT NOT NULL,
     detail TEXT,
     revision INTEGER,
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL
   );
   CREATE INDEX restore_proofs_path ON restore_proofs(path);`,
];
