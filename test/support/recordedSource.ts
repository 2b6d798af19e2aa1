/**
 * The real source server on a tree, behind a pass-through proxy that records
 * the request URLs, for tests that check what the target commands asked.
 */
import { startFaultProxy } from './faultProxy.js';
import { startSource } from './processes.js';

export interface RecordedSource {
  url: string;
  /** Request URLs (path and query) seen, in order. */
  readonly seen: string[];
  close(): Promise<void>;
}

export async function startRecordedSource(root: string): Promise<RecordedSource> {
  const server = await startSource(['--root', root, '--timezone', 'UTC', '--log-level', 'warn']);
  const proxy = await startFaultProxy({ upstream: server.url });
  return {
    url: proxy.url,
    get seen() { return proxy.requests.map((r) => r.url); },
    async close() {
      await proxy.close();
      await server.stop();
    },
  };
}
