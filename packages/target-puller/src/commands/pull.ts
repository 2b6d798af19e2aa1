import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements pull.
export const pullCommand: CommandDef = {
  name: 'pull',
  summary: 'pull (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'pull is not implemented yet');
  },
};
