/**
 * A shaped link: a TCP proxy on 127.0.0.1 that makes every connection
 * through it behave like one TCP stream over a long, thin line (issue 14),
 * for the tests and the bench. It relays any TCP byte for byte (HTTP, SSH,
 * rsync), counts what it delivers, and can cut connections.
 *
 * The model. Each direction of each connection is a line of its own, with
 * its own clock: a bottleneck of `rate` bytes/s (a token bucket holding
 * `burstBytes`) followed by a propagation delay of rttMs/2. Bytes read from
 * one side leave the bottleneck in pieces of `tickMs` at the rate, each once
 * the bucket has paid for all of it, and reach the other side rttMs/2
 * later. The line is a delay line: every piece carries its own due time and
 * one timer per line waits for the head, so rate x delay bytes are in
 * flight at once and the latency costs no throughput. Connections never
 * share a bucket: the rate is per connection, as a window-bound TCP
 * stream's is.
 *
 * On loopback the client's connect succeeds at once, so the handshake is
 * modelled instead: nothing crosses a new connection for `setupMs` (one RTT
 * by default; bytes the client sends meanwhile wait, as if sent at its end),
 * and the upstream connection is opened rttMs/2 later, when a real server
 * would see the handshake's last ACK. So the first byte of a fresh
 * connection's answer comes 2 RTT after connect, whichever side speaks
 * first, and every later request/response exchange on it (HTTP keep-alive,
 * an SSH round trip) costs one RTT before its first byte. A FIN travels
 * behind the data it follows; a reset crosses at once. A cut lets exactly N
 * server->client bytes through, then closes both sockets: the client sees
 * its stream end early (every byte before the cut arrives, as with the
 * fault proxy's cut), the server sees its connection go.
 *
 * Flow control and kernel buffers. The proxy stops reading a sender while
 * its line is full (`maxQueuedBytes`) or the reader's socket is (a closed
 * window). Node has no SO_SNDBUF/SO_RCVBUF for TCP, and shaping does not
 * need them: the proxy shapes before it writes, so the kernel's buffers
 * after the shaper only hold bytes the line has already delivered; they can
 * delay what the reader sees, never advance it. Before the shaper, a sender
 * runs ahead of the delivered bytes by at most `maxQueuedBytes` plus its own
 * socket buffers, as a sender on a real link runs ahead by its window.
 * TCP_NODELAY is set on both sockets: Nagle's algorithm against loopback's
 * delayed ACKs would hold small writes (HTTP headers, SSH packets) for up to
 * 40 ms, a second latency the model does not have.
 *
 * `bytesDown`/`bytesUp` count bytes the proxy has written to the client or
 * the upstream: the reader has them or they sit in its receive buffer.
 *
 * What it reaches alone, measured by `npm run bench:link` on the 2-core
 * machine under other load, is in bench/README.md: unshaped, a few hundred
 * MB/s at about 1 s of CPU per GB; at 4 x 25 MB/s and 40 ms, within 1-2 % of
 * the model's time with a quarter to a third of one core.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Server->client bytes after which connection n (0-based, in accept order) is cut; undefined: never. */
export type CutFn = (n: number) => number | undefined;

export interface ShapedLinkOptions {
  upstream: { host: string; port: number };
  /** Server->client bytes per second, per connection; Infinity (the default): no bottleneck. */
  rateBytesPerSec?: number;
  /** Client->server bytes per second, per connection; defaults to rateBytesPerSec (a symmetric line). */
  upRateBytesPerSec?: number;
  /** Round-trip time added, rttMs/2 each way; default 0. */
  rttMs?: number;
  /** Handshake time before anything crosses a new connection; default rttMs. */
  setupMs?: number;
  /** Token bucket size: what a line may send at once after idling; default 16 KiB. */
  burstBytes?: number;
  /**
   * A bottleneck releases bytes in pieces of tickMs' worth at its rate (at
   * least burstBytes), each once fully paid for: a byte may come up to
   * tickMs later than on a fluid line, never earlier, and a busy line wakes
   * about once per tick. Default 5.
   */
  tickMs?: number;
  /**
   * Bytes a line holds (queued at its bottleneck or in flight) before the
   * proxy stops reading its sender, which it reads again once the line is
   * half empty. Default: twice what is in flight (rate x one-way delay) plus
   * 250 ms at the rate (1 MiB at least), so that a sender, or this process,
   * held up by up to that long (a busy machine) never leaves the bottleneck
   * idle; 16 MiB for a line without a
   * bottleneck, where it caps throughput at 16 MiB per one-way delay as a
   * window would.
   */
  maxQueuedBytes?: number;
  cutAfter?: CutFn;
}

