/**
 * A token bucket shared by every transfer of a run, so `bwlimit` caps the
 * total rate however many files move at once. A burst of one second's worth
 * keeps the rate smooth without stalling on each small chunk.
 */
export interface Throttle {
  /** Resolves once `bytes` may be sent; rejects when `signal` aborts. */
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export const unlimited: Throttle = { take: () => Promise.resolve() };

export class TokenBucket implements Throttle {
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  /** Waiters in arrival order, so no transfer starves another. */
  private queue: Promise<void> = Promise.resolve();

  constructor(bytesPerSecond: number, now: () => number = () => performance.now()) {
    this.rate = bytesPerSecond;
    this.burst = Math.max(bytesPerSecond, 64 * 1024);
    this.tokens = this.burst;
    this.now = now;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
  }

  /** Milliseconds until `bytes` tokens are there (0 when they are), taking them if so. */
  tryTake(bytes: number): number {
    this.refill();
    // A chunk larger than the burst is paid for as debt, otherwise it could never pass.
    if (this.tokens >= Math.min(bytes, this.burst)) {
      this.tokens -= bytes;
      return 0;
    }
    return Math.ceil(((Math.min(bytes, this.burst) - this.tokens) * 1000) / this.rate);
  }

  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitFor(bytes, signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitFor(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.tryTake(bytes);
      if (wait === 0) return;
      await sleep(wait, signal);
    }
  }
}

export function throttleFor(bytesPerSecond: number): Throttle {
  return bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond) : unlimited;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
