/** The `altbackup-source` program: its commands and the flags only it takes. */
import { dumpCommand, type ProgramDef } from '@altbackup/shared';
import { checkSourceCommand } from './commands/checkSource.js';
import { serveCommand } from './commands/serve.js';
import { slsCommand } from './commands/sls.js';

export const sourceProgram: ProgramDef = {
  name: 'altbackup-source',
  program: 'source',
  summary: 'serve backup tarballs read-only to the target node and check them (source node)',
  commands: [serveCommand, checkSourceCommand, slsCommand, dumpCommand],
  flags: {},
};
