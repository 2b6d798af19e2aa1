/**
 * `altbackup status` end to end: a generated source tree served by
 * `altbackup-source serve`, pulled by `altbackup pull`, then judged by
 * `status` as cron would run it. Healthy after a complete pull; unhealthy
 * (exit 1, the right reason line on stderr) when a tarball is still pending
 * on the source, when the newest tarball is older than max_age, when a
 * sidecar mismatch is outstanding; never stuck on an unreachable source.
 * The Prometheus textfile is parsed with parse-prometheus-text-format and
 * also checked line by line against the text format.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addDays, formatDna, todayIn } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { runTarget, startSource, type RunningServer } from './support/processes.js';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';
import { sampleTargetToml } from './support/sampleConfig.js';
import { waitListed } from './support/waitListed.js';

interface PromFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
const parseProm = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => PromFamily[];

/**
 * The text format's rules that matter to node_exporter, checked strictly:
 * HELP and TYPE once per family and before its samples, valid names, quoted
 * and escaped label values, a float value, no duplicate series, final newline.
 */
export function checkTextFormat(text: string): void {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const declared = new Map<string, { help: boolean; type: string | null }>();
  const series = new Set<string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*\\})? ([+-]?(?:\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\.\\d+|NaN|Inf))( -?\\d+)?$`);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (help) {
      const d = declared.get(help[1]!) ?? { help: false, type: null };
      assert.ok(!d.help, `HELP twice for ${help[1]}`);
      declared.set(help[1]!, { ...d, help: true });
    } else if (type) {
      const d = declared.get(type[1]!) ?? { help: false, type: null };
      assert.equal(d.type, null, `TYPE twice for ${type[1]}`);
      declared.set(type[1]!, { ...d, type: type[2]! });
    } else {
      const m = sample.exec(line);
      assert.ok(m, `not a valid sample line: ${JSON.stringify(line)}`);
      assert.ok(declared.get(m[1]!)?.type, `sample before TYPE: ${m[1]}`);
      const key = `${m[1]}${m[2] ?? ''}`;
      assert.ok(!series.has(key), `duplicate series ${key}`);
      series.add(key);
    }
  }
}

const TODAY = todayIn({ timezone: 'UTC' });
let dir: string;
let sourceRoot: string;
let target: string;
let cfg: string;
let manifest: SampleManifest;
let server: RunningServer;

function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  assert.ok(family, `no metric ${name}`);
  const m = family.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  assert.ok(m, `no ${name}${JSON.stringify(labels)}`);
  return Number(m.value);
}

// The restore-proof rule has tests of its own (restoreProof.test.ts): these judge the mirror without it.
const status = (args: string[] = [], file = cfg) => runTarget(['status', '--restore-max-age', '0', ...args], { env: { ALTBACKUP_CONFIG: file }, timeoutMs: 60_000 });

describe('altbackup status after real pulls', () => {
  before(async () => {
    dir = tempDir('status');
    sourceRoot = join(dir, 'source');
    target = join(dir, 'target');
    manifest = await makeSampleTree({ root: sourceRoot, days: 3, bulk: 64 * 1024, seed: 'status', end: TODAY, pending: true });
    server = await startSource(['--root', sourceRoot, '--rescan-interval', '200ms', '--log-level', 'warn']);
    cfg = join(dir, 'altbackup.toml');
    await writeFile(cfg, sampleTargetToml(target, [server.url], ['connect_timeout = "2s"', 'header_timeout = "2s"']));
    const pull = await runTarget(['pull', '--since', '3'], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 120_000 });
    assert.equal(pull.code, 0, pull.stderr);
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is unhealthy while today\'s Trac tarball is still pending on the source, and says so', async () => {
    const r = await status();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), [`altbackup status: dybsvn: 1 of 2 expected tarballs verified for ${TODAY} (1 pending on the source)`]);
    assert.match(r.stdout, /pending on the source \(no sidecar yet\):\n {2}tracs\/dybsvn\/.*\/dybsvn\.tar\.gz/);
    assert.match(r.stdout, /status: UNHEALTHY \(1 reason\)/);
  });

  it('is healthy once the backup job finishes and the next pull fetches it; --json and the textfile parse', async () => {
    const late = manifest.tarballs.find((t) => t.pending)!;
    await writeFile(join(sourceRoot, late.path + '.dna'), formatDna({ dig: late.md5, size: late.size }));
    await waitListed(server.url, () => [late.path]);
    const pull = await runTarget(['pull'], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 120_000 });
    assert.equal(pull.code, 0, pull.stderr);

    const prom = join(dir, 'metrics', 'altbackup.prom');
    await mkdir(dirname(prom), { recursive: true });
    const r = await status(['--prometheus', prom]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^NAME +NEWEST +SIZE +AGE +TODAY +ON TARGET +IN PROGRESS +PENDING$/m);
    assert.match(r.stdout, new RegExp(`^dybsvn +${TODAY} 104701 +\\S+ +\\S+ +2/2 +6 +0 +0$`, 'm'));
    assert.match(r.stdout, /^last pull: #\d+ ok, started .*, took .*, \d+ files/m);
    assert.match(r.stdout, /status: healthy\n$/);

    const json = JSON.parse((await status(['--json'])).stdout);
    assert.equal(json.healthy, true);
    assert.deepEqual(json.reasons, []);
    assert.deepEqual(json.names.map((n: { name: string; verified: number }) => [n.name, n.verified]), [['dybsvn', 6], ['dybaux', 3], ['svnsetup', 3]]);
    assert.equal(json.source.known, true);

    const text = await readFile(prom, 'utf8');
    checkTextFormat(text);
    assert.deepEqual(await readdir(dirname(prom)), ['altbackup.prom'], 'no temp file left beside the textfile');
    const families = parseProm(text);
    assert.equal(value(families, 'altbackup_healthy'), 1);
    assert.equal(value(families, 'altbackup_tarballs', { name: 'dybsvn' }), 6);
    assert.equal(value(families, 'altbackup_tarballs', { name: 'svnsetup' }), 3);
    assert.equal(value(families, 'altbackup_day_tarballs', { name: 'dybsvn' }), 2);
    assert.equal(value(families, 'altbackup_expected_tarballs', { name: 'dybsvn' }), 2);
    const [y, m, d] = TODAY.split('/').map(Number) as [number, number, number];
    assert.equal(value(families, 'altbackup_last_verified_timestamp_seconds', { name: 'dybaux' }), Date.UTC(y, m - 1, d, 10, 47, 1) / 1000);
    assert.equal(value(families, 'altbackup_last_run_success'), 1);
    assert.ok(value(families, 'altbackup_last_run_duration_seconds') > 0);
    assert.ok(value(families, 'altbackup_last_run_bytes') > 0);
    assert.ok(families.every((f) => f.name.startsWith('altbackup_') && !f.name.startsWith('altbackup_source_')));

    // The source server's /metrics: same conventions, its own prefix, no shared name.
    const scraped = await (await fetch(`${server.url}/metrics`)).text();
    checkTextFormat(scraped);
    const sourceNames = parseProm(scraped).map((f) => f.name);
    assert.ok(sourceNames.length > 0 && sourceNames.every((n) => n.startsWith('altbackup_source_')), sourceNames.join(' '));
    assert.deepEqual(sourceNames.filter((n) => families.some((f) => f.name === n)), []);
  });

  it('never waits long on an unreachable source: pending is reported unknown', async () => {
    const emptyDay = addDays(TODAY, -10);
    const r = await status(['--source', 'http://127.0.0.1:1', '--day', emptyDay]);
    assert.equal(r.code, 1);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.match(r.stdout, /source: pending unknown \(source listing failed: /);
    assert.match(r.stderr, new RegExp(`^altbackup status: dybsvn: 0 of 2 expected tarballs verified for ${emptyDay} \\(pending on the source unknown \\(source listing failed: .*\\)\\)$`, 'm'));
  });

  it('is unhealthy while a sidecar mismatch found by check_target is outstanding', async () => {
    const victim = manifest.tarballs.find((t) => t.path.startsWith('svn/dybaux/') && t.day === TODAY)!;
    const fh = await open(join(target, victim.path), 'r+');
    const [byte] = [Buffer.alloc(1)];
    await fh.read(byte, 0, 1, 100);
    await fh.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 100);
    await fh.close();
    const check = await runTarget(['check_target'], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 60_000 });
    assert.equal(check.code, 1, check.stdout + check.stderr);
    const r = await status(['--prometheus', join(dir, 'metrics', 'altbackup.prom')]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^altbackup status: mismatch: ${victim.path.replace(/[.]/g, '\\.')} does not match its sidecar \\(md5 [0-9a-f]{32}, sidecar says ${victim.md5}\\); `));
    const families = parseProm(await readFile(join(dir, 'metrics', 'altbackup.prom'), 'utf8'));
    assert.equal(value(families, 'altbackup_corrupt_tarballs'), 1);
    assert.equal(value(families, 'altbackup_healthy'), 0);
  });
});

