import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements report.
export const reportCommand: CommandDef = {
  name: 'report',
  summary: 'report (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'report is not implemented yet');
  },
};
