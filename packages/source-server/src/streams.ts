/**
 * The downloads in progress: counted for /metrics, awaited on shutdown, and
 * cut when the shutdown grace period is over.
 */
import type { ServerResponse } from 'node:http';

/** A download as the registry needs it (see RangeSender). */
export interface Download {
  /** Bytes sent so far. */
  readonly bytes: number;
  /** Cuts the download. */
  abort(reason: string): void;
}

export interface StreamEnd {
  /** Bytes the socket took. */
  bytes: number;
  /** The response was sent completely. */
  complete: boolean;
  ms: number;
}

export class StreamRegistry {
  private readonly live = new Set<Download>();
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.live.size;
  }

  /** Follows `download` until `res` closes, then reports how it ended. */
  track(download: Download, res: ServerResponse, onEnd: (end: StreamEnd) => void): void {
    const started = performance.now();
    this.live.add(download);
    res.once('close', () => {
      this.live.delete(download);
      onEnd({ bytes: download.bytes, complete: res.writableFinished, ms: performance.now() - started });
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
    for (const d of this.live) d.abort(reason);
  }
}
