import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements check_source.
export const checkSourceCommand: CommandDef = {
  name: 'check_source',
  summary: 'check_source (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'check_source is not implemented yet');
  },
};
