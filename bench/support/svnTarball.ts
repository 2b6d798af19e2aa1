/**
 * An svn tarball for the restore measure, made as the site's hot-backup.py
 * makes them: a real FSFS repository (`svnadmin create`, a generated dump
 * loaded, `svnadmin hotcopy`) tarred under `<name>-<rev>/`. Each revision
 * adds one file of incompressible bytes, so `svnadmin verify` has real
 * content to check.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { md5OfFile } from '@altbackup/shared/testing';
import { runOk } from './exec.js';
import { keystream, layoutPath, writeSidecar, type BenchTarball } from './data.js';
import { statSync } from 'node:fs';

export interface SvnTarball extends BenchTarball {
  top: string;
  revisions: number;
}

function header(fields: [string, string | number][]): string {
  return fields.map(([k, v]) => `${k}: ${v}\n`).join('') + '\n';
}

function props(p: Record<string, string>): string {
  return Object.entries(p).map(([k, v]) => `K ${Buffer.byteLength(k)}\n${k}\nV ${Buffer.byteLength(v)}\n${v}\n`).join('') + 'PROPS-END\n';
}

/** The dump stream, revision by revision, written to `out` with backpressure. */
async function writeDump(out: NodeJS.WritableStream, revisions: number, bytes: number): Promise<void> {
  let failed: Error | null = null;
  out.once('error', (e: Error) => { failed = e; });
  const write = (chunk: string | Buffer) => new Promise<void>((resolve, reject) => {
    if (failed) return reject(failed);
    if (out.write(chunk)) resolve();
    else out.once('drain', resolve);
  });
  const next = keystream('svn-bench');
  const zeros = Buffer.alloc(bytes);
  await write(header([['SVN-fs-dump-format-version', 2]]) + header([['UUID', '0b1b2b3b-4b5b-6b7b-8b9b-0a1a2a3a4a5a']]));
  const empty = props({});
  await write(header([['Revision-number', 0], ['Prop-content-length', empty.length], ['Content-length', empty.length]]) + empty + '\n');
  for (let r = 1; r <= revisions; r++) {
    const rev = props({ 'svn:author': 'bench', 'svn:date': new Date(Date.UTC(2024, 0, 1) + r * 60_000).toISOString().replace('Z', '000Z'), 'svn:log': `revision ${r}` });
    await write(header([['Revision-number', r], ['Prop-content-length', Buffer.byteLength(rev)], ['Content-length', Buffer.byteLength(rev)]]) + rev + '\n');
    const data = next(zeros);
    await write(header([['Node-path', `f${r}.bin`], ['Node-kind', 'file'], ['Node-action', 'add'], ['Prop-content-length', empty.length], ['Text-content-length', data.length], ['Content-length', empty.length + data.length]]) + empty);
    await write(data);
    await write('\n\n');
  }
}

export async function makeSvnTarball(root: string, shape: { revisions: number; bytesPerRevision: number }, work: string, name = 'dybsvn'): Promise<SvnTarball> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const repo = join(work, 'repo');
  await runOk('svnadmin', ['create', repo]);
  const load = spawn('svnadmin', ['load', '--quiet', repo], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  load.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const done = new Promise<number | null>((resolve) => load.on('close', resolve));
  await writeDump(load.stdin, shape.revisions, shape.bytesPerRevision);
  load.stdin.end();
  if ((await done) !== 0) throw new Error(`svnadmin load failed: ${err}`);
  const top = `${name}-${shape.revisions}`;
  await runOk('svnadmin', ['hotcopy', repo, join(work, top)]);
  const rel = layoutPath('svn', name, `${top}.tar.gz`);
  const abs = join(root, rel);
  await mkdir(dirname(abs), { recursive: true });
  await runOk('/usr/bin/tar', ['-czf', abs, '-C', work, top], { timeoutMs: 1_800_000 });
  const md5 = md5OfFile(abs);
  const size = statSync(abs).size;
  await writeSidecar(abs, { dig: md5, size });
  await rm(work, { recursive: true, force: true });
  return { rel, abs, size, md5, wanted: name, top, revisions: shape.revisions };
}
