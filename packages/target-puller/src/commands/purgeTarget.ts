import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements purge_target.
export const purgeTargetCommand: CommandDef = {
  name: 'purge_target',
  summary: 'purge_target (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'purge_target is not implemented yet');
  },
};
