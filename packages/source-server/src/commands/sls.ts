import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements sls.
export const slsCommand: CommandDef = {
  name: 'sls',
  summary: 'sls (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'sls is not implemented yet');
  },
};
