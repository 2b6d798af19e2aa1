/**
 * The shaped link's own bench (issue 14): what the proxy reaches alone, how
 * closely it holds a connection to its rate and round trip, and how curl,
 * aria2c, scp and rsync behave through it. Not part of `npm run bench`:
 *
 *   npm run build && node bench/dist/support/shapedLink.js [--rate 25e6] [--rtt 40]
 *       [--size 256MiB] [--alone-size 1GiB] [--runs 3] [--only alone,shaped,tools] [--keep]
 *
 * Every server is nginx (sendfile) or sshd on 127.0.0.1, so the far end is
 * never the bottleneck; the proxy runs in a process of its own, whose CPU
 * time over a transfer is the proxy's alone. Ideal times follow the link's model: a fresh
 * connection's first byte comes after 2 RTT (handshake, then request), then
 * its share of the bytes at the rate, so size/(n x rate) + 2 RTT for n
 * connections at once. A shaped result is curl's own clock (its connect to
 * its last byte, the slowest curl's); a tool's result is its wall time from
 * spawn to exit. Prints a table and writes bench/out/shaped-link.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '#test/support/processes.js';
import type { LinkStats, ShapedLinkOptions } from '#test/support/shapedLink.js';
import { ensureTools } from '../tools.js';
import { Cleanup } from './cleanup.js';
import { TARGET_BIN, startAltSource, targetOk } from './altbackup.js';
import { MiB, layoutPath, writeRandomFile, writeSidecar } from './data.js';
import { nowMs, runOk, start } from './exec.js';
import { startNginx } from './nginx.js';
import { checkPulled, expectMd5, md5sum, pullArgs } from './pulled.js';
import { formatBytes, formatSeconds, machine } from './report.js';
import { startSshd, type Sshd } from './sshd.js';
import { median } from './stats.js';

const PARTS = ['alone', 'shaped', 'tools', 'pull'] as const;
type Part = (typeof PARTS)[number];

interface LinkBenchArgs {
  rate: number;
  rttMs: number;
  size: number;
  aloneSize: number;
  runs: number;
  only: Part[];
  keep: boolean;
}

/** `256MiB`, `1GiB`, `1e9` -> bytes. */
function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*(KiB|MiB|GiB)?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s} (try 256MiB)`);
  const unit = { kib: 1024, mib: MiB, gib: 1024 * MiB }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

function parseLinkBenchArgs(argv: readonly string[]): LinkBenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string', default: '25e6' },
      rtt: { type: 'string', default: '40' },
      size: { type: 'string', default: '256MiB' },
      'alone-size': { type: 'string', default: '1GiB' },
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const only = (values.only ?? PARTS.join(',')).split(/[ ,]+/).filter(Boolean);
  const bad = only.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (bad.length) throw new Error(`--only: no part ${bad.join(', ')} (parts are ${PARTS.join(', ')})`);
  const a: LinkBenchArgs = {
    rate: Number(values.rate),
    rttMs: Number(values.rtt),
    size: parseSize(values.size),
    aloneSize: parseSize(values['alone-size']),
    runs: Number(values.runs),
    only: only as Part[],
    keep: values.keep,
  };
  if (!(a.rate > 0) || !(a.rttMs >= 0) || !Number.isInteger(a.runs) || a.runs < 1) throw new Error('--rate must be > 0, --rtt >= 0, --runs a positive integer');
  return a;
}

/** The model's best time for `size` bytes split over n fresh connections. */
function idealMs(size: number, n: number, rate: number, rttMs: number): number {
  return (size / (n * rate)) * 1000 + 2 * rttMs;
}

/** [start, end] byte ranges (inclusive) splitting `size` into n parts. */
function splitRanges(size: number, n: number): [number, number][] {
  const part = Math.ceil(size / n);
  return Array.from({ length: n }, (_, i): [number, number] => [i * part, Math.min(size, (i + 1) * part) - 1]).filter(([a, b]) => a <= b);
}

/** Nice value of the link's process (root may go below 0). */
const LINK_PRIORITY = -10;

/** A shaped link in a process of its own, asked over stdin for its CPU time and stats. */
interface LinkProcess {
  port: number;
  cpuMs(): Promise<number>;
  stats(): Promise<LinkStats>;
  stop(): Promise<void>;
}

// Spawning curl costs the spawning process CPU too: in a child of its own, the proxy's CPU time is its alone.
const LINK_CHILD = `
  import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
  const { startShapedLink } = await import(process.argv[1]);
  const link = await startShapedLink(JSON.parse(process.argv[2]));
  const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
  say({ port: link.port });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (l) => {
    const c = process.cpuUsage();
    say(l === 'cpu' ? { cpuMs: (c.user + c.system) / 1000 } : link.stats());
  });
  lines.on('close', () => link.close().then(() => process.exit(0)));
