/** The `altbackup` program: its commands and the flags only it takes. */
import { dumpCommand, type ProgramDef } from '@altbackup/shared';
import { checkTargetCommand } from './commands/checkTarget.js';
import { examineTracdbCommand } from './commands/examineTracdb.js';
import { extractTracdbCommand } from './commands/extractTracdb.js';
import { lsCommand } from './commands/ls.js';
import { pullCommand } from './commands/pull.js';
import { purgeExtractedCommand } from './commands/purgeExtracted.js';
import { purgeTargetCommand } from './commands/purgeTarget.js';
import { reportCommand } from './commands/report.js';
import { slsCommand } from './commands/sls.js';
import { statusCommand } from './commands/status.js';

export const targetProgram: ProgramDef = {
  name: 'altbackup',
  program: 'target',
  summary: 'pull, verify, keep and inspect off-site copies of backup tarballs (target node)',
  commands: [
    pullCommand,
    checkTargetCommand,
    purgeTargetCommand,
    extractTracdbCommand,
    examineTracdbCommand,
    purgeExtractedCommand,
    lsCommand,
    slsCommand,
    statusCommand,
    reportCommand,
    dumpCommand,
  ],
  flags: {
    all: { type: 'boolean', help: 'check_target: every tarball on the target, not only the selected days' },
    prometheus: { type: 'string', value: 'FILE', help: 'status: also write node_exporter textfile metrics to FILE' },
    out: { type: 'string', value: 'FILE', help: 'report: HTML file to write' },
  },
};
