/**
 * A fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1 for the pull tests
 * and the soak: it sits between the puller and a real source server and, per
 * request, passes the exchange through or breaks it in one precise way.
 *
 * Faults act on the response body as the client sees it, so `afterBytes` and
 * `offset` count bytes of this response's body (a 206 body starts at the
 * range start, not at byte 0 of the file). A cut or stall whose `afterBytes`
 * lies beyond the end of the body lets the response complete normally.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mulberry32 } from '@altbackup/sample-tree';

export type Fault =
  | { kind: 'status'; status: number }
  /** Destroy the socket after N body bytes. */
  | { kind: 'cut'; afterBytes: number }
  /** Never send headers (the socket stays open). */
  | { kind: 'stallHeaders' }
  /** Send N body bytes, then go silent with the socket open. */
  | { kind: 'stallBody'; afterBytes: number }
  /** Flip every bit of the one byte at this body offset. */
  | { kind: 'corrupt'; offset: number }
  /** Strip Range and If-Range before forwarding: upstream answers 200. */
  | { kind: 'ignoreRange' }
  /** Ask upstream for a range starting `by` bytes earlier than the client asked, pass the 206 through. */
  | { kind: 'shiftRange'; by: number }
  /** Wait before forwarding. */
  | { kind: 'delay'; ms: number };

export interface FaultRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** 0-based index of this request on the proxy. */
  n: number;
}

export type FaultFn = (req: FaultRequest) => Fault | undefined;

export interface RequestLog {
  n: number;
  method: string;
  url: string;
  /** The client's Range header, as sent by the client. */
  range?: string;
  ifRange?: string;
  /** Status sent to the client (unset while headers are stalled). */
  status?: number;
  /** Body bytes written to the client so far. */
  bytesSent: number;
  /** Which client connection asked (numbered as they connect): several streams show as several. */
  socket: number;
  fault?: Fault;
}

export interface FaultProxy {
  url: string;
  requests: RequestLog[];
  setFault(fn: FaultFn | undefined): void;
  /** Stops listening and destroys every socket, stalled ones included. */
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  upstream: string;
  fault?: FaultFn;
}

// Hop-by-hop headers: they describe one connection, not the message.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
  return out;
}

