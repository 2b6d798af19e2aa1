/**
 * A stand-in for the source server's listing endpoint only
 * (`GET /v1/tarballs?day=..&format=json`), for the read-only target commands'
 * tests while they need nothing else from the source. It answers from a
 * sample manifest, in the shape the puller's SourceClient parses.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SampleTarball } from './sampleTree.js';

export interface ListingStub {
  url: string;
  /** Request URLs seen, in order. */
  seen: string[];
  close(): Promise<void>;
}

export function entryOf(t: SampleTarball): Record<string, unknown> {
  return {
    path: t.path, catfold: t.catfold, subfold: t.subfold, day: t.day, time: t.time, name: t.name,
    size: t.size, mtime: `${t.day.replace(/\//g, '-')}T10:47:01Z`,
    dna: t.pending ? null : { dig: t.md5, size: t.size }, etag: `"${t.md5.slice(0, 16)}"`,
  };
}

export async function startListingStub(tarballs: readonly SampleTarball[]): Promise<ListingStub> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://stub');
    if (req.method !== 'GET' || u.pathname !== '/v1/tarballs') {
      res.writeHead(404).end();
      return;
    }
    const day = u.searchParams.get('day');
    const ofDay = tarballs.filter((t) => !day || t.day === day);
    const body = JSON.stringify({
      tarballs: ofDay.filter((t) => !t.pending).map(entryOf),
      pending: ofDay.filter((t) => t.pending).map(entryOf),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
