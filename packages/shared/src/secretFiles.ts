/**
 * Secrets come from files, never from the command line (SPEC section 4), and
 * both nodes read them by one rule: a token file holds one token, surrounding
 * whitespace trimmed (a stray newline or space would otherwise make the two
 * ends disagree), nothing an Authorization header could not carry.
 */
import { readFileSync } from 'node:fs';
import { AltError, reasonOf } from './errors.js';

/** The bearer token in `file`; a usage error (exit 2) when it is unusable. */
export function loadToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AltError('token-unreadable', `cannot read token file ${file}: ${reasonOf(e)}`);
  }
  const token = text.trim();
  if (token === '') throw new AltError('token-empty', `token file ${file} is empty: put the token on its first line`);
  if (/[\r\n]/.test(token)) throw new AltError('token-bad', `token file ${file} holds more than one line: put only the token in it`);
  if (/\s/.test(token)) throw new AltError('token-bad', `token file ${file} has whitespace inside the token: a bearer token cannot carry any`);
  return token;
}

/** A PEM file (certificate, key or CA); `what` names it for the operator. */
export function readPemFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new AltError('tls-unreadable', `cannot read ${what} ${file}: ${reasonOf(e)}`);
  }
}