`;

async function startLinkProcess(o: ShapedLinkOptions): Promise<LinkProcess> {
  const moduleUrl = new URL('../../../test/dist/support/shapedLink.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', LINK_CHILD, moduleUrl, JSON.stringify(o)], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A network does not wait for a busy CPU: ahead of other work here, the link keeps its own timing on a loaded machine.
  setPriority(child.pid!, LINK_PRIORITY);
  const replies = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const r = await replies.next();
    if (r.done) throw new Error('the shaped link process exited');
    return JSON.parse(r.value) as T;
  };
  const { port } = await next<{ port: number }>();
  const ask = <T>(what: string) => { child.stdin!.write(`${what}\n`); return next<T>(); };
  return {
    port,
    cpuMs: async () => (await ask<{ cpuMs: number }>('cpu')).cpuMs,
    stats: () => ask<LinkStats>('stats'),
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin!.end();
      await once(child, 'exit');
    },
  };
}

interface Measured {
  ms: number;
  /** CPU time of the proxy over the transfer, ms (0 without one). */
  cpuMs: number;
}

async function measured<T>(link: LinkProcess | null, fn: () => Promise<T>): Promise<Measured & { value: T }> {
  const cpu0 = link ? await link.cpuMs() : 0;
  const t0 = nowMs();
  const value = await fn();
  const ms = nowMs() - t0;
  return { ms, cpuMs: link ? (await link.cpuMs()) - cpu0 : 0, value };
}

interface Curled {
  bytes: number;
  firstByteMs: number;
  totalMs: number;
}

/** n curls at once, each fetching one of n ranges of `url` (the whole file when n is 1). */
async function curls(url: string, size: number, n: number, out: (i: number) => string): Promise<Curled[]> {
  return Promise.all(splitRanges(size, n).map(async ([a, b], i) => {
    const range = n === 1 ? [] : ['-r', `${a}-${b}`];
    const r = await runOk('/usr/bin/curl', ['-sS', '--fail', ...range, '-o', out(i), '-w', '%{size_download} %{time_starttransfer} %{time_total}', url], { timeoutMs: 600_000 });
    const [bytes, first, total] = r.stdout.trim().split(' ').map(Number) as [number, number, number];
    if (bytes !== b - a + 1) throw new Error(`curl got ${bytes} bytes of ${url}, expected ${b - a + 1}`);
    return { bytes, firstByteMs: first * 1000, totalMs: total * 1000 };
  }));
}

interface LinkRow {
  part: Part;
  measure: string;
  result: string;
  reference: string;
  ratio: number | null;
  /** The proxy's CPU over the transfer, as a share of one core. */
  cpu: string;
  note?: string;
}

const HEAD = ['part', 'measure', 'result', 'reference', 'ratio', 'proxy CPU'];

function cellsOf(r: LinkRow): string[] {
  return [r.part, r.measure, r.result, r.reference, r.ratio === null ? '-' : r.ratio.toFixed(3), r.cpu];
}

function linkTable(rows: readonly LinkRow[]): string {
  const all = [HEAD, ...rows.map(cellsOf)];
  const w = HEAD.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(w[c]!)).join('  ').trimEnd();
  return [line(HEAD), w.map((x) => '-'.repeat(x)).join('  '), ...all.slice(1).map(line)].join('\n');
}

const mbps = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
const cpuShare = (m: Measured[]) => `${median(m.map((x) => (100 * x.cpuMs) / x.ms)).toFixed(0)} %`;

interface PullPartContext {
  work: string;
  files: string;
  out: string;
  nginxPort: number;
  md5: string;
  log: (line: string) => void;
  cleanup: Cleanup;
  linkTo: (port: number, o: Omit<ShapedLinkOptions, 'upstream'>) => Promise<LinkProcess>;
}

/**
 * `altbackup pull` over the shaped link with 1, 4 and 8 streams, against
 * curl -o and aria2c -x4 -s4 (each then md5sum, as altbackup verifies) in
 * the same run; then a resume after the pull was stopped at 60 % (SIGTERM:
 * the run ends as at a deadline or a cut it gave up on).
 */
async function pullOverLink(args: LinkBenchArgs, c: PullPartContext): Promise<LinkRow[]> {
  const rows: LinkRow[] = [];
  const src = join(c.work, 'src');
  const rel = layoutPath('svn', 'dybsvn', 'dybsvn-20550.tar.gz');
  const tarball = { rel, abs: join(src, rel), size: args.size, md5: c.md5, wanted: 'dybsvn' };
  await mkdir(dirname(tarball.abs), { recursive: true });
  await link(join(c.files, 'shaped.bin'), tarball.abs);
  await writeSidecar(tarball.abs, { dig: c.md5, size: args.size });
  const server = await startAltSource(src, ['--timezone', 'UTC']);
  c.cleanup.add('altbackup-source', () => server.stop());
  const shape = { rateBytesPerSec: args.rate, rttMs: args.rttMs };
  const alt = await c.linkTo(Number(new URL(server.url).port), shape);
  const web = await c.linkTo(c.nginxPort, shape);
  const sourceUrl = `http://127.0.0.1:${alt.port}`;
  const dst = join(c.work, 'dst');
  const pullOnce = async (streams: number, extra: string[] = []) => {
    await rm(dst, { recursive: true, force: true });
    await mkdir(dst, { recursive: true });
    return measured(alt, () => targetOk(`altbackup pull --streams ${streams}`, [...pullArgs(sourceUrl, dst, tarball), '--streams', String(streams), '--stream-min-size', '1', '--min-free', '16M', '--timezone', 'UTC', ...extra], { timeoutMs: 900_000 }));
  };
  const ideal4 = (args.size / (4 * args.rate)) * 1000 + args.rttMs;
  const medians = new Map<string, number>();
  const copy = join(c.out, 'copy.bin');
  const tools: [string, () => Promise<unknown>][] = [
    ['curl -o, md5sum', async () => {
      await runOk('/usr/bin/curl', ['-sS', '--fail', '-o', copy, `http://127.0.0.1:${web.port}/shaped.bin`], { timeoutMs: 900_000 });
      expectMd5('curl', (await md5sum([copy])).md5s[0], c.md5);
    }],
    ['aria2c -x4 -s4, md5sum', async () => {
      await runOk('/usr/bin/aria2c', ['-q', '-x4', '-s4', '--file-allocation=none', '--allow-overwrite=true', '-d', c.out, '-o', 'copy.bin', `http://127.0.0.1:${web.port}/shaped.bin`], { timeoutMs: 900_000 });
      expectMd5('aria2c', (await md5sum([copy])).md5s[0], c.md5);
    }],
  ];
  for (const streams of [1, 4, 8]) {
    const m: Measured[] = [];
    for (let i = 0; i < args.runs; i++) {
      c.log(`pull: altbackup --streams ${streams}, run ${i + 1}`);
      m.push(await pullOnce(streams));
      await checkPulled(dst, tarball);
    }
    medians.set(`streams ${streams}`, median(m.map((x) => x.ms)));
  }
  for (const [name, run] of tools) {
    const m: Measured[] = [];
    for (let i = 0; i < args.runs; i++) {
      c.log(`pull: ${name}, run ${i + 1}`);
      m.push(await measured(web, run));
      await rm(copy, { force: true });
    }
    medians.set(name, median(m.map((x) => x.ms)));
  }
  const t = (k: string) => medians.get(k)!;
  const row = (measure: string, ms: number, reference: string, ratio: number, note?: string): LinkRow =>
    ({ part: 'pull', measure, result: `${formatSeconds(ms)} (${mbps(args.size, ms)})`, reference, ratio, cpu: '-', ...(note ? { note } : {}) });
  rows.push(row(`altbackup pull --streams 1 of ${formatBytes(args.size)}`, t('streams 1'), `ideal 1 conn. ${formatSeconds((args.size / args.rate) * 1000 + args.rttMs)}`, t('streams 1') / ((args.size / args.rate) * 1000 + args.rttMs)));
  rows.push(row(`altbackup pull --streams 4`, t('streams 4'), `ideal 4 conn. ${formatSeconds(ideal4)}`, t('streams 4') / ideal4, `target: within 1.15 of ideal; --streams 1 / --streams 4 = ${(t('streams 1') / t('streams 4')).toFixed(2)} (target at least 3.5)`));
  rows.push(row(`altbackup pull --streams 8`, t('streams 8'), `ideal 8 conn. ${formatSeconds(ideal4 / 2)}`, t('streams 8') / (ideal4 / 2)));
  rows.push(row(`altbackup pull --streams 4 vs aria2c -x4 -s4, md5sum`, t('streams 4'), `aria2c+md5sum ${formatSeconds(t('aria2c -x4 -s4, md5sum'))}`, t('streams 4') / t('aria2c -x4 -s4, md5sum'), 'target: below 1 (faster than aria2c then md5sum)'));
  rows.push(row(`altbackup pull --streams 1 vs curl -o, md5sum`, t('streams 1'), `curl+md5sum ${formatSeconds(t('curl -o, md5sum'))}`, t('streams 1') / t('curl -o, md5sum')));

  // The resume: stopped once 60 % is held, then continued; bytes through the link against what was missing.
  const resumed: { ms: number; again: number }[] = [];
  for (let i = 0; i < args.runs; i++) {
    c.log(`pull: resume with 4 streams after a stop at 60 %, run ${i + 1}`);
    await rm(dst, { recursive: true, force: true });
    await mkdir(dst, { recursive: true });
    const child = start(TARGET_BIN, [...pullArgs(sourceUrl, dst, tarball), '--streams', '4', '--stream-min-size', '1', '--min-free', '16M', '--timezone', 'UTC']);
    const meta = join(dst, rel + '.part.meta');
    const heldNow = async () => {
      try {
        const j = JSON.parse(await readFile(meta, 'utf8')) as { held?: [number, number][] };
        return (j.held ?? []).reduce((n, [a, b]) => n + (b - a), 0);
      } catch {
        return 0;
      }
    };
    const sent0 = (await alt.stats()).bytesDown;
    for (;;) {
      if (child.exitCode !== null) throw new Error('altbackup pull ended before 60 % was held');
      // The meta is saved at each checkpoint (32 MiB); the bytes sent say when 60 % went by.
      if ((await alt.stats()).bytesDown - sent0 >= 0.6 * args.size) break;
      await sleep(20);
    }
    child.kill('SIGTERM');
    await once(child, 'exit');
    const held = await heldNow();
    const before = (await alt.stats()).bytesDown;
    const m = await measured(alt, () => targetOk('altbackup pull (resume)', [...pullArgs(sourceUrl, dst, tarball), '--streams', '4', '--stream-min-size', '1', '--min-free', '16M', '--timezone', 'UTC'], { timeoutMs: 900_000 }));
    await checkPulled(dst, tarball);
    const through = (await alt.stats()).bytesDown - before;
    resumed.push({ ms: m.ms, again: Math.max(0, through - (args.size - held)) });
  }
  const rms = median(resumed.map((r) => r.ms));
  rows.push(row('resume with 4 streams after a stop at 60 %', rms, `full pull --streams 4 ${formatSeconds(t('streams 4'))}`, rms / t('streams 4'),
    `target: at most 0.5; fetched again (bytes through the link beyond what was missing, response headers included): ${resumed.map((r) => formatBytes(r.again)).join(', ')} (target at most 1 MiB)`));
  return rows;
}

