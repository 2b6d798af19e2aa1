/** The `altbackup` program: its commands and the flags only it takes. */
import { dumpCommand, lazyCommand, packageVersion, type ProgramDef } from '@altbackup/shared';

export const targetProgram: ProgramDef = {
  name: 'altbackup',
  program: 'target',
  summary: 'pull, verify, keep and inspect off-site copies of backup tarballs (target node)',
  commands: [
    lazyCommand({ name: 'pull', aliases: ['transfer'], summary: 'fetch the selected days\' wanted tarballs the target lacks: resumable, verified, one run at a time' }, () => import('./commands/pull.js')),
    lazyCommand({ name: 'check_target', summary: "recompute the day's tarball digests (or --all), compare with sidecars and [expect]; say what is in progress, pending or missing" }, () => import('./commands/checkTarget.js')),
    lazyCommand({ name: 'purge_target', summary: 'keep the newest --keep verified tarballs per <catfold>/<subfold>, delete older ones and empty folders' }, () => import('./commands/purgeTarget.js')),
    lazyCommand({ name: 'check_restore', summary: "prove that the day's verified tarballs (or --all, or the --oldest N) restore: svn hot copies pass svnadmin verify at the revision their name promises, Trac databases pass integrity_check, every archive reads to its end" }, () => import('./commands/checkRestore.js')),
    lazyCommand({ name: 'scrub', summary: 'read stored tarballs again against their sidecars, checked longest ago first, within --max-bytes and --max-duration; a corrupt copy is kept and fetched again by the next pull' }, () => import('./commands/scrub.js')),
    lazyCommand({ name: 'restore', operand: 'CATFOLD/SUBFOLD', summary: 'unpack the newest restore-proven copy of a folder (or the --day one, proven first) into an empty --to DIR, and say how to put it in service' }, () => import('./commands/restore.js')),
    lazyCommand({ name: 'extract_tracdb', summary: "extract <name>/db/trac.db from the day's verified Trac tarball of each wanted Trac into --base" }, () => import('./commands/extractTracdb.js')),
    lazyCommand({ name: 'examine_tracdb', summary: "per Bitten slave active in --window-days: last build id, rev, rev time, start (UTC), quiet slaves first; from the day's extracted trac.db" }, () => import('./commands/examineTracdb.js')),
    lazyCommand({ name: 'purge_extracted', summary: 'keep the newest --keep-extracted extracted trac.db per Trac, delete older ones and their emptied folders' }, () => import('./commands/purgeExtracted.js')),
    lazyCommand({ name: 'ls', aliases: ['tls'], summary: "list the target's tarballs with size, date and verification state (all days unless --day/--since)" }, () => import('./commands/ls.js')),
    lazyCommand({ name: 'sls', summary: "list the source's tarballs of the day (or --since) through its HTTP API" }, () => import('./commands/sls.js')),
    lazyCommand({ name: 'status', summary: 'health of the mirror: newest verified tarball per wanted name and its age, counts, in-progress and pending items, last pull; exit 1 when unhealthy' }, () => import('./commands/status.js')),
    lazyCommand({ name: 'report', summary: 'write a self-contained HTML page (--out FILE.html) with plots of sizes, pull times, throughput, resumes and verifications from the ledger' }, () => import('./commands/report.js')),
    dumpCommand,
  ],
  flags: {
    'accept-changed': { type: 'string', multiple: true, value: 'PATH', help: 'pull: the source\'s new version of PATH (a copy the target holds verified) is right: move the old copy to .altbackup/replaced/ and fetch the new one (repeatable)' },
    oldest: { type: 'string', value: 'N', help: 'check_restore: prove the N tarballs whose restore proof is oldest (never proven first), whatever their day' },
    to: { type: 'string', value: 'DIR', help: 'restore: the empty or new folder to unpack into' },
    all: { type: 'boolean', help: 'check_target, check_restore: every tarball on the target, not only the selected days' },
    prometheus: { type: 'string', value: 'FILE', help: 'status: also write node_exporter textfile metrics to FILE' },
    out: { type: 'string', value: 'FILE', help: 'report: HTML file to write' },
  },
  // dist/program.js sits one folder below the package root.
  version: packageVersion(new URL('../package.json', import.meta.url)),
};
