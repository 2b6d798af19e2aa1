import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements purge_extracted.
export const purgeExtractedCommand: CommandDef = {
  name: 'purge_extracted',
  summary: 'purge_extracted (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'purge_extracted is not implemented yet');
  },
};
