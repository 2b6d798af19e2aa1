/**
 * `npm run bench`: measures altbackup against curl, md5sum, tar, nginx, scp
 * and rsync on this machine, in one run, and prints a table of ratios. A full
 * run of every measure rewrites bench/RESULTS.md; `--quick` (small sizes) and
 * `--only` runs write bench/out/last-run.md instead.
 *
 *   npm run bench -- [--quick] [--only 1,3] [--runs N] [--keep]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tempDir } from '@altbackup/shared/testing';
import { REPO } from '#test/support/processes.js';
import { Cleanup } from './support/cleanup.js';
import { FULL, QUICK, makeContext, type Scenario } from './support/context.js';
import { run } from './support/exec.js';
import { machine, notes, resultsMarkdown, textTable, formatSeconds, type Row } from './support/report.js';
import { Unavailable } from './support/altbackup.js';
import { ensureTools } from './tools.js';
import { pullScenario } from './scenarios/pull.js';
import { resumeScenario } from './scenarios/resume.js';
import { checkTargetScenario } from './scenarios/checkTarget.js';
import { extractScenario } from './scenarios/extract.js';
import { listingScenario } from './scenarios/listing.js';
import { serveScenario } from './scenarios/serve.js';
import { rssScenario } from './scenarios/rss.js';
import { restoreScenario } from './scenarios/restore.js';

const SCENARIOS: readonly Scenario[] = [pullScenario, resumeScenario, checkTargetScenario, extractScenario, listingScenario, serveScenario, rssScenario, restoreScenario];

export interface BenchArgs {
  quick: boolean;
  only: number[];
  runs: number;
  keep: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const only = values.only ? values.only.split(/[ ,]+/).filter(Boolean).map(Number) : [];
  const bad = only.filter((n) => !SCENARIOS.some((s) => s.id === n));
  if (bad.length) throw new Error(`--only: no measure ${bad.join(', ')} (measures are ${SCENARIOS.map((s) => s.id).join(', ')})`);
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got ${values.runs}`);
  return { quick: values.quick, only, runs, keep: values.keep };
}

async function toolVersions(): Promise<string[]> {
  const first = async (cmd: string, args: string[], pick = (s: string) => s.split('\n')[0]!.trim()) => {
    const r = await run(cmd, args).catch(() => null);
    return r ? pick(r.stdout + r.stderr).replace(/\s+/g, ' ') : `${cmd}: missing`;
  };
  return Promise.all([
    first('/usr/bin/curl', ['--version'], (s) => s.split(' ').slice(0, 2).join(' ')),
    first('/usr/sbin/nginx', ['-v'], (s) => s.replace(/^nginx version:\s*/, '').trim()),
    first('/usr/bin/ssh', ['-V'], (s) => s.split(',')[0]!.trim()),
    first('/usr/bin/rsync', ['--version'], (s) => s.split('\n')[0]!.replace(/\s+protocol.*$/, '').trim()),
    first('/usr/bin/md5sum', ['--version']),
    first('/usr/bin/tar', ['--version']),
  ]);
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`[bench ${formatSeconds(performance.now() - started)}] ${line}\n`);
  const started = performance.now();
  const host = machine();
  ensureTools(log);
  const cleanup = new Cleanup();
  cleanup.onSignals(log);
  const work = tempDir('bench');
  if (!args.keep) cleanup.add('temp dir', () => rm(work, { recursive: true, force: true }));
  const ctx = makeContext({ quick: args.quick, runs: args.runs, sizes: args.quick ? QUICK : FULL, work, cleanup, log });
  const selected = SCENARIOS.filter((s) => args.only.length === 0 || args.only.includes(s.id));
  log(`${host.cores} cores, ${host.memory}, ${host.cpu}, Node ${host.node}, load average ${host.load.toFixed(2)}`);
  log(`${args.quick ? 'quick' : 'full'} run of measures ${selected.map((s) => s.id).join(',')}, ${args.runs} runs each, in ${work}`);

  const rows: Row[] = [];
  try {
    for (const s of selected) {
      log(`measure ${s.id}: ${s.title}`);
      const t0 = performance.now();
      try {
        rows.push(...(await s.run(ctx)));
      } catch (e) {
        // A broken comparison tool or harness bug: report it in the table and go on.
        const why = e instanceof Unavailable ? e.message : (e as Error).stack ?? String(e);
        log(`measure ${s.id} failed: ${why}`);
        rows.push({ id: s.id, measure: s.title, altbackup: 'error', comparison: 'error', ratio: null, target: '-', met: null, note: why.split('\n')[0]! });
      }
      log(`measure ${s.id} done in ${formatSeconds(performance.now() - t0)}`);
    }
  } finally {
    await cleanup.runAll(log);
  }

  const wallMs = performance.now() - started;
  const full = !args.quick && args.only.length === 0;
  const doc = resultsMarkdown({
    date: new Date(),
    machine: host,
    mode: full ? 'full run' : `${args.quick ? 'quick' : 'partial'} run${args.only.length ? ` of measures ${args.only.join(',')}` : ''}`,
    runs: args.runs,
    wallMs,
    tools: await toolVersions(),
    rows,
    remarks: [
      'Page cache cannot be dropped here: every file is warm in memory for altbackup and the comparison tools alike, so transfers measure CPU and loopback, not disk.',
      'Ratios are altbackup / comparison (for throughput, altbackup / nginx). The machine may have been busy with other work: rerun before drawing conclusions from one figure.',
    ],
  });
  const out = full ? join(REPO, 'bench', 'RESULTS.md') : join(REPO, 'bench', 'out', 'last-run.md');
  await mkdir(join(out, '..'), { recursive: true });
  await writeFile(out, doc);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  for (const n of notes(rows)) process.stdout.write(`  ${n}\n`);
  process.stdout.write(`\nwritten to ${out}; bench took ${formatSeconds(wallMs)}\n`);
  return rows.some((r) => r.altbackup === 'error') ? 1 : 0;
}

main().then((code) => process.exit(code), (e: Error) => {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exit(2);
});
