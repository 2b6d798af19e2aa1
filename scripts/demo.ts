/**
 * The whole job end to end on loopback, as an operator would run it:
 * a generated source tree, `altbackup-source serve`, then `altbackup pull`,
 * the backup job finishing a late tarball, a second pull, `check_target`,
 * `ls`, `purge_target`, `extract_tracdb`, `examine_tracdb`, `purge_extracted`,
 * `status` and `report`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDna } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { makeSampleTree } from '@altbackup/sample-tree';
import { runTarget, startSource, type CliResult } from '#test/support/processes.js';
import { sampleTargetToml } from '#test/support/sampleConfig.js';
import { waitListed } from '#test/support/waitListed.js';

const { values } = parseArgs({ options: { days: { type: 'string', default: '5' }, keep: { type: 'string', default: '3' }, dir: { type: 'string' } } });
const days = Number(values.days);

function banner(text: string): void {
  console.log(`\n=== ${text}`);
}

function show(r: CliResult): void {
  if (r.stdout.trim()) console.log(r.stdout.trimEnd());
  if (r.stderr.trim()) console.log(r.stderr.trimEnd().split('\n').map((l) => `  [stderr] ${l}`).join('\n'));
  console.log(`  -> exit ${r.code}`);
}

const dir = values.dir ?? tempDir('demo');
const sourceRoot = join(dir, 'source');
const targetRoot = join(dir, 'target');
const configFile = join(dir, 'altbackup.toml');

banner(`sample source tree of ${days} days in ${sourceRoot}`);
const manifest = await makeSampleTree({ root: sourceRoot, days, bulk: 4 << 20, seed: 'demo' });
for (const t of manifest.tarballs) console.log(`${String(t.size).padStart(10)}  ${t.pending ? 'PENDING' : 'ready  '}  ${t.path}`);

const server = await startSource(['--root', sourceRoot, '--log-level', 'warn']);
const failures: string[] = [];
try {
  banner(`altbackup-source serving ${sourceRoot} at ${server.url}`);
  await writeFile(configFile, sampleTargetToml(targetRoot, ['http://nonexistent.invalid:7878', server.url], [`keep = ${Number(values.keep)}`]));
  const env = { ALTBACKUP_CONFIG: configFile };
  const step = async (title: string, args: string[], expectCode = 0): Promise<CliResult> => {
    banner(`${title}: altbackup ${args.join(' ')}`);
    const r = await runTarget(args, { env, timeoutMs: 300_000 });
    show(r);
    if (r.code !== expectCode) failures.push(`${args[0]} exited ${r.code}, expected ${expectCode}`);
    return r;
  };
  const since = ['--since', String(days)];

  await step('pull every day (the first source name does not resolve: the puller falls back)', ['pull', ...since]);
  const pending = manifest.tarballs.find((t) => t.pending);
  await step('check_target while the newest Trac tarball is still pending on the source (pending is not a failure)', ['check_target']);
  if (pending) {
    banner(`the backup job finishes: it writes the sidecar of ${pending.path}`);
    await writeFile(join(sourceRoot, pending.path + '.dna'), formatDna({ dig: pending.md5, size: pending.size }));
    await waitListed(server.url, () => [pending.path]);
    await step('pull again: only the newly completed tarball moves', ['pull', ...since]);
  }
  await step('check_target: every digest recomputed and compared with its sidecar', ['check_target', '--all']);
  await step('ls: the mirror and its verification state', ['ls']);
  await step(`purge_target: keep the newest ${values.keep} verified per folder`, ['purge_target']);
  await step('extract_tracdb: the Trac database out of today\'s tarball', ['extract_tracdb', '--wanted', 'dybsvn']);
  await step('examine_tracdb: the last build of each Bitten slave', ['examine_tracdb', '--wanted', 'dybsvn']);
  await step('purge_extracted: keep the newest extracted databases', ['purge_extracted']);
  await step('check_restore: every kept copy restores (svnadmin verify at its revision, trac.db integrity_check)', ['check_restore', '--all']);
  await step('scrub: re-read the copies read longest ago, within the nightly budget', ['scrub']);
  await step('restore: the newest proven svn copy, into an empty folder', ['restore', 'svn/dybsvn', '--to', join(dir, 'restored-dybsvn')]);
  await step('status: is the off-site copy good?', ['status']);
  await step('report: plots from the ledger', ['report', '--out', join(dir, 'report.html')]);
} finally {
  await server.stop();
}
banner(failures.length === 0 ? `demo finished: everything behaved as expected (files left in ${dir})` : `demo finished with surprises:\n- ${failures.join('\n- ')}`);
process.exitCode = failures.length === 0 ? 0 : 1;
