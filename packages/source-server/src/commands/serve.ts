import { AltError, type CommandDef } from '@altbackup/shared';

// SCAFFOLD: replaced by the issue that implements serve.
export const serveCommand: CommandDef = {
  name: 'serve',
  summary: 'serve (not implemented yet)',
  async run() {
    throw new AltError('not-implemented', 'serve is not implemented yet');
  },
};
