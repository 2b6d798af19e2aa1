/**
 * Notifications seen from outside: a process that wraps its work in
 * withNotifications, against a loopback healthchecks stand-in. It checks
 * the pings' order and bodies for a good and a failing run, and that a
 * receiver that never answers does not keep the process alive past
 * notify.timeout (no lingering socket, no unbounded wait).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@altbackup/shared/testing';
import { REPO, runNode } from './support/processes.js';

interface Ping {
  url: string;
  body: string;
  at: number;
}

let server: Server;
let base: string;
let dir: string;
let script: string;
const pings: Ping[] = [];

// The wrapped "run": exit code from argv, the way a command's run() returns it.
const SCRIPT = (notifyUrl: string, sharedUrl: string) => `
import { loadConfig, createLogger } from ${JSON.stringify(sharedUrl)};
import { withNotifications } from ${JSON.stringify(notifyUrl)};
const { config } = loadConfig();
const log = createLogger({ level: 'warn', pretty: false });
const code = await withNotifications(config, log, 'pull', async (notes) => {
  notes.add('files: 3');
  if (process.argv[2] === 'throw') throw new Error('boom');
  return Number(process.argv[2]);
}).catch((e) => { console.error('run failed: ' + e.message); return 1; });
process.exitCode = code;
`;

async function run(arg: string, notify: Record<string, string>): Promise<{ code: number | null; ms: number; stderr: string }> {
  const cfg = join(dir, `notify-${arg}.toml`);
  await writeFile(cfg, ['[notify]', ...Object.entries(notify).map(([k, v]) => `${k} = ${JSON.stringify(v)}`), ''].join('\n'));
  const r = await runNode(script, [arg], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 30_000 });
  return { code: r.code, ms: r.ms, stderr: r.stderr };
}

describe('withNotifications in a real process', () => {
  before(async () => {
    dir = tempDir('notify-proc');
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => { body += d; });
      req.on('end', () => {
        pings.push({ url: req.url!, body, at: Date.now() });
        if (!req.url!.startsWith('/hang')) res.end('OK');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    script = join(dir, 'wrapped.mjs');
    const dist = (p: string) => pathToFileURL(resolve(REPO, p)).href;
    await writeFile(script, SCRIPT(dist('packages/target-puller/dist/notify.js'), dist('packages/shared/dist/index.js')));
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a good run pings /start then the check URL', async () => {
    pings.length = 0;
    const r = await run('0', { webhook: `${base}/ping/good`, timeout: '5s' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pings.map((p) => p.url), ['/ping/good/start', '/ping/good']);
    assert.match(pings[1]!.body, /^altbackup pull on .+: ok after .+\nfiles: 3\n$/);
  });

  it('a failing run pings /start then /fail, runs the command, and keeps its own exit code', async () => {
    pings.length = 0;
    const mailed = join(dir, 'mailed.txt');
    const r = await run('3', { webhook: `${base}/ping/bad`, command: `cat > '${mailed}'`, timeout: '5s' });
    assert.equal(r.code, 3);
    assert.deepEqual(pings.map((p) => p.url), ['/ping/bad/start', '/ping/bad/fail']);
    assert.match(pings[1]!.body, /FAILED \(exit 3\)/);
    assert.equal(await readFile(mailed, 'utf8'), pings[1]!.body);
  });

  it('an exception is reported to /fail and still reaches the caller', async () => {
    pings.length = 0;
    const r = await run('throw', { webhook: `${base}/ping/ex`, timeout: '5s' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /run failed: boom/);
    assert.deepEqual(pings.map((p) => p.url), ['/ping/ex/start', '/ping/ex/fail']);
    assert.match(pings[1]!.body, /FAILED \(internal: boom/);
  });

  it('a receiver that never answers does not hold the run beyond notify.timeout', async () => {
    pings.length = 0;
    const hung = await run('0', { webhook: `${base}/hang/x`, timeout: '300ms' });
    const quiet = await run('0', { timeout: '300ms' });
    assert.equal(hung.code, 0);
    assert.deepEqual(pings.map((p) => p.url), ['/hang/x/start', '/hang/x']);
    assert.match(hung.stderr, /no answer within 300ms/);
    // Compared with the same process without a webhook: at most the final
    // ping's 300 ms plus slack, never the receiver's forever.
    assert.ok(hung.ms - quiet.ms < 2500, `hung ${hung.ms} ms vs quiet ${quiet.ms} ms`);
  });
});