export interface ConnectionStats {
  /** 0-based, in accept order. */
  n: number;
  bytesUp: number;
  bytesDown: number;
  /** Ended by cutAfter or cutAll. */
  cut: boolean;
  open: boolean;
}

export interface LinkStats {
  /** Connections accepted so far. */
  connections: number;
  open: number;
  bytesUp: number;
  bytesDown: number;
  perConnection: ConnectionStats[];
}

export interface ShapedLink {
  host: '127.0.0.1';
  port: number;
  /** A snapshot. */
  stats(): LinkStats;
  /** Replaces cutAfter for connections accepted from now on. */
  setCutAfter(fn: CutFn | undefined): void;
  /** Cuts every open connection now; returns how many. */
  cutAll(): number;
  /** Stops listening and destroys every connection, mid-flight ones included. */
  close(): Promise<void>;
}

/** One direction's bottleneck and delay; `freeAt` is the bucket's virtual clock (GCRA). */
export interface LineClock {
  msPerByte: number;
  /** How far the bucket may run behind now: burstBytes' worth of time. */
  toleranceMs: number;
  delayMs: number;
  freeAt: number;
}

export function lineClock(rateBytesPerSec: number, burstBytes: number, delayMs: number): LineClock {
  const msPerByte = 1000 / rateBytesPerSec;
  return { msPerByte, toleranceMs: burstBytes * msPerByte, delayMs, freeAt: -Infinity };
}

/**
 * When `len` bytes handed to the line at `now` reach the far end, advancing
 * the line's clock. Plain arithmetic on given times, so the model is tested
 * without a clock; a zero-length call schedules a FIN behind the data.
 */
export function arrival(c: LineClock, now: number, len: number): number {
  c.freeAt = Math.max(c.freeAt, now - c.toleranceMs) + len * c.msPerByte;
  return Math.max(now, c.freeAt) + c.delayMs;
}

const MiB = 1024 * 1024;

function defaultMaxQueued(rate: number, delayMs: number): number {
  return Number.isFinite(rate) ? 2 * Math.ceil((rate * delayMs) / 1000 + Math.max(MiB, rate / 4)) : 16 * MiB;
}

interface Slot {
  /** null: the sender's FIN. */
  data: Buffer | null;
  due: number;
}

/** One direction of one connection: the delay line from `src` to `dst`. */
class Line {
  private slots: (Slot | undefined)[] = [];
  private head = 0;
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private blocked = false;
  private paused = false;
  private stopped = false;
  /** Bytes left before a cut; Infinity: no cut. */
  budget = Infinity;
  src: Socket | null = null;
  /** null until the socket is connected. */
  dst: Socket | null = null;

  constructor(
    private readonly clock: LineClock,
    /** Bytes per piece the bottleneck releases; Infinity without one. */
    private readonly piece: number,
    private readonly maxQueued: number,
    private readonly count: (n: number) => void,
    private readonly onCut: () => void,
  ) {}

  push(data: Buffer | null, now: number): void {
    if (this.stopped) return;
    const idle = this.head === this.slots.length;
    if (data === null) {
      this.slots.push({ data, due: arrival(this.clock, now, 0) });
    } else {
      // A big read (1 MiB after a pause) would otherwise leave the bottleneck as one lump, its first byte late by its own length.
      for (let at = 0; at < data.length; at += this.piece) {
        const piece = data.subarray(at, at + this.piece);
        this.slots.push({ data: piece, due: arrival(this.clock, now, piece.length) });
      }
      this.queued += data.length;
      this.flow();
    }
    if (this.timer === null && idle) this.pump();
  }

