/**
 * The Trac database of a snapshot: a real SQLite file with Trac's system
 * table, Bitten's tables (SPEC section 6), attachments and tickets.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BittenRow } from './bitten.js';
import { DAY, dayNumber } from './clock.js';
import { intIn, mulberry32, pick, seedFrom } from './prng.js';

export interface Attachment {
  ticket: number;
  file: string;
  description: string;
  text: string;
}

/**
 * Build a real SQLite Trac database in a temp file and return its bytes (the
 * temp directory is removed). better-sqlite3 is synchronous, so is this.
 */
export function makeTracDb(rows: readonly BittenRow[], day: string, seed: string, attachments: readonly Attachment[]): Buffer {
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
