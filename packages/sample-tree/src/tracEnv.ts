/**
 * The members of a Trac tarball as `trac-admin <env> hotcopy` leaves the
 * environment: `dybsvn/...` with the database at `dybsvn/db/trac.db`.
 */
import { BITTEN_SLAVES } from './bitten.js';
import { randomChunks, seedFrom } from './prng.js';
import { dirs, type Member } from './tarGz.js';
import type { Attachment } from './tracDb.js';

export const TRACDB_MEMBER = 'dybsvn/db/trac.db' as const;

export const ATTACHMENTS: readonly Attachment[] = [
  { ticket: 1, file: 'notes.txt', description: 'operator notes', text: 'Backup notes: nightly dump at 10:47, transfer after.\n' },
  { ticket: 1, file: 'slaves.txt', description: 'slave list', text: `${BITTEN_SLAVES.join('\n')}\n` },
  { ticket: 2, file: 'build.log', description: 'failed build log', text: 'make: *** [all] Error 2\n' },
];

export function tracMembers(day: string, seed: string, bulk: number, tracdb: Buffer, mtime: Date, dbMtime: Date): Member[] {
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
    { name: 'dybsvn/bulk/blob.bin', size: bulk, chunks: () => randomChunks(seedFrom(seed, 'bulk', day), bulk), mtime },
    { name: TRACDB_MEMBER, data: tracdb, mtime: dbMtime },
    { name: 'dybsvn/log/trac.log', data: `${day} 10:47:01 Trac[env] INFO: hotcopy for backup\n`, mtime: dbMtime },
  ];
}
