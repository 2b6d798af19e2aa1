/**
 * Small helpers shared by the source-server tests: a sample root, raw HTTP
 * requests whose path is sent exactly as given (no client-side
 * normalisation, so hostile paths reach the server), external tools, polling.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `altbackup-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A two-day sample tree ending today (UTC); the newest Trac tarball is pending. */
export async function sampleRoot(root: string, bulk = 64 * 1024): Promise<SampleManifest> {
  return makeSampleTree({ root, days: 2, bulk });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  ca?: Buffer;
}

/** One request with `path` sent verbatim, on a fresh connection. */
export function rawRequest(base: string, path: string, opts: RawOptions = {}): Promise<RawResponse> {
  const u = new URL(base);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, ca: opts.ca,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${path} within 15 s`)));
    req.end();
  });
}

export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export async function md5File(path: string): Promise<string> {
  return md5(await readFile(path));
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an external tool (curl, wget, aria2c) with a hard timeout. */
export function tool(cmd: string, args: readonly string[], cwd?: string): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls `probe` until it returns a value or `deadlineMs` passes (then throws `what`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