  /**
   * The sender is read only while the line has room and the reader takes
   * what is due: a full reader is a closed window, and bytes read past it
   * would only pile up here.
   */
  private flow(): void {
    // Read again only once half the line is free: one wake-up then reads many chunks, not one per chunk delivered.
    const hold = this.blocked || this.queued >= (this.paused ? this.maxQueued / 2 : this.maxQueued);
    if (hold === this.paused || this.src === null) return;
    this.paused = hold;
    if (hold) this.src.pause();
    else this.src.resume();
  }

  attach(dst: Socket): void {
    this.dst = dst;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.slots = [];
    this.head = 0;
  }

  private readonly pump = (): void => {
    this.timer = null;
    if (this.stopped || this.blocked || this.dst === null) return;
    const now = performance.now();
    const dst = this.dst;
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head]!;
      if (slot.due > now) {
        // Timers may fire early (Node measures from a cached loop time), so the head is checked again then.
        this.timer = setTimeout(this.pump, Math.ceil(slot.due - now));
        break;
      }
      this.slots[this.head++] = undefined;
      if (!this.deliver(slot, dst)) break;
    }
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
  };

  /** False when the line must wait (the reader is full) or is done. */
  private deliver(slot: Slot, dst: Socket): boolean {
    if (slot.data === null) {
      if (dst.writable) dst.end();
      return true;
    }
    const data = slot.data;
    this.queued -= data.length;
    // A peer that has gone: what was in flight to it is lost, as on a real line.
    if (!dst.writable) return true;
    if (data.length >= this.budget) {
      const head = data.subarray(0, this.budget);
      this.count(head.length);
      this.budget = 0;
      this.stop();
      // The cut waits for the bytes before it to reach the socket, so the reader really gets exactly N.
      dst.write(head, () => this.onCut());
      return false;
    }
    this.budget -= data.length;
    this.count(data.length);
    dst.write(data);
    // write() says false for any chunk over 16 KiB, taken at once or not: what the kernel left in Node's buffer says whether the reader is full.
    this.blocked = dst.writableLength > 0 && dst.writableNeedDrain;
    this.flow();
    if (!this.blocked) return true;
    dst.once('drain', () => {
      this.blocked = false;
      this.flow();
      this.pump();
    });
    return false;
  }
}

const READ_BYTES = MiB;

/**
 * Upstream reads of up to 1 MiB instead of Node's 64 KiB 'data' chunks:
 * the relay's CPU goes mostly into syscalls and wake-ups per chunk. A big
 * read is handed on as it is and the next read gets a new buffer; a small
 * one is copied out, so a few bytes never pin a whole MiB while queued.
 */
function bigReads(onData: (d: Buffer) => void): { buffer: () => Buffer; callback: (n: number) => boolean } {
  let buf = Buffer.allocUnsafe(READ_BYTES);
  let handedOn = false;
  return {
    buffer: () => {
      if (handedOn) {
        buf = Buffer.allocUnsafe(READ_BYTES);
        handedOn = false;
      }
      return buf;
    },
    callback: (n) => {
      if (n >= READ_BYTES / 4) {
        onData(buf.subarray(0, n));
        handedOn = true;
      } else {
        const small = Buffer.allocUnsafe(n);
        buf.copy(small, 0, 0, n);
        onData(small);
      }
      // Reading stops through pause(), when the line is full.
      return true;
    },
  };
}