async function main(): Promise<void> {
  const args = parseLinkBenchArgs(process.argv.slice(2));
  const started = nowMs();
  const log = (line: string) => process.stderr.write(`[link bench ${formatSeconds(nowMs() - started)}] ${line}\n`);
  ensureTools(log);
  const cleanup = new Cleanup();
  cleanup.onSignals(log);
  const work = await mkdtemp(join(tmpdir(), 'altbackup-link-bench-'));
  if (!args.keep) cleanup.add('temp dir', () => rm(work, { recursive: true, force: true }));
  const host = machine();
  log(`${host.cores} cores, ${host.cpu}, Node ${host.node}, load average ${host.load.toFixed(2)}; ${args.runs} runs; link ${args.rate / 1e6} MB/s per connection, ${args.rttMs} ms RTT; in ${work}`);

  const files = join(work, 'files');
  const out = join(work, 'out');
  await mkdir(out, { recursive: true });
  const rows: LinkRow[] = [];
  const linkTo = async (port: number, o: Omit<ShapedLinkOptions, 'upstream'>): Promise<LinkProcess> => {
    const link = await startLinkProcess({ upstream: { host: '127.0.0.1', port }, ...o });
    return { ...link, stop: cleanup.add('shaped link', link.stop) };
  };
  const shape = { rateBytesPerSec: args.rate, rttMs: args.rttMs };

  try {
    const nginx = await startNginx(join(work, 'nginx'), files);
    cleanup.add('nginx', nginx.stop);

    if (args.only.includes('alone')) {
      await writeRandomFile(join(files, 'alone.bin'), args.aloneSize, 'alone');
      const bare = await linkTo(nginx.port, {});
      for (const n of [1, 4]) {
        const direct: Measured[] = [];
        const through: Measured[] = [];
        for (let i = 0; i < args.runs; i++) {
          log(`alone: ${n} curl(s) of ${formatBytes(args.aloneSize)}, run ${i + 1}`);
          // Every curl fetches the whole file, so the proxy carries n times the bytes at once.
          const all = (port: number) => Promise.all(Array.from({ length: n }, () => curls(`http://127.0.0.1:${port}/alone.bin`, args.aloneSize, 1, () => '/dev/null')));
          direct.push(await measured(null, () => all(nginx.port)));
          through.push(await measured(bare, () => all(bare.port)));
        }
        const bytes = n * args.aloneSize;
        const rate = (m: Measured[]) => bytes / 1e6 / (median(m.map((x) => x.ms)) / 1000);
        rows.push({
          part: 'alone',
          measure: `unshaped relay, ${n} curl${n > 1 ? 's' : ''} x ${formatBytes(args.aloneSize)} from nginx`,
          result: `${rate(through).toFixed(0)} MB/s`,
          reference: `direct ${rate(direct).toFixed(0)} MB/s`,
          ratio: rate(through) / rate(direct),
          cpu: `${cpuShare(through)} (${(median(through.map((x) => x.cpuMs)) / 1000 / (bytes / 1e9)).toFixed(2)} s/GB)`,
        });
      }
    }

    let md5 = '';
    if (args.only.includes('shaped') || args.only.includes('tools') || args.only.includes('pull')) {
      log(`writing ${formatBytes(args.size)} for the shaped runs`);
      md5 = await writeRandomFile(join(files, 'shaped.bin'), args.size, 'shaped');
    }

    if (args.only.includes('shaped')) {
      // The asked rate, then four times it: the proxy must keep up with more than the bench uses.
      for (const [n, factor] of [[1, 1], [4, 1], [4, 4]] as const) {
        const rate = args.rate * factor;
        const link = await linkTo(nginx.port, { ...shape, rateBytesPerSec: rate });
        const runs: (Measured & { value: Curled[] })[] = [];
        for (let i = 0; i < args.runs; i++) {
          log(`shaped: ${n} curl(s) at ${rate / 1e6} MB/s each, run ${i + 1}`);
          runs.push(await measured(link, () => curls(`http://127.0.0.1:${link.port}/shaped.bin`, args.size, n, () => '/dev/null')));
        }
        const ideal = idealMs(args.size, n, rate, args.rttMs);
        // curl's own clock, from its connect to its last byte: process start-up is no part of the link.
        const slowest = median(runs.map((r) => Math.max(...r.value.map((c) => c.totalMs))));
        const each = runs.flatMap((r) => r.value);
        // After the first byte, each connection's own rate: the bucket's accuracy without the round trips.
        const bodyRate = median(each.map((c) => (c.bytes / (c.totalMs - c.firstByteMs)) * 1000));
        rows.push({
          part: 'shaped',
          measure: `${formatBytes(args.size)} over ${n} curl${n > 1 ? 's' : ''} at ${rate / 1e6} MB/s, ${args.rttMs} ms`,
          result: formatSeconds(slowest),
          reference: `ideal ${formatSeconds(ideal)}`,
          ratio: slowest / ideal,
          cpu: cpuShare(runs),
          note: `each connection after its first byte ${(bodyRate / 1e6).toFixed(2)} MB/s (${((bodyRate / rate - 1) * 100).toFixed(2)} % off the rate); first byte after ${median(each.map((c) => c.firstByteMs)).toFixed(1)} ms (model: ${2 * args.rttMs} ms); wall time with process start-up ${formatSeconds(median(runs.map((r) => r.ms)))}`,
        });
        await link.stop();
      }
    }

    if (args.only.includes('tools')) {
      const sshd: Sshd = await startSshd(join(work, 'sshd'));
      cleanup.add('sshd', sshd.stop);
      const web = await linkTo(nginx.port, shape);
      const ssh = await linkTo(sshd.port, shape);
      const abs = join(files, 'shaped.bin');
      const copy = join(out, 'copy.bin');
      const sshOpts = (port: number) => ['-o', `Port=${port}`, ...sshd.clientOptions];
      const url = (port: number) => `http://127.0.0.1:${port}/shaped.bin`;
      const tools: { name: string; n: number; link: LinkProcess; direct: number; run: (port: number) => Promise<unknown> }[] = [
        { name: 'curl -o', n: 1, link: web, direct: nginx.port, run: (port) => curls(url(port), args.size, 1, () => copy) },
        {
          name: 'aria2c -x4 -s4', n: 4, link: web, direct: nginx.port,
          run: (port) => runOk('/usr/bin/aria2c', ['-q', '-x4', '-s4', '--file-allocation=none', '--allow-overwrite=true', '-d', out, '-o', 'copy.bin', url(port)], { timeoutMs: 600_000 }),
        },
        { name: 'scp', n: 1, link: ssh, direct: sshd.port, run: (port) => runOk('/usr/bin/scp', ['-q', ...sshOpts(port), `${sshd.login}:${abs}`, copy], { timeoutMs: 600_000 }) },
        { name: 'rsync -e ssh', n: 1, link: ssh, direct: sshd.port, run: (port) => runOk('/usr/bin/rsync', ['-a', '-e', ['ssh', ...sshOpts(port)].join(' '), `${sshd.login}:${abs}`, copy], { timeoutMs: 600_000 }) },
      ];
      for (const t of tools) {
        const ideal = idealMs(args.size, t.n, args.rate, args.rttMs);
        const copyVia = async (link: LinkProcess | null) => {
          const m = await measured(link, () => t.run(link ? link.port : t.direct));
          expectMd5(t.name, (await md5sum([copy])).md5s[0], md5);
          await rm(copy, { force: true });
          return m;
        };
        const through: Measured[] = [];
        const direct: Measured[] = [];
        const conns: number[] = [];
        for (let i = 0; i < args.runs; i++) {
          log(`tools: ${t.name}, run ${i + 1}`);
          direct.push(await copyVia(null));
          const before = (await t.link.stats()).connections;
          through.push(await copyVia(t.link));
          conns.push((await t.link.stats()).connections - before);
        }
        const wall = median(through.map((r) => r.ms));
        rows.push({
          part: 'tools',
          measure: `${t.name} of ${formatBytes(args.size)}`,
          result: `${formatSeconds(wall)} (${mbps(args.size, wall)})`,
          reference: `ideal ${formatSeconds(ideal)} (${t.n} conn.)`,
          ratio: wall / ideal,
          cpu: cpuShare(through),
          // The tool's own start-up (an ssh login, aria2c's first request before it splits) is in both figures.
          note: `${conns.join(', ')} connection(s) through the link per run; ${formatSeconds(median(direct.map((r) => r.ms)))} without the link`,
        });
      }
    }
    if (args.only.includes('pull')) rows.push(...(await pullOverLink(args, { work, files, out, nginxPort: nginx.port, md5, log, cleanup, linkTo })));
  } finally {
    await cleanup.runAll(log);
  }

  const table = linkTable(rows);
  const noteLines = rows.filter((r) => r.note).map((r) => `${r.part}: ${r.measure}: ${r.note}`);
  const doc = [
    '# shaped link bench',
    '',
    `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} by \`node bench/dist/support/shapedLink.js ${process.argv.slice(2).join(' ')}\` (median of ${args.runs} runs; took ${formatSeconds(nowMs() - started)}).`,
    '',
    `Machine: ${host.cores} cores, ${host.memory}, CPU ${host.cpu}, Node ${host.node}; load average ${host.load.toFixed(2)} at the start.`,
    '',
    '```',
    table,
    '```',
    '',
    ...noteLines.map((n) => `- ${n}`),
    '',
  ].join('\n');
  const file = join(REPO, 'bench', 'out', 'shaped-link.md');
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, doc);
  process.stdout.write(`\n${table}\n\n${noteLines.map((n) => `  ${n}`).join('\n')}\n\nwritten to ${file}\n`);
}

main().then(() => process.exit(0), (e: Error) => {
  process.stderr.write(`link bench: ${e.stack ?? e.message}\n`);
  process.exit(2);
});
