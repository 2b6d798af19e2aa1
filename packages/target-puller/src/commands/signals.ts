import { AltError } from '@altbackup/shared';

/**
 * SIGINT and SIGTERM stop a long command as its deadline would: the library
 * sees an aborted signal, finishes its `finally` blocks (a pull keeps its
 * `.part` files, check_restore removes its scratch space) and the ledger
 * records why.
 */
export function stopOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const on = (sig: NodeJS.Signals) => controller.abort(new AltError('deadline', `interrupted by ${sig}`));
  process.once('SIGINT', on);
  process.once('SIGTERM', on);
  return {
    signal: controller.signal,
    release: () => {
      process.removeListener('SIGINT', on);
      process.removeListener('SIGTERM', on);
    },
  };
}