/** `bytes=a-b` / `bytes=a-` moved `by` bytes earlier; suffix and multi-ranges are left alone. */
export function shiftRangeHeader(range: string, by: number): string {
  const m = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  if (!m) return range;
  return `bytes=${Math.max(0, Number(m[1]) - by)}-${m[2]}`;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  if (upstream.protocol !== 'http:') throw new Error(`fault proxy: upstream must be http:, got ${opts.upstream}`);
  let faultFn = opts.fault;
  let counter = 0;
  const requests: RequestLog[] = [];
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();
  let connections = 0;
  const timers = new Set<NodeJS.Timeout>();
  const agent = new http.Agent({ keepAlive: false });
  let closing = false;

  const server = http.createServer((req, res) => {
    const n = counter++;
    const fault = faultFn?.({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, n });
    const log: RequestLog = { n, method: req.method ?? 'GET', url: req.url ?? '/', bytesSent: 0, socket: socketIds.get(req.socket) ?? -1 };
    if (typeof req.headers.range === 'string') log.range = req.headers.range;
    if (typeof req.headers['if-range'] === 'string') log.ifRange = req.headers['if-range'];
    if (fault) log.fault = fault;
    requests.push(log);
    handle(req, res, log, fault);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    socketIds.set(s, connections++);
    s.on('close', () => sockets.delete(s));
  });

  function handle(req: IncomingMessage, res: ServerResponse, log: RequestLog, fault: Fault | undefined): void {
    switch (fault?.kind) {
      case 'status': {
        const body = `fault proxy: injected ${fault.status}\n`;
        log.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        req.resume();
        return;
      }
      case 'stallHeaders':
        req.resume();
        return;
      case 'delay': {
        const t = setTimeout(() => { timers.delete(t); if (!closing) forward(req, res, log, fault); }, fault.ms);
        timers.add(t);
        return;
      }
      default:
        forward(req, res, log, fault);
    }
  }

  function forward(req: IncomingMessage, res: ServerResponse, log: RequestLog, fault: Fault | undefined): void {
    const headers = endToEnd(req.headers);
    headers.host = upstream.host;
    if (fault?.kind === 'ignoreRange') {
      delete headers.range;
      delete headers['if-range'];
    } else if (fault?.kind === 'shiftRange' && typeof headers.range === 'string') {
      headers.range = shiftRangeHeader(headers.range, fault.by);
    }
    const up = http.request({
      agent, protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port,
      method: req.method, path: req.url, headers,
    });
    up.on('error', (err) => {
      if (res.headersSent) { res.destroy(); return; }
      log.status = 502;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: upstream error: ${err.message}\n`);
    });
    res.on('close', () => up.destroy());
    up.on('response', (upRes) => relay(upRes, res, log, fault, () => up.destroy()));
    req.pipe(up);
  }

  function relay(upRes: IncomingMessage, res: ServerResponse, log: RequestLog, fault: Fault | undefined, dropUpstream: () => void): void {
    log.status = upRes.statusCode ?? 502;
    res.writeHead(log.status, endToEnd(upRes.headers));
    // Headers go out now, so a body fault at byte 0 still shows the client a status.
    res.flushHeaders();
    let offset = 0;
    let stopped = false;
    upRes.on('data', (chunk: Buffer) => {
      if (stopped) return;
      let out = chunk;
      if (fault?.kind === 'corrupt' && fault.offset >= offset && fault.offset < offset + chunk.length) {
        out = Buffer.from(chunk);
        out[fault.offset - offset] = out[fault.offset - offset]! ^ 0xff;
      }
      if ((fault?.kind === 'cut' || fault?.kind === 'stallBody') && offset + out.length >= fault.afterBytes) {
        stopped = true;
        const head = out.subarray(0, Math.max(0, fault.afterBytes - offset));
        offset += head.length;
        log.bytesSent += head.length;
        dropUpstream();
        // A cut waits for the bytes before it to leave, so the client really gets exactly N.
        if (fault.kind === 'cut') res.write(head, () => res.socket?.destroy());
        else if (head.length > 0) res.write(head);
        return;
      }
      offset += out.length;
      log.bytesSent += out.length;
      if (!res.write(out)) {
        upRes.pause();
        res.once('drain', () => upRes.resume());
      }
    });
    upRes.on('end', () => { if (!stopped) res.end(); });
    upRes.on('error', () => { if (!stopped) res.destroy(); });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setFault(fn) { faultFn = fn; },
    close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      agent.destroy();
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------
// Seeded random faults for the soak

export interface FaultMix {
  /** Relative weight of passing the request through untouched (keeps runs converging). */
  pass: number;
  cut?: number;
  stallHeaders?: number;
  stallBody?: number;
  /** Weight of answering `statusCode` (default 503) without asking upstream. */
  status?: number;
  corrupt?: number;
  delay?: number;
  /** Body offsets for cuts, stalls and corruption are drawn uniformly in [0, maxOffset). */
  maxOffset: number;
  statusCode?: number;
  delayMs?: number;
  /** Which requests may be faulted; default: GET of tarball bodies (`/v1/files/...` not ending `.dna`). */
  appliesTo?: (req: FaultRequest) => boolean;
}

/** A 32-bit hash of (seed, n): each request's draw depends only on its index, not on call order. */
function mix32(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function isTarballGet(req: FaultRequest): boolean {
  const path = req.url.split('?')[0]!;
  return req.method === 'GET' && path.startsWith('/v1/files/') && !path.endsWith('.dna');
}

/**
 * A deterministic fault function: the same seed and mix give the same fault
 * for the same request index, whatever the timing.
 */
export function seededFaults(seed: number, mix: FaultMix): FaultFn {
  const kinds: Array<[Fault['kind'] | 'pass', number]> = [
    ['pass', mix.pass], ['cut', mix.cut ?? 0], ['stallHeaders', mix.stallHeaders ?? 0], ['stallBody', mix.stallBody ?? 0],
    ['status', mix.status ?? 0], ['corrupt', mix.corrupt ?? 0], ['delay', mix.delay ?? 0],
  ];
  const total = kinds.reduce((s, [, w]) => s + w, 0);
  if (!(total > 0) || kinds.some(([, w]) => w < 0)) throw new Error('seededFaults: weights must be >= 0 with a positive sum');
  if (!(mix.maxOffset > 0)) throw new Error('seededFaults: maxOffset must be > 0');
  const appliesTo = mix.appliesTo ?? isTarballGet;
  return (req) => {
    if (!appliesTo(req)) return undefined;
    const rand = mulberry32(mix32(seed >>> 0, req.n));
    let pick = rand() * total;
    let kind: Fault['kind'] | 'pass' = 'pass';
    for (const [k, w] of kinds) {
      if (pick < w) { kind = k; break; }
      pick -= w;
    }
    const offset = Math.floor(rand() * mix.maxOffset);
    switch (kind) {
      case 'pass': return undefined;
      case 'cut': return { kind, afterBytes: offset };
      case 'stallHeaders': return { kind };
      case 'stallBody': return { kind, afterBytes: offset };
      case 'status': return { kind, status: mix.statusCode ?? 503 };
      case 'corrupt': return { kind, offset };
      case 'delay': return { kind, ms: mix.delayMs ?? 50 };
      default: return undefined;
    }
  };
}
