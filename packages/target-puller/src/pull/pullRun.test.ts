import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatDna, type AltError } from '@altbackup/shared';
import { DAY, md5Of, tempDir } from '@altbackup/shared/testing';
import { Ledger } from '../ledger/ledger.js';
import { defaultLedgerPath } from '../target/targetDirs.js';
import { pullRun } from './pullRun.js';
import { startFakeSource, type FakeSource, type Misbehave, type SeenRequest } from '../testing/fakeSource.js';
import { quietLog, recordingLog, testConfig, writeTarball, type MadeFile } from '../testing/tree.js';

const dirs: string[] = [];
const servers: FakeSource[] = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const A = `svn/dybsvn/${DAY}/104701/dybsvn-20550.tar.gz`;
const B = `tracs/dybsvn/${DAY}/104701/dybsvn.tar.gz`;
const PENDING = `folders/svnsetup/${DAY}/104701/svnsetup.tar.gz`;

interface Setup {
  src: string;
  dst: string;
  files: MadeFile[];
  server: FakeSource;
}

async function setup(sizes: number[], fault?: (req: SeenRequest) => Misbehave | undefined): Promise<Setup> {
  const src = tempDir('src');
  const dst = tempDir('dst');
  dirs.push(src, dst);
  const files = sizes.map((size, i) => writeTarball(src, [A, B][i]!, size));
  writeTarball(src, PENDING, 1000, { pending: true });
  const server = await startFakeSource(src, fault);
  servers.push(server);
  return { src, dst, files, server };
}

/** A pull run; its error, once every transfer was tried and recorded, is thrown as the command throws it. */
async function pull(s: Setup, extra: Record<string, string | string[]> = {}, sources = [s.server.url], log = quietLog(), accept?: ReadonlySet<string>) {
  const config = testConfig(s.dst, sources, extra);
  const r = await pullRun({ config, days: [DAY], dryRun: false, log, accept });
  if (r.error) throw r.error;
  return r;
}

async function pullFails(s: Setup, extra: Record<string, string | string[]> = {}, sources = [s.server.url]): Promise<AltError> {
  try {
    await pull(s, extra, sources);
  } catch (e) {
    return e as AltError;
  }
  assert.fail('pull should have failed');
}

function assertMirrored(s: Setup, f: MadeFile): void {
  const abs = join(s.dst, f.path);
  assert.deepEqual(readFileSync(abs), f.data, `${f.path} differs`);
  assert.equal(readFileSync(abs + '.dna', 'utf8'), readFileSync(join(s.src, f.path + '.dna'), 'utf8'));
  assert.equal(existsSync(abs + '.part'), false);
  assert.equal(existsSync(abs + '.part.meta'), false);
}

/** Every file under the target except the ledger's and the lock's: nothing stray may remain. */
function filesUnder(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(root, rel));
    else out.push(rel);
  }
  return out.filter((f) => !f.startsWith('.altbackup/ledger.sqlite')).sort();
}

const fileReqs = (s: Setup, path: string) => s.server.requests.filter((r) => r.url.includes(path.split('/').pop()!) && r.url.startsWith('/v1/files/'));

