/**
 * Small helpers shared by the source-server tests: a sample root, raw HTTP
 * requests whose path is sent exactly as given (no client-side
 * normalisation, so hostile paths reach the server), external tools.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

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
