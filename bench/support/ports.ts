import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { waitFor } from '@altbackup/shared/testing';
import { start, stopChild } from './exec.js';

/** A currently free TCP port on 127.0.0.1 (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Waits until something accepts connections on 127.0.0.1:port, as long as `child` runs. */
async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  await waitFor(`something listening on 127.0.0.1:${port}`, () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process meant to listen on 127.0.0.1:${port} exited`);
    return tryConnect(port);
  }, timeoutMs);
}

/**
 * Starts a server meant to listen on 127.0.0.1:port and resolves once it
 * accepts connections. One that exits or stays deaf for 10 s is stopped, and
 * the error carries its stderr (a bad config says why there).
 */
export async function startListening(name: string, port: number, cmd: string, args: readonly string[]): Promise<ChildProcess> {
  const child = start(cmd, args);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  try {
    await waitForPort(port, 10_000, child);
  } catch (e) {
    await stopChild(child);
    throw new Error(`${name} did not start: ${(e as Error).message}: ${err.trim()}`);
  }
  return child;
}
