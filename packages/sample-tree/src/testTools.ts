/**
 * What this package's tests share: scratch folders removed when the test
 * file ends, and the real tools (tar, svnadmin, svnlook, sqlite3) run as
 * child processes, answering exit code and output instead of throwing.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '@altbackup/shared/testing';

const execFileP = promisify(execFile);

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

export async function tmp(): Promise<string> {
  const d = tempDir('sample-tree-test');
  dirs.push(d);
  return d;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tool(cmd: string, args: readonly string[], cwd?: string): Promise<ToolResult> {
  return execFileP(cmd, [...args], { cwd, maxBuffer: 1 << 26 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

export async function tarList(file: string): Promise<string[]> {
  const { stdout } = await execFileP('tar', ['-tzf', file]);
  return stdout.split('\n').filter(Boolean);
}

export async function tarCat(file: string, member: string): Promise<Buffer> {
  const { stdout } = await execFileP('tar', ['-xzOf', file, member], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return stdout;
}
