/**
 * Free space on the target: a file that would leave less than the margin
 * (`target.min_free`) on its filesystem is refused before a byte is written,
 * whatever the source promises. Downloads that run at once reserve what they
 * still need, so two files cannot both count the same free bytes.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AltError, humanSize } from '@altbackup/shared';

export interface FreeSpace {
  /** The filesystem's mount point and type, as an operator finds it in `df`. */
  filesystem: string;
  /** Bytes an unprivileged writer may still use. */
  free: number;
}

/** The mount point holding `path` (the longest mount point above its real path), from /proc/self/mountinfo. */
async function mountOf(path: string): Promise<string> {
  const real = await realpath(path);
  let best = { point: '/', type: '' };
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 10 || sep < 0) continue;
    const point = f[4]!.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = real === point || real.startsWith(point.endsWith('/') ? point : point + '/');
    if (inside && point.length >= best.point.length) best = { point, type: f[sep + 1] ?? '' };
  }
  return best.type ? `${best.point} (${best.type})` : best.point;
}

/** The nearest folder that exists at or above `path`: a destination not made yet is on its parent's filesystem. */
export function nearestExisting(path: string): string {
  let at = resolve(path);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

export async function freeSpaceOf(path: string): Promise<FreeSpace> {
  const st = await statfs(path);
  return { filesystem: await mountOf(path), free: Number(st.bavail) * Number(st.bsize) };
}

/** Why `need` more bytes do not fit, or null when they do. Pure. */
export function spaceShortfall(need: number, margin: number, space: FreeSpace, reserved = 0): string | null {
  const usable = space.free - reserved;
  if (need + margin <= usable) return null;
  const others = reserved > 0 ? ` (${humanSize(reserved)} of it promised to downloads under way)` : '';
  return `needs ${humanSize(need)} plus the ${humanSize(margin)} kept free (target.min_free), ${space.filesystem} has ${humanSize(space.free)} free${others}`;
}

/** Bytes a download still needs, promised to it; it shrinks as the bytes land on the disk (and the free space with them). */
export interface Reservation {
  /** The download now needs only this much more. */
  stillNeeds(bytes: number): void;
  release(): void;
}

/** Space promised to the downloads of one run. */
export class SpaceBudget {
  private readonly dir: string;
  private readonly margin: number;
  private readonly probe: (dir: string) => Promise<FreeSpace>;
  private reserved = 0;
  /**
   * The last reading and when it was taken. Unpacking a hot copy reserves
   * for thousands of small files: between readings the free space is
   * counted down by what was reserved since, and read again once it is
   * stale or before anything is refused.
   */
  private last: { space: FreeSpace; at: number; spentSince: number } | null = null;

  constructor(dir: string, margin: number, probe: (dir: string) => Promise<FreeSpace> = (d) => freeSpaceOf(nearestExisting(d))) {
    this.dir = dir;
    this.margin = margin;
    this.probe = probe;
  }

  private async reading(fresh: boolean): Promise<FreeSpace> {
    if (fresh || !this.last || performance.now() - this.last.at > 1000) {
      this.last = { space: await this.probe(this.dir), at: performance.now(), spentSince: 0 };
    }
    return { ...this.last.space, free: this.last.space.free - this.last.spentSince };
  }

  /** Reserves `need` bytes, or throws `no-space` saying what is short where. */
  async reserve(need: number): Promise<Reservation> {
    let why = spaceShortfall(need, this.margin, await this.reading(false), this.reserved);
    if (why) why = spaceShortfall(need, this.margin, await this.reading(true), this.reserved);
    if (why) throw new AltError('no-space', `not enough free space: ${why}; free some space or lower target.min_free`);
    let held = need;
    this.reserved += held;
    // Bytes that stop being reserved have landed (or never will): the reading counts them down until the next one.
    const landed = (bytes: number) => {
      this.reserved -= bytes;
      if (this.last) this.last.spentSince += bytes;
    };
    return {
      stillNeeds: (bytes) => {
        const next = Math.max(0, Math.min(held, bytes));
        landed(held - next);
        held = next;
      },
      release: () => {
        landed(held);
        held = 0;
      },
    };
  }
}
