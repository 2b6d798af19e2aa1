/**
 * The `.dna` sidecar (SPEC section 2): a Python dict repr such as
 *   {'dig': '1f3870be274f6c49b3e31a0c6728957f', 'size': 1531229474}\n
 * Reading is tolerant of what the various Python versions wrote; writing is
 * byte-identical to the source job so the site's own scripts keep working.
 */
import { AltError } from './errors.js';

export interface Dna {
  /** MD5 as 32 lowercase hex digits. */
  dig: string;
  size: number;
}

/** Longest sidecar accepted; readers read no more than this (a real one is ~64 bytes). */
export const MAX_SIDECAR_BYTES = 4096;
const KEY_VALUE = /^\s*(['"])(dig|size)\1\s*:\s*(?:(['"])([0-9a-fA-F]{32})\3|(\d{1,16})[lL]?)\s*$/;

function reject(file: string, text: string, why: string): AltError {
  const shown = JSON.stringify(text.length > 120 ? text.slice(0, 120) + '…' : text);
  return new AltError('dna-invalid', `${file}: ${why}: ${shown}`);
}

export function parseDna(text: string, file: string): Dna {
  if (text.length > MAX_SIDECAR_BYTES) throw reject(file, text, 'sidecar too long');
  const body = text.replace(/\r?\n$/, '');
  const m = /^\s*\{(.*)\}\s*$/s.exec(body);
  if (!m || body.includes('\n')) throw reject(file, text, 'not a one-line {...} dict');
  const fields = new Map<string, string>();
  for (const item of m[1]!.split(',')) {
    const kv = KEY_VALUE.exec(item);
    if (!kv) throw reject(file, text, `bad entry ${JSON.stringify(item.trim())}`);
    const key = kv[2]!;
    if (fields.has(key)) throw reject(file, text, `duplicate key '${key}'`);
    const value = key === 'dig' ? kv[4] : kv[5];
    if (value === undefined) throw reject(file, text, `wrong type for '${key}'`);
    fields.set(key, value);
  }
  const dig = fields.get('dig');
  const size = fields.get('size');
  if (dig === undefined || size === undefined) throw reject(file, text, "needs both 'dig' and 'size'");
  const n = Number(size);
  if (!Number.isSafeInteger(n)) throw reject(file, text, 'size out of range');
  return { dig: dig.toLowerCase(), size: n };
}

/** The canonical form the source job writes: 64 bytes for a 10-digit size. */
export function formatDna(dna: Dna): string {
  return `{'dig': '${dna.dig}', 'size': ${dna.size}}\n`;
}

export function dnaEqual(a: Dna, b: Dna): boolean {
  return a.dig === b.dig && a.size === b.size;
}

/** RFC 9530 `Repr-Digest` value for a dna: md5=:<base64>: */
export function reprDigestOf(dna: Dna): string {
  return `md5=:${Buffer.from(dna.dig, 'hex').toString('base64')}:`;
}

/** Parses a `Repr-Digest` header back to hex MD5, or null if it carries none. */
export function md5FromReprDigest(header: string | undefined): string | null {
  if (!header) return null;
  const m = /(?:^|,)\s*md5=:([A-Za-z0-9+/=]+):/i.exec(header);
  if (!m) return null;
  const hex = Buffer.from(m[1]!, 'base64').toString('hex');
  return hex.length === 32 ? hex : null;
}
