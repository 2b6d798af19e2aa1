/** Sizes as `ls -lh` prints them (1024-based, one decimal under 10). */
export function humanSize(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return String(bytes);
  let shown = v < 10 ? Math.ceil(v * 10) / 10 : Math.ceil(v);
  // Rounding up can reach 1024 (1048575 bytes): ls then shows 1.0 of the next unit.
  if (shown >= 1024 && i < units.length - 1) {
    shown = 1;
    i++;
  }
  return (shown < 10 ? shown.toFixed(1) : String(shown)) + units[i];
}

/** Parses `10M`, `1.5G`, `512k`, `2048` (bytes) into bytes. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?B)?\s*$/.exec(text);
  if (!m) return null;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

/** Parses `30s`, `5m`, `4h`, `2d`, `250ms` or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return null;
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * mult);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)}s`;
  const m = s / 60;
  if (m < 120) return `${m.toFixed(1)}m`;
  return `${(m / 60).toFixed(1)}h`;
}
