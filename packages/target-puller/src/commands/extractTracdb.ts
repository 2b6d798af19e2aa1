import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements extract_tracdb.
export const extractTracdbCommand: CommandDef = {
  name: 'extract_tracdb',
  summary: 'extract_tracdb (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'extract_tracdb is not implemented yet');
  },
};
