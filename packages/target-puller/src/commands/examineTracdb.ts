import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements examine_tracdb.
export const examineTracdbCommand: CommandDef = {
  name: 'examine_tracdb',
  summary: 'examine_tracdb (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'examine_tracdb is not implemented yet');
  },
};
