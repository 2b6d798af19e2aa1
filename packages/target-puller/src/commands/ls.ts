import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements ls.
export const lsCommand: CommandDef = {
  name: 'ls',
  summary: 'ls (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'ls is not implemented yet');
  },
};