describe('altbackup status on an old mirror', () => {
  let old: string;
  before(async () => {
    old = tempDir('status-old');
  });
  after(async () => {
    await rm(old, { recursive: true, force: true });
  });

  it('is unhealthy when the newest verified tarball is older than max_age', async () => {
    const day = addDays(TODAY, -3);
    const rel = `folders/svnsetup/${day}/104701/svnsetup.tar.gz`;
    await mkdir(dirname(join(old, rel)), { recursive: true });
    await writeFile(join(old, rel), 'x'.repeat(100));
    await writeFile(join(old, rel + '.dna'), formatDna({ dig: '0'.repeat(32), size: 100 }));
    const file = join(old, 'altbackup.toml');
    await writeFile(file, `timezone = "UTC"\nwanted = ["svnsetup"]\n[target]\nroot = ${JSON.stringify(old)}\n`);
    const r = await status([], file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^altbackup status: svnsetup: newest verified tarball ${rel.replace(/[.]/g, '\\.')} is \\d+\\.\\dh old \\(max_age 26\\.0h\\)\\n$`));
    const relaxed = await status(['--max-age', '5d'], file);
    assert.equal(relaxed.code, 0, relaxed.stderr);
    assert.match(relaxed.stdout, /last pull: none recorded/);
    assert.match(relaxed.stdout, /source: pending unknown \(no source configured\)/);
  });
});
