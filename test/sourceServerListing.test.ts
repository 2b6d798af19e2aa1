/**
 * The listing of a real `altbackup-source serve` child process: JSON and text
 * for a sample tree, query errors, and tarballs the backup job adds while the
 * server runs (first pending, then complete) without a restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatDna } from '@altbackup/shared';
import { md5Of, tempDir, waitFor } from '@altbackup/shared/testing';
import { startSource, type RunningServer } from './support/processes.js';
import { rawRequest, sampleRoot } from './support/sourceServerFixture.js';
import type { SampleManifest } from '@altbackup/sample-tree';

const tmp = tempDir('listing');
let manifest: SampleManifest;
let server: RunningServer;

before(async () => {
  manifest = await sampleRoot(join(tmp, 'root'));
  server = await startSource(['--root', manifest.root, '--timezone', 'UTC', '--rescan-interval', '200ms']);
});

after(async () => {
  assert.equal(await server?.stop(), 0, 'serve exits 0 on SIGTERM');
  await rm(tmp, { recursive: true, force: true });
});

interface Listed { path: string; size: number; dna: { dig: string; size: number } | null; etag: string; day: string; mtime: string }
interface Body { days: string[]; tarballs: Listed[]; pending: Listed[]; invalid: Listed[] }

async function listing(query: string, accept = 'application/json'): Promise<{ status: number; body: string; type: string }> {
  const r = await rawRequest(server.url, `/v1/tarballs?${query}`, { headers: { accept } });
  return { status: r.status, body: r.body.toString('utf8'), type: String(r.headers['content-type']) };
}

test('JSON listing: every complete tarball of each day with size and md5; the pending one only under pending', async () => {
  for (const day of manifest.days) {
    for (const how of [`day=${day}`, `day=${day.replace(/\//g, '-')}&format=json`]) {
      const r = await listing(how, how.includes('format=json') ? '*/*' : 'application/json');
      assert.equal(r.status, 200);
      assert.match(r.type, /^application\/json/);
      const body = JSON.parse(r.body) as Body;
      assert.deepEqual(body.days, [day]);
      const want = manifest.tarballs.filter((t) => t.day === day);
      assert.deepEqual(
        body.tarballs.map((t) => [t.path, t.size, t.dna?.dig, t.dna?.size]),
        want.filter((t) => !t.pending).map((t) => [t.path, t.size, t.md5, t.size]).sort(),
      );
      assert.deepEqual(body.pending.map((t) => t.path), want.filter((t) => t.pending).map((t) => t.path));
      assert.deepEqual(body.invalid, []);
      for (const t of body.tarballs) {
        assert.match(t.etag, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
        assert.ok(!Number.isNaN(Date.parse(t.mtime)));
      }
    }
  }
  const newest = manifest.days.at(-1)!;
  assert.equal(manifest.tarballs.filter((t) => t.pending && t.day === newest).length, 1, 'sample has one pending tarball');
});

test('text listing for curl: size, mtime, md5, path; pending marked; filters by wanted and catfold', async () => {
  const day = manifest.days.at(-1)!;
  const r = await listing(`day=${day}`, '*/*');
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain/);
  const lines = r.body.trimEnd().split('\n');
  assert.match(lines[0]!, /^\s*SIZE\s+MTIME \(UTC\)\s+MD5\s+PATH$/);
  for (const t of manifest.tarballs.filter((x) => x.day === day)) {
    const line = lines.find((l) => l.endsWith(`  ${t.path}`));
    assert.ok(line, `${t.path} listed`);
    if (t.pending) assert.match(line, /pending/);
    else assert.match(line, new RegExp(`^\\s*[\\d.]+[KMG]?\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${t.md5}\\s+`));
  }
  assert.match(lines.at(-1)!, /^# \d+ complete, 1 pending, 0 invalid; /);
  const wanted = JSON.parse((await listing(`day=${day}&wanted=dybsvn`)).body) as Body;
  assert.ok(wanted.tarballs.length > 0);
  assert.ok(wanted.tarballs.every((t) => /\/dybsvn[-.]/.test(t.path)), 'wanted is a name prefix');
  const svn = JSON.parse((await listing(`day=${day}&catfold=svn`)).body) as Body;
  assert.ok(svn.tarballs.length > 0 && svn.tarballs.every((t) => t.path.startsWith('svn/')));
  const since = JSON.parse((await listing('since=2')).body) as Body;
  assert.deepEqual(since.days, manifest.days);
});

test('query errors answer 400 with a one-line reason', async () => {
  for (const [q, why] of [
    ['day=2024/02/30', /not a calendar date/], ['day=yesterday', /not understood/], ['catfold=nosuch', /unknown catfold "nosuch"/],
    ['since=0', /since=/], ['format=xml', /format=/], ['day=-1&since=2', /either/],
  ] as const) {
    const r = await listing(q, '*/*');
    assert.equal(r.status, 400, q);
    assert.match(r.body, why);
    assert.equal(r.body.trimEnd().split('\n').length, 1, `${q}: one line`);
  }
});

test('a new tarball shows as pending, then complete once its sidecar appears, without a restart', async () => {
  const day = manifest.days.at(-1)!;
  const path = `svn/dybsvn/${day}/235959/dybsvn-99999.tar.gz`;
  const abs = join(manifest.root, path);
  const body = Buffer.from('a late backup of dybsvn\n'.repeat(100));
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, body);
  const pending = await waitFor('the new tarball to be listed as pending', async () => {
    const b = JSON.parse((await listing(`day=${day}`)).body) as Body;
    return b.pending.find((t) => t.path === path);
  });
  assert.equal(pending.size, body.length);
  assert.equal((await rawRequest(server.url, `/v1/files/${path}`)).status, 404, 'not served while pending');

  await writeFile(abs + '.dna', formatDna({ dig: md5Of(body), size: body.length }));
  const complete = await waitFor('the new tarball to be listed as complete', async () => {
    const b = JSON.parse((await listing(`day=${day}`)).body) as Body;
    return b.tarballs.find((t) => t.path === path);
  });
  assert.deepEqual(complete.dna, { dig: md5Of(body), size: body.length });
  const got = await rawRequest(server.url, `/v1/files/${path}`);
  assert.equal(got.status, 200);
  assert.equal(md5Of(got.body), md5Of(body));
});

test('healthz names no file; metrics count requests and the catalog', async () => {
  const h = await rawRequest(server.url, '/healthz');
  assert.equal(h.status, 200);
  assert.doesNotMatch(h.body.toString(), /tar\.gz|dybsvn|svnsetup|\//);
  const m = (await rawRequest(server.url, '/metrics')).body.toString();
  assert.match(m, /^altbackup_source_requests_total\{route="tarballs",status="200"\} \d+$/m);
  assert.match(m, /^altbackup_source_requests_total\{route="tarballs",status="400"\} 6$/m);
  assert.match(m, /^altbackup_source_catalog_tarballs\{state="pending"\} \d+$/m);
  assert.match(m, /^altbackup_source_catalog_scan_duration_seconds\{kind="(hot|full)"\} [\d.e-]+$/m);
});
