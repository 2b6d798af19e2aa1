#!/usr/bin/env node
import { main, PROGRAM } from './sampleCli.js';

// `altbackup-sample ... | head` must not die with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${PROGRAM}: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
