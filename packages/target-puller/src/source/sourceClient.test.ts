import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { AltError } from '@altbackup/shared';
import { parseListing } from './listingBody.js';
import { AllSourcesFailed, fileUrl, listingUrl, showSource } from './sourceClient.js';
import { HttpStatusError } from './retryPolicy.js';

const P = 'svn/dybsvn/2024/03/05/104701/dybsvn-20550.tar.gz';
const entry = { path: P, catfold: 'svn', subfold: 'dybsvn', day: '2024/03/05', time: '104701', name: 'dybsvn-20550.tar.gz', size: 5, mtime: '2024-03-05T10:50:00.000Z', dna: { dig: 'A'.repeat(32), size: 5 }, etag: '"e"' };

describe('source URLs', () => {
  it('append API paths to any prefix and escape path segments', () => {
    assert.equal(fileUrl('http://h:7878', P), `http://h:7878/v1/files/${P}`);
    assert.equal(fileUrl('https://h/mirror/', P), `https://h/mirror/v1/files/${P}`);
    assert.equal(listingUrl('http://h:7878', { day: '2024/03/05', wanted: ['dybsvn', 'svnsetup'] }), 'http://h:7878/v1/tarballs?format=json&day=2024%2F03%2F05&wanted=dybsvn%2Csvnsetup');
  });
  it('are shown as written, password hidden', () => {
    assert.equal(showSource('http://nonexistent.invalid:7878'), 'http://nonexistent.invalid:7878');
    assert.equal(showSource('http://u:pw@h:1/'), 'http://u:***@h:1/');
  });
});

describe('parseListing', () => {
  it('reads complete, pending and invalid entries', () => {
    const l = parseListing({ tarballs: [entry], pending: [{ path: P.replace('20550', '20551') }], invalid: [{ path: P.replace('20550', '1'), problem: 'bad dna' }] }, 'http://h');
    assert.equal(l.entries[0]!.dna.dig, 'a'.repeat(32), 'digest lowercased');
    assert.deepEqual(l.pending, [P.replace('20550', '20551')]);
    assert.deepEqual(l.invalid, [{ path: P.replace('20550', '1'), problem: 'bad dna' }]);
  });
  it('refuses a path off the layout: it would decide where bytes land', () => {
    for (const path of ['../../etc/passwd', 'svn/dybsvn/2024/03/05/104701/../../x.tar.gz', '/abs/2024/03/05/104701/x.tar.gz']) {
      assert.throws(() => parseListing({ tarballs: [{ ...entry, path }], pending: [] }, 'http://h'), (e: AltError) => e.code === 'bad-listing');
      assert.throws(() => parseListing({ tarballs: [], pending: [{ ...entry, path }] }, 'http://h'), (e: AltError) => e.code === 'bad-listing');
    }
  });
  it('refuses entries without size, dna or etag, and bodies without tarballs and pending arrays', () => {
    assert.throws(() => parseListing({ tarballs: [{ ...entry, etag: undefined }], pending: [] }, 'http://h'), /lacks size, dna or etag/);
    assert.throws(() => parseListing({ tarballs: [{ ...entry, dna: null }], pending: [] }, 'http://h'), /lacks size, dna or etag/);
    assert.throws(() => parseListing({ nope: 1 }, 'http://h'), /no tarballs and pending arrays/);
    assert.throws(() => parseListing({ tarballs: [entry] }, 'http://h'), /no tarballs and pending arrays/);
  });
});

describe('AllSourcesFailed', () => {
  it('names every source and cause; fatal only when every cause is', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' });
    const cert = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const e = new AllSourcesFailed([{ source: 'http://a:1', error: dns }, { source: 'https://b:2', error: cert }]);
    assert.equal(e.message, 'all sources failed: http://a:1 (ENOTFOUND), https://b:2 (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate)');
    assert.equal(e.fatal, false);
    assert.equal(new AllSourcesFailed([{ source: 'https://b:2', error: cert }]).fatal, true);
    assert.equal(new AllSourcesFailed([{ source: 'https://b:2', error: new HttpStatusError(503, 'u') }]).fatal, false);
  });
});
