/**
 * Who may talk to the server: a bearer token read from a file, compared in
 * constant time, and the rule that a server reachable from other machines
 * needs one (SPEC section 4).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AltError } from '@altbackup/shared';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Whether an Authorization header carries `token`. Both sides are hashed
 * first, so the comparison takes the same time whatever the lengths.
 */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer +(\S+) *$/i.exec(value ?? '');
  const offered = digest(m ? m[1]! : '');
  const ok = timingSafeEqual(offered, digest(token));
  return ok && m !== null;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[v6]:PORT`; a usage error otherwise. */
export function parseListen(spec: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new AltError('bad-listen', `--listen ${JSON.stringify(spec)} is not HOST:PORT (e.g. 127.0.0.1:7878 or [::1]:7878)`);
  return { host: m[1] ?? m[2]!, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

/** Refuses a non-loopback listen without a token unless explicitly allowed. */
export function checkExposure(listen: ListenAddress, hasToken: boolean, insecureNoAuth: boolean): void {
  if (hasToken || insecureNoAuth || isLoopback(listen.host)) return;
  throw new AltError('no-token', `refusing to listen on ${listen.host} without a token: set --token-file (source.token_file), or pass --insecure-no-auth if the network is trusted`);
}

/** URL clients use, for the `listening on` line. */
export function urlOf(listen: ListenAddress, tls: boolean): string {
  const host = isIP(listen.host) === 6 ? `[${listen.host}]` : listen.host;
  return `${tls ? 'https' : 'http'}://${host}:${listen.port}`;
}
