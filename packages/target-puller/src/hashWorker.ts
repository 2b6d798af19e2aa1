/**
 * A running MD5 on a worker thread. Measured on a 1 GiB loopback pull, MD5
 * was nearly half of the main thread's time and the pull was bound to one
 * core; hashing beside the network and disk work frees that core. Blocks are
 * hashed in the order they are sent; the worker acknowledges each one, so the
 * sender can bound how much waits in the queue.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

// The worker allocates almost nothing itself, so V8 seldom collects there and
// every block it has hashed stays in memory until it does: ~75 MB more peak
// RSS on a 2 GiB pull. Exposing gc() to isolates created from now on (worker
// threads; the main thread's global is unchanged) lets the worker collect
// after every 8 MiB, at no measurable cost in time.
setFlagsFromString('--expose-gc');

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const collect = typeof gc === 'function' ? gc : null;
let hash = createHash('md5');
let sinceCollect = 0;
let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(async () => {
    try {
      if (m.type === 'update') {
        hash.update(m.block);
        parentPort.postMessage({ type: 'ack', bytes: m.block.length });
        if (collect && (sinceCollect += m.block.length) >= 8 << 20) {
          sinceCollect = 0;
          collect({ type: 'minor' });
        }
      } else if (m.type === 'reset') {
        hash = createHash('md5');
      } else if (m.type === 'file') {
        let size = 0;
        for await (const chunk of createReadStream(m.path, { highWaterMark: 1 << 20 })) {
          hash.update(chunk);
          size += chunk.length;
        }
        parentPort.postMessage({ type: 'reply', id: m.id, size });
      } else if (m.type === 'digest') {
        parentPort.postMessage({ type: 'reply', id: m.id, md5: hash.copy().digest('hex') });
      }
    } catch (e) {
      parentPort.postMessage({ type: 'reply', id: m.id, error: { message: e.message, code: e.code } });
    }
  });
});
`;

interface Reply {
  type: 'reply' | 'ack';
  id?: number;
  bytes?: number;
  size?: number;
  md5?: string;
  error?: { message: string; code?: string };
}

export class HashWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Bytes sent and not yet hashed. */
  private backlog = 0;
  private drained: (() => void)[] = [];
  private failure: Error | null = null;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      if (r.type === 'ack') {
        this.backlog -= r.bytes!;
        const waiters = this.drained;
        this.drained = [];
        for (const w of waiters) w();
        return;
      }
      const w = this.waiting.get(r.id!);
      this.waiting.delete(r.id!);
      if (!w) return;
      if (r.error) w.reject(Object.assign(new Error(r.error.message), { code: r.error.code }));
      else w.resolve(r);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`hash worker exited with ${code}`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
    for (const w of this.drained) w();
    this.drained = [];
  }

  private ask(message: object): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Hashes a file's bytes into the running hash; resolves with its length. */
  async hashFile(path: string): Promise<number> {
    return (await this.ask({ type: 'file', path })).size!;
  }

  /**
   * Queues a block after everything sent before. A block that owns its
   * whole buffer is moved to the worker (the caller must not touch it again);
   * any other is copied.
   */
  update(block: Buffer): void {
    if (this.failure) throw this.failure;
    this.backlog += block.length;
    const owns = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength && !(block.buffer instanceof SharedArrayBuffer);
    if (owns) this.worker.postMessage({ type: 'update', block }, [block.buffer as ArrayBuffer]);
    else this.worker.postMessage({ type: 'update', block });
  }

  /** Bytes queued and not yet hashed. */
  get pending(): number {
    return this.backlog;
  }

  /** Resolves when the backlog is at most `bytes`. */
  async waitBelow(bytes: number): Promise<void> {
    while (this.backlog > bytes && !this.failure) await new Promise<void>((resolve) => this.drained.push(resolve));
    if (this.failure) throw this.failure;
  }

  reset(): void {
    this.worker.postMessage({ type: 'reset' });
  }

  /** MD5 of everything hashed since the last reset; the hash goes on. */
  async digest(): Promise<string> {
    return (await this.ask({ type: 'digest' })).md5!;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
