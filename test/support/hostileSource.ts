/**
 * A source server of the test's own, written against the v1 wire format with
 * plain `node:http` (not altbackup-source, not the fault proxy, which relays
 * an honest server): it says whatever the test makes it say. `honest` below
 * serves a listing and byte ranges the way altbackup-source does, so a test
 * changes only the one answer it is about.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDna, parseTarballPath, type Dna, type ListedTarball, type ListingBody } from '@altbackup/shared';
import { md5Of } from '@altbackup/shared/testing';

export interface HostileFile {
  path: string;
  /** The bytes served. */
  data: Buffer;
  /** The dna listed and served as the sidecar; default: the bytes' own. */
  dna?: Dna;
  /** Size listed; default: the dna's. */
  size?: number;
  etag?: string;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** What the test answers: return true when it took the request (it may answer later, or never); anything else falls through to the honest answer. */
export type Handler = (req: IncomingMessage, res: ServerResponse, honest: Honest) => boolean | void;

export interface Honest {
  listing(req: IncomingMessage, res: ServerResponse): void;
  file(req: IncomingMessage, res: ServerResponse): void;
  /** The file a `/v1/files/` URL names, if listed. */
  fileOf(url: string): HostileFile | undefined;
}

export interface HostileSource {
  url: string;
  requests: SeenRequest[];
  files: HostileFile[];
  close(): Promise<void>;
}

export function dnaOf(data: Buffer): Dna {
  return { dig: md5Of(data), size: data.length };
}

export function listedEntry(f: HostileFile): ListedTarball {
  const dna = f.dna ?? dnaOf(f.data);
  return {
    ...parseTarballPath(f.path)!,
    size: f.size ?? dna.size,
    mtime: '2024-03-05T10:50:00.000Z',
    dna,
    etag: f.etag ?? `"${dna.dig.slice(0, 16)}"`,
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

function makeHonest(files: HostileFile[]): Honest {
  const fileOf = (url: string) => {
    const path = decodeURIComponent(new URL(url, 'http://x').pathname.replace(/^\/v1\/files\//, '').replace(/\.dna$/, ''));
    return files.find((f) => f.path === path);
  };
  return {
    fileOf,
    listing(req, res) {
      const day = new URL(req.url!, 'http://x').searchParams.get('day');
      const body: ListingBody = { days: day ? [day] : [], tarballs: files.filter((f) => !day || f.path.includes(`/${day}/`)).map(listedEntry), pending: [], invalid: [] };
      send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(body));
    },
    file(req, res) {
      const f = fileOf(req.url!);
      if (!f) return send(res, 404, {}, 'not found');
      const entry = listedEntry(f);
      if (req.url!.endsWith('.dna')) return send(res, 200, { 'content-type': 'text/plain' }, formatDna(entry.dna!));
      const size = f.data.length;
      const headers = { etag: entry.etag, 'accept-ranges': 'bytes', 'repr-digest': `md5=:${Buffer.from(entry.dna!.dig, 'hex').toString('base64')}:` };
      const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      const ifRange = req.headers['if-range'];
      if (m && (!ifRange || ifRange === entry.etag)) {
        const start = Number(m[1]);
        if (start >= size) return send(res, 416, { ...headers, 'content-range': `bytes */${size}` });
        return send(res, 206, { ...headers, 'content-range': `bytes ${start}-${size - 1}/${size}`, 'content-length': size - start }, f.data.subarray(start));
      }
      send(res, 200, { ...headers, 'content-length': size }, f.data);
    },
  };
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startHostileSource(files: HostileFile[], handler: Handler = () => undefined): Promise<HostileSource> {
  const requests: SeenRequest[] = [];
  const honest = makeHonest(files);
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    if (handler(req, res, honest) === true) return;
    if (req.url!.startsWith('/v1/tarballs')) honest.listing(req, res);
    else if (req.url!.startsWith('/v1/files/')) honest.file(req, res);
    else send(res, 404, {}, 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    files,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
