import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from './logger.js';
import { tempDir } from './testing.js';

let dir: string;
before(() => { dir = tempDir('logger-test'); });
after(() => rmSync(dir, { recursive: true, force: true }));

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('appends JSON lines to a file, creating its folder, at the chosen level', () => {
    const file = join(dir, 'sub', 'a.log');
    const log = createLogger({ level: 'info', file, name: 'altbackup' });
    log.debug('hidden');
    log.info({ day: '2013/05/29' }, 'pulled');
    log.warn('slow');
    const got = lines(file);
    assert.deepEqual(got.map((l) => l.msg), ['pulled', 'slow']);
    assert.equal(got[0]!.day, '2013/05/29');
    assert.equal(got[0]!.name, 'altbackup');
    assert.equal(got[0]!.level, 30);
    createLogger({ level: 'info', file }).info('again');
    assert.equal(lines(file).length, 3, 'appends');
  });

  it('redacts tokens, authorization headers and webhooks', () => {
    const file = join(dir, 'b.log');
    const log = createLogger({ level: 'info', file });
    log.info({ token: 'T0KEN-1', headers: { authorization: 'Bearer T0KEN-2' }, req: { headers: { authorization: 'Bearer T0KEN-3' } }, notify: { webhook: 'https://hc/T0KEN-4' }, webhook: 'https://hc/T0KEN-5' }, 'request');
    const text = readFileSync(file, 'utf8');
    assert.ok(!/T0KEN-\d/.test(text), text);
    assert.ok(text.includes('[redacted]'));
  });

  it('silent logs nothing', () => {
    const file = join(dir, 'c.log');
    const log = createLogger({ level: 'silent', file });
    log.error('nothing');
    assert.equal(readFileSync(file, 'utf8'), '');
  });
});
