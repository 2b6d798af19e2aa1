/**
 * For the puller's unit tests only: a small in-process HTTP server speaking
 * the source API of SPEC section 4 (listing, files with Range/If-Range/ETag/
 * Repr-Digest) over a tree of tarballs, with a hook to misbehave per request.
 * The cross-process tests use the real source server instead.
 */
import { readFileSync, statSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseDna, parseTarballPath, reprDigestOf, scanTree } from '@altbackup/shared';

export interface SeenRequest {
  n: number;
  url: string;
  headers: IncomingMessage['headers'];
}

/** What a request should suffer; undefined: answer correctly. */
export type Misbehave =
  | { kind: 'status'; status: number }
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'ignoreRange' }
  | { kind: 'shiftRange'; by: number }
  | { kind: 'corrupt'; offset: number }
  | { kind: 'noHeaders' };

export interface FakeSource {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

function etagOf(abs: string): string {
  const st = statSync(abs);
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

export async function startFakeSource(root: string, fault: (req: SeenRequest) => Misbehave | undefined = () => undefined): Promise<FakeSource> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req, res) => {
    const seen: SeenRequest = { n: requests.length, url: req.url ?? '', headers: req.headers };
    requests.push(seen);
    handle(root, req, res, fault(seen)).catch((e) => {
      res.destroy(e as Error);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse, bad: Misbehave | undefined): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://x');
  if (bad?.kind === 'noHeaders') return; // never answers: the client's header timeout must fire
  if (bad?.kind === 'status') {
    res.writeHead(bad.status).end('no');
    return;
  }
  if (u.pathname === '/v1/tarballs') {
    const day = u.searchParams.get('day');
    const found = await scanTree(root, day ? { days: new Set([day]) } : {});
    const tarballs = [];
    const pending = [];
    for (const f of found) {
      if (!f.hasSidecar) {
        pending.push({ path: f.path });
        continue;
      }
      const dna = parseDna(readFileSync(f.abs + '.dna', 'utf8'), f.abs + '.dna');
      tarballs.push({ path: f.path, catfold: f.catfold, subfold: f.subfold, day: f.day, time: f.time, name: f.name, size: f.size, mtime: new Date(f.mtimeMs).toISOString(), dna, etag: etagOf(f.abs) });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tarballs, pending }));
    return;
  }
  const m = /^\/v1\/files\/(.+)$/.exec(u.pathname);
  const path = m ? decodeURIComponent(m[1]!) : '';
  const abs = join(root, path);
  if (!parseTarballPath(path) || !existsSync(abs) || !existsSync(abs + '.dna')) {
    res.writeHead(404).end('not found');
    return;
  }
  let body = readFileSync(abs);
  const etag = etagOf(abs);
  const dna = parseDna(readFileSync(abs + '.dna', 'utf8'), abs + '.dna');
  const headers: Record<string, string> = { etag, 'accept-ranges': 'bytes', 'repr-digest': reprDigestOf(dna), 'content-type': 'application/octet-stream' };
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  let status = 200;
  let start = 0;
  if (range && bad?.kind !== 'ignoreRange' && (!ifRange || ifRange === etag)) {
    start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    if (bad?.kind === 'shiftRange') start = Math.max(0, start + bad.by);
    status = 206;
    headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  }
  if (bad?.kind === 'corrupt' && bad.offset >= start && bad.offset < body.length) {
    body = Buffer.from(body);
    body[bad.offset] = body[bad.offset]! ^ 0xff;
  }
  const slice = body.subarray(start);
  res.writeHead(status, { ...headers, 'content-length': String(slice.length) });
  if (bad?.kind === 'cut' || bad?.kind === 'stall') {
    res.write(slice.subarray(0, bad.afterBytes));
    if (bad.kind === 'cut') setTimeout(() => res.destroy(), 20);
    return;
  }
  res.end(slice);
}
