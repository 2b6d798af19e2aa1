/**
 * The downloads in progress: counted for /metrics, awaited on shutdown, and
 * cut when the shutdown grace period is over.
 */
import type { ServerResponse } from 'node:http';
import type { ReadStream } from 'node:fs';

export interface StreamEnd {
  /** Bytes read from disk into the response. */
  bytes: number;
  /** The response was sent completely. */
  complete: boolean;
  ms: number;
}

export class StreamRegistry {
  private readonly live = new Set<ReadStream>();
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.live.size;
  }

  /** Follows `stream` until `res` closes, then reports how it ended. */
  track(stream: ReadStream, res: ServerResponse, onEnd: (end: StreamEnd) => void): void {
    const started = performance.now();
    this.live.add(stream);
    res.once('close', () => {
      this.live.delete(stream);
      onEnd({ bytes: stream.bytesRead, complete: res.writableFinished, ms: performance.now() - started });
      if (this.live.size === 0) {
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }

  /** Resolves when no download is running. */
  idle(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Cuts every running download (the client sees a short body and can resume). */
  abortAll(reason: string): void {
    for (const s of this.live) s.destroy(new Error(reason));
  }
}
