/**
 * Progress of running transfers (SPEC section 5): on a terminal a bar per
 * file with bytes, rate and ETA; otherwise (cron, systemd) one log line each
 * time a file passes another 10%, so a log shows a slow transfer moving.
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { humanSize, type Logger } from '@altbackup/shared';

export interface Progress {
  start(path: string, total: number, held: number): void;
  update(path: string, held: number, total: number): void;
  stop(path: string): void;
  end(): void;
}

/** The 10% step a fraction has reached (0..10). */
export function decile(held: number, total: number): number {
  if (total <= 0) return 10;
  return Math.min(10, Math.floor((held * 10) / total));
}

class LogProgress implements Progress {
  private readonly log: Logger;
  private readonly files = new Map<string, { decile: number; since: number; from: number }>();
  private readonly now: () => number;

  constructor(log: Logger, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  start(path: string, total: number, held: number): void {
    this.files.set(path, { decile: decile(held, total), since: this.now(), from: held });
  }

  update(path: string, held: number, total: number): void {
    const f = this.files.get(path);
    if (!f) return;
    const d = decile(held, total);
    if (d <= f.decile) return;
    f.decile = d;
    const secs = Math.max(0.001, (this.now() - f.since) / 1000);
    const rate = (held - f.from) / secs;
    this.log.info({ path, held, total, rate: Math.round(rate) }, `${path}: ${d * 10}% (${humanSize(held)} of ${humanSize(total)}, ${humanSize(rate)}/s)`);
  }

  stop(path: string): void {
    this.files.delete(path);
  }

  end(): void {
    this.files.clear();
  }
}

export class BarProgress implements Progress {
  private readonly multi: CliProgress.MultiBar;
  private readonly bars = new Map<string, { bar: CliProgress.SingleBar; since: number; from: number }>();

  constructor(stream: NodeJS.WritableStream) {
    // Loaded only for a terminal: it costs ~12 ms of every pull start, and cron and systemd runs never draw bars.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
    this.multi = new cliProgress.MultiBar({
      stream: stream as NodeJS.WriteStream,
      format: '{name} |{bar}| {percentage}% {held}/{size} {rate}/s ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
  }

  private payload(path: string, held: number, total: number, since: number, from: number): Record<string, string> {
    const secs = Math.max(0.001, (Date.now() - since) / 1000);
    const name = path.length > 40 ? '…' + path.slice(-39) : path.padEnd(40);
    return { name, held: humanSize(held), size: humanSize(total), rate: humanSize((held - from) / secs) };
  }

  start(path: string, total: number, held: number): void {
    const since = Date.now();
    const bar = this.multi.create(Math.max(total, 1), held, this.payload(path, held, total, since, held));
    this.bars.set(path, { bar, since, from: held });
  }

  update(path: string, held: number, total: number): void {
    const b = this.bars.get(path);
    if (b) b.bar.update(held, this.payload(path, held, total, b.since, b.from));
  }

  stop(path: string): void {
    this.bars.get(path)?.bar.stop();
    this.bars.delete(path);
  }

  end(): void {
    this.multi.stop();
  }
}

/** Bars when stderr is a terminal (and not --json), log lines otherwise. */
export function progressFor(log: Logger, stream: NodeJS.WritableStream & { isTTY?: boolean }, allowBars: boolean): Progress {
  return allowBars && stream.isTTY ? new BarProgress(stream) : new LogProgress(log);
}