describe('pullRun against a fake source', () => {
  it('pulls a day byte for byte, leaves pending alone, and a second pull fetches nothing', async () => {
    const s = await setup([300_000, 1_234_567]);
    const r = await pull(s);
    for (const f of s.files) assertMirrored(s, f);
    assert.equal(existsSync(join(s.dst, PENDING)), false);
    assert.equal(r.summary.fetched, 2);
    assert.equal(r.summary.pending, 1);
    assert.equal(r.summary.bytes, 300_000 + 1_234_567);
    assert.deepEqual(filesUnder(s.dst), [...s.files.flatMap((f) => [f.path, f.path + '.dna'])].sort());
    const again = await pull(s);
    assert.equal(again.summary.bytes, 0);
    assert.equal(again.summary.skipped, 2);
    const ledger = Ledger.open(defaultLedgerPath(s.dst));
    const rows = ledger.db.prepare("SELECT path, bytes_fetched, result FROM transfers ORDER BY path").all() as { path: string; bytes_fetched: number; result: string }[];
    assert.deepEqual(rows.map((x) => [x.path, x.bytes_fetched, x.result]), [[A, 300_000, 'ok'], [B, 1_234_567, 'ok']]);
    assert.equal([...ledger.latestChecks().values()].filter((v) => v.ok).length, 2);
    assert.equal(ledger.lastRun('pull')?.result, 'ok');
    ledger.close();
  });

  it('resumes a cut transfer with Range and If-Range, fetching each byte about once', async () => {
    const size = 2_000_000;
    const s = await setup([size], (req) => (req.url.startsWith('/v1/files/') && req.n <= 2 ? { kind: 'cut', afterBytes: req.n === 1 ? 600_000 : 800_000 } : undefined));
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    const reqs = fileReqs(s, A);
    assert.equal(reqs[0]!.headers.range, undefined);
    assert.match(String(reqs[1]!.headers.range), /^bytes=\d+-$/);
    assert.ok(reqs[1]!.headers['if-range'], 'If-Range sent on resume');
    assert.ok(r.outcomes[0]!.bytesFetched < size + (1 << 20), `fetched ${r.outcomes[0]!.bytesFetched}`);
    assert.equal(r.outcomes[0]!.attempts, 3);
  });

  it('an idle body and a silent server both time out, and the retry resumes', async () => {
    const s = await setup([1_500_000], (req) => (req.n === 1 ? { kind: 'stall', afterBytes: 700_000 } : req.n === 2 ? { kind: 'noHeaders' } : undefined));
    const t0 = Date.now();
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.ok(Date.now() - t0 < 10_000);
    assert.ok(r.outcomes[0]!.bytesFetched < 1_500_000 + 100_000);
    assert.match(String(fileReqs(s, A)[2]!.headers.range), /^bytes=\d+-$/);
  });

  it('retries 503 twice, then succeeds', async () => {
    const s = await setup([50_000], (req) => (req.url.startsWith('/v1/files/') && req.n <= 2 ? { kind: 'status', status: 503 } : undefined));
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.equal(r.outcomes[0]!.attempts, 3);
  });

  it('starts over when the source ignores Range (200), and when Content-Range starts earlier skips the overlap', async () => {
    const ignore = await setup([1_000_000], (req) => (req.n === 1 ? { kind: 'cut', afterBytes: 400_000 } : req.n === 2 ? { kind: 'ignoreRange' } : undefined));
    const r1 = await pull(ignore);
    assertMirrored(ignore, ignore.files[0]!);
    assert.ok(r1.outcomes[0]!.bytesFetched >= 1_000_000 + 300_000);

    const shift = await setup([1_000_000], (req) => (req.n === 1 ? { kind: 'cut', afterBytes: 400_000 } : req.n === 2 ? { kind: 'shiftRange', by: -1000 } : undefined));
    const r2 = await pull(shift);
    assertMirrored(shift, shift.files[0]!);
    assert.ok(r2.outcomes[0]!.bytesFetched < 1_000_000 + 300_000);

    const later = await setup([1_000_000], (req) => (req.n === 1 ? { kind: 'cut', afterBytes: 400_000 } : req.n === 2 ? { kind: 'shiftRange', by: 5000 } : undefined));
    await pull(later);
    assertMirrored(later, later.files[0]!);
    assert.equal(fileReqs(later, A)[2]!.headers.range, undefined, 'after a later Content-Range it asks again from zero');
  });

  it('refuses a file replaced on the source between attempts, and the next run fetches the new version', async () => {
    let replaced: MadeFile | null = null;
    let s: Setup | null = null;
    s = await setup([800_000], (req) => {
      if (req.n === 1) return { kind: 'cut', afterBytes: 300_000 };
      if (req.n === 2 && !replaced) replaced = writeTarball(s!.src, A, 900_000);
      return undefined;
    });
    const e = await pullFails(s);
    assert.match(e.message, new RegExp(`^${A}: the source's file (now has md5 [0-9a-f]{32}, its listing said ${s.files[0]!.md5}: it changed since it was listed|is 900000 bytes but its sidecar says 800000)`));
    assert.equal(existsSync(join(s.dst, A)), false, 'nothing under the final name');
    assert.ok(replaced);
    await pull(s);
    assertMirrored(s, replaced);
  });

  it('quarantines a corrupted download, refetches it and verifies', async () => {
    const s = await setup([200_000], (req) => (req.n === 1 ? { kind: 'corrupt', offset: 12_345 } : undefined));
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.equal(r.outcomes[0]!.quarantined.length, 1);
    assert.equal(readdirSync(join(s.dst, '.altbackup/quarantine')).length, 1);
  });

  it('fails on persistent corruption with no final file and no sidecar', async () => {
    const s = await setup([200_000], (req) => (req.url.startsWith('/v1/files/') ? { kind: 'corrupt', offset: 7 } : undefined));
    const e = await pullFails(s);
    assert.equal(e.code, 'pull-failed');
    assert.match(e.message, /digest mismatch twice/);
    assert.equal(existsSync(join(s.dst, A)), false);
    assert.equal(existsSync(join(s.dst, A + '.dna')), false);
    assert.equal(existsSync(join(s.dst, A + '.part')), false);
    assert.equal(readdirSync(join(s.dst, '.altbackup/quarantine')).length, 2);
  });

  it('fails at once on 401 and on 404, naming the URL and what to do', async () => {
    const s401 = await setup([1000], () => ({ kind: 'status', status: 401 }));
    const e = await pullFails(s401);
    assert.match(e.message, /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1\/tarballs.*token/);
    assert.equal(s401.server.requests.length, 1);

    const s404 = await setup([1000], (req) => (req.url.startsWith('/v1/files/') ? { kind: 'status', status: 404 } : undefined));
    const e404 = await pullFails(s404);
    assert.match(e404.message, /HTTP 404 from .*\/v1\/files\/svn\/dybsvn\/.*no longer serves/);
    assert.equal(fileReqs(s404, A).length, 1);
  });

  it("resumes the old tool's truncated final file without sidecar instead of re-sending it", async () => {
    const size = 1_531_229;
    const s = await setup([size]);
    const abs = join(s.dst, A);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, s.files[0]!.data.subarray(0, 1_147_682));
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.equal(r.outcomes[0]!.resumedFrom, 1_147_682);
    assert.equal(r.outcomes[0]!.bytesFetched, size - 1_147_682);
    assert.equal(fileReqs(s, A)[0]!.headers.range, 'bytes=1147682-');
  });

  it('verifies a complete file left without sidecar (crash between rename and sidecar) with a 416, fetching nothing', async () => {
    const s = await setup([100_000]);
    const abs = join(s.dst, A);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, s.files[0]!.data);
    writeFileSync(abs + '.dna.tmp', 'half');
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.equal(r.outcomes[0]!.bytesFetched, 0);
    assert.equal(existsSync(abs + '.dna.tmp'), false);
  });

  it('keeps a copy the source lists with other bytes; --accept-changed moves it to replaced/ and fetches the new one', async () => {
    const s = await setup([100_000]);
    const abs = join(s.dst, A);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, Buffer.alloc(10));
    const oldDna = formatDna({ dig: md5Of(Buffer.alloc(10)), size: 10 });
    writeFileSync(abs + '.dna', oldDna);
    const e = await pullFails(s);
    assert.equal(e.code, 'source-changed');
    assert.match(e.message, new RegExp(`${A}: the target holds md5 ${md5Of(Buffer.alloc(10))} size 10, the source now lists md5 ${s.files[0]!.md5} size 100000; the verified copy is kept`));
    assert.deepEqual(readFileSync(abs), Buffer.alloc(10), 'kept byte for byte');
    assert.equal(readFileSync(abs + '.dna', 'utf8'), oldDna);
    assert.equal(fileReqs(s, A).length, 0, 'not fetched');
    const ledger = Ledger.open(defaultLedgerPath(s.dst));
    assert.deepEqual(ledger.openSourceChanges().map((c) => [c.path, c.oldSize, c.newSize]), [[A, 10, 100_000]]);
    ledger.close();

    const r = await pull(s, {}, [s.server.url], quietLog(), new Set([A]));
    assertMirrored(s, s.files[0]!);
    const kept = r.outcomes[0]!.setAside!;
    assert.match(kept, /\/\.altbackup\/replaced\/\d{8}T\d{9}Z\/svn\/dybsvn\//);
    assert.deepEqual(readFileSync(kept), Buffer.alloc(10), 'the old copy is kept aside, byte for byte');
    assert.equal(readFileSync(kept + '.dna', 'utf8'), oldDna);
    const after = Ledger.open(defaultLedgerPath(s.dst));
    assert.deepEqual(after.openSourceChanges(), [], 'the alarm is resolved');
    after.close();
  });

  it('falls back from an unresolvable source to the next one, and the log names the fallback', async () => {
    const s = await setup([10_000]);
    const rec = recordingLog(s.src);
    await pull(s, {}, ['http://nonexistent.invalid:7878', s.server.url], rec.log);
    assertMirrored(s, s.files[0]!);
    const warned = rec.messages();
    assert.ok(warned.some((m) => /^source http:\/\/nonexistent\.invalid:7878 failed \((ENOTFOUND|EAI_AGAIN)/.test(m) && m.includes(`using ${s.server.url}`)), warned.join('\n'));
  });

  it('stops at the deadline, keeps the .part, and the next run resumes it', async () => {
    const s = await setup([1_000_000], (req) => (req.n === 1 ? { kind: 'stall', afterBytes: 250_000 } : undefined));
    const e = await pullFails(s, { 'target.deadline': '1s', 'target.idle_timeout': '60s' });
    assert.equal(e.code, 'deadline');
    assert.match(e.message, /deadline of 1\.0s passed.*next run resumes/);
    assert.equal(existsSync(join(s.dst, A + '.part')), true);
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.equal(r.outcomes[0]!.resumedFrom, 250_000);
    assert.ok(!existsSync(join(s.dst, '.altbackup/pull.lock')));
  });

  it('restarts from zero a .part longer than the source file', async () => {
    const s = await setup([10_000]);
    const abs = join(s.dst, A);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs + '.part', Buffer.alloc(20_000));
    const r = await pull(s);
    assertMirrored(s, s.files[0]!);
    assert.equal(r.outcomes[0]!.resumedFrom, 0);
  });
});
