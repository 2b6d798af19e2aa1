import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements status.
export const statusCommand: CommandDef = {
  name: 'status',
  summary: 'status (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'status is not implemented yet');
  },
};
