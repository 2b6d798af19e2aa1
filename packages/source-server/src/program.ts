/** The `altbackup-source` program: its commands and the flags only it takes. */
import { dumpCommand, lazyCommand, packageVersion, type ProgramDef } from '@altbackup/shared';

export const sourceProgram: ProgramDef = {
  name: 'altbackup-source',
  program: 'source',
  summary: 'serve backup tarballs read-only to the target node and check them (source node)',
  commands: [
    lazyCommand({ name: 'serve', summary: 'serve the backup root read-only over HTTP(S) until SIGTERM/SIGINT' }, () => import('./commands/serve.js')),
    lazyCommand({ name: 'check_source', summary: "recompute MD5 and size of the day's wanted tarballs, compare with their sidecars, check [expect] counts" }, () => import('./commands/checkSource.js')),
    lazyCommand({ name: 'sls', summary: "list the source root's tarballs of the day (ls -lh style, or --json)" }, () => import('./commands/sls.js')),
    dumpCommand,
  ],
  flags: {},
  // dist/program.js sits one folder below the package root.
  version: packageVersion(new URL('../package.json', import.meta.url)),
};