export async function startShapedLink(opts: ShapedLinkOptions): Promise<ShapedLink> {
  const rate = opts.rateBytesPerSec ?? Infinity;
  const upRate = opts.upRateBytesPerSec ?? rate;
  const rttMs = opts.rttMs ?? 0;
  const setupMs = opts.setupMs ?? rttMs;
  const burst = opts.burstBytes ?? 16 * 1024;
  const tickMs = opts.tickMs ?? 5;
  const oneWayMs = rttMs / 2;
  for (const [name, v] of [['rateBytesPerSec', rate], ['upRateBytesPerSec', upRate], ['burstBytes', burst]] as const) {
    if (!(v > 0)) throw new RangeError(`shaped link: ${name} must be > 0, got ${v}`);
  }
  if (!(tickMs > 0 && Number.isFinite(tickMs))) throw new RangeError(`shaped link: tickMs must be a finite number > 0, got ${tickMs}`);
  for (const [name, v] of [['rttMs', rttMs], ['setupMs', setupMs]] as const) {
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`shaped link: ${name} must be a finite number >= 0, got ${v}`);
  }
  if (opts.maxQueuedBytes !== undefined && !(opts.maxQueuedBytes > 0)) {
    throw new RangeError(`shaped link: maxQueuedBytes must be > 0, got ${opts.maxQueuedBytes}`);
  }
  const maxDown = opts.maxQueuedBytes ?? defaultMaxQueued(rate, oneWayMs);
  const maxUp = opts.maxQueuedBytes ?? defaultMaxQueued(upRate, oneWayMs);

  const piece = (r: number) => (Number.isFinite(r) ? Math.max(burst, Math.ceil((r * tickMs) / 1000)) : Infinity);
  let cutAfter = opts.cutAfter;
  const perConnection: ConnectionStats[] = [];
  const totals = { bytesUp: 0, bytesDown: 0 };
  /** Every live connection's teardown: `cut` marks it as cut in the stats. */
  const live = new Map<number, (cut: boolean) => void>();

  function accept(client: Socket): void {
    const st: ConnectionStats = { n: perConnection.length, bytesUp: 0, bytesDown: 0, cut: false, open: true };
    perConnection.push(st);
    const usableAt = performance.now() + setupMs;
    let upstream: Socket | null = null;
    let connectTimer: NodeJS.Timeout | null = null;

    const teardown = (cut: boolean): void => {
      if (cut && st.open) st.cut = true;
      st.open = false;
      live.delete(st.n);
      if (connectTimer) clearTimeout(connectTimer);
      up.stop();
      down.stop();
      client.destroy();
      upstream?.destroy();
    };
    const cutNow = () => teardown(true);
    const up = new Line(lineClock(upRate, burst, oneWayMs), piece(upRate), maxUp, (n) => { st.bytesUp += n; totals.bytesUp += n; }, cutNow);
    const down = new Line(lineClock(rate, burst, oneWayMs), piece(rate), maxDown, (n) => { st.bytesDown += n; totals.bytesDown += n; }, cutNow);
    down.budget = cutAfter?.(st.n) ?? Infinity;
    up.src = client;
    down.dst = client;
    live.set(st.n, teardown);

    // A clean close of one side leaves the other to drain what is still on its line.
    const closed = () => {
      if (client.destroyed && (upstream === null || upstream.destroyed)) teardown(false);
    };
    client.setNoDelay(true);
    client.on('data', (d: Buffer) => up.push(d, Math.max(performance.now(), usableAt)));
    client.on('end', () => up.push(null, Math.max(performance.now(), usableAt)));
    client.on('error', () => teardown(false));
    client.on('close', () => {
      // Gone before the handshake was over: the server never hears of it.
      if (upstream === null) teardown(false);
      else closed();
    });

    connectTimer = setTimeout(() => {
      connectTimer = null;
      const s = net.connect({
        host: opts.upstream.host, port: opts.upstream.port, allowHalfOpen: true,
        onread: bigReads((d) => down.push(d, performance.now())),
      });
      upstream = s;
      s.setNoDelay(true);
      down.src = s;
      s.on('connect', () => up.attach(s));
      s.on('end', () => down.push(null, performance.now()));
      s.on('error', () => teardown(false));
      s.on('close', closed);
    }, setupMs + oneWayMs);
  }

  const server = net.createServer({ allowHalfOpen: true }, accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });

  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    stats: () => ({
      connections: perConnection.length,
      open: live.size,
      ...totals,
      perConnection: perConnection.map((c) => ({ ...c })),
    }),
    setCutAfter(fn) { cutAfter = fn; },
    cutAll() {
      const all = [...live.values()];
      for (const teardown of all) teardown(true);
      return all.length;
    },
    close() {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const teardown of [...live.values()]) teardown(false);
      return done;
    },
  };
}
