import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements check_target.
export const checkTargetCommand: CommandDef = {
  name: 'check_target',
  summary: 'check_target (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'check_target is not implemented yet');
  },
};
