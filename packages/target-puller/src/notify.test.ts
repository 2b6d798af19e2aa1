import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AltError, createLogger, loadConfig, type Config } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { pingUrl, runNotifyCommand, webhookShown, withNotifications } from './notify.js';

const log = createLogger({ level: 'silent' });

interface Ping {
  method: string;
  url: string;
  body: string;
}

/** A loopback healthchecks stand-in: records every ping; `/hang/...` never answers. */
async function startReceiver(): Promise<{ url: string; pings: Ping[]; server: Server }> {
  const pings: Ping[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; });
    req.on('end', () => {
      pings.push({ method: req.method!, url: req.url!, body });
      if (req.url!.startsWith('/hang')) return;
      res.end('OK');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pings, server };
}

function configWith(notify: { webhook?: string; command?: string; timeout?: string }): Config {
  const config = loadConfig({ env: {}, defaultFile: '/nonexistent' }).config;
  config.notify.webhook = notify.webhook ?? '';
  config.notify.command = notify.command ?? '';
  config.notify.timeout = notify.timeout ? Number(notify.timeout) : 10_000;
  return config;
}

describe('pingUrl and webhookShown', () => {
  it('follows the healthchecks suffix convention and keeps the query', () => {
    const hc = 'https://hc.example.org/ping/5f3c-uuid';
    assert.equal(pingUrl(hc, 'start'), 'https://hc.example.org/ping/5f3c-uuid/start');
    assert.equal(pingUrl(hc, 'success'), hc);
    assert.equal(pingUrl(hc + '/', 'fail'), 'https://hc.example.org/ping/5f3c-uuid/fail');
    assert.equal(pingUrl('https://hc.example.org/ping/k/slug?create=1', 'fail'), 'https://hc.example.org/ping/k/slug/fail?create=1');
  });

  it('never shows the secret part of the URL', () => {
    assert.equal(webhookShown('https://user:pw@hc.example.org/ping/5f3c-uuid'), 'https://hc.example.org');
    assert.equal(webhookShown('not a url'), '(unparsable webhook URL)');
  });
});

describe('withNotifications', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let dir: string;
  before(async () => {
    rx = await startReceiver();
    dir = tempDir('notify');
  });
  after(async () => {
    rx.server.closeAllConnections();
    rx.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pings start then success with the summary, and returns the result untouched', async () => {
    rx.pings.length = 0;
    const result = await withNotifications(configWith({ webhook: `${rx.url}/ok` }), log, 'pull', async (notes) => {
      notes.add('3 files, 3.9G');
      return 0;
    });
    assert.equal(result, 0);
    assert.deepEqual(rx.pings.map((p) => `${p.method} ${p.url}`), ['POST /ok/start', 'POST /ok']);
    assert.match(rx.pings[1]!.body, /^altbackup pull on .+: ok after \S+\n3 files, 3\.9G\n$/);
  });

  it('pings start then fail and runs the command with the summary on stdin when fn throws; the error passes through', async () => {
    rx.pings.length = 0;
    const out = join(dir, 'stdin.txt');
    const config = configWith({ webhook: `${rx.url}/bad`, command: `cat > '${out}'` });
    await assert.rejects(
      withNotifications(config, log, 'pull', async () => { throw new AltError('source-unreachable', 'no source answered'); }),
      { code: 'source-unreachable' },
    );
    assert.deepEqual(rx.pings.map((p) => p.url), ['/bad/start', '/bad/fail']);
    assert.match(rx.pings[1]!.body, /FAILED \(source-unreachable: no source answered\)/);
    assert.equal(await readFile(out, 'utf8'), rx.pings[1]!.body);
  });

  it('treats a non-zero exit code as a failure and still returns it', async () => {
    rx.pings.length = 0;
    const result = await withNotifications(configWith({ webhook: `${rx.url}/code` }), log, 'pull', async () => 75);
    assert.equal(result, 75);
    assert.deepEqual(rx.pings.map((p) => p.url), ['/code/start', '/code/fail']);
    assert.match(rx.pings[1]!.body, /FAILED \(exit 75\)/);
  });

  it('does not run the command on success', async () => {
    const out = join(dir, 'never.txt');
    await withNotifications(configWith({ command: `echo ran > '${out}'` }), log, 'pull', async () => undefined);
    await assert.rejects(readFile(out), { code: 'ENOENT' });
  });

  it('a receiver that never answers costs at most the timeout per ping', async () => {
    rx.pings.length = 0;
    const t0 = Date.now();
    const result = await withNotifications(configWith({ webhook: `${rx.url}/hang`, timeout: '300' }), log, 'pull', async () => 0);
    const ms = Date.now() - t0;
    assert.equal(result, 0);
    assert.deepEqual(rx.pings.map((p) => p.url), ['/hang/start', '/hang']);
    // Start ping overlaps the work; the final one waits its 300 ms at most.
    assert.ok(ms >= 300 && ms < 2000, `took ${ms} ms`);
  });

  it('an unreachable webhook is logged, not thrown', async () => {
    const result = await withNotifications(configWith({ webhook: 'http://nonexistent.invalid/ping', timeout: '2000' }), log, 'pull', async () => 0);
    assert.equal(result, 0);
  });

  it('runs fn alone when nothing is configured', async () => {
    assert.equal(await withNotifications(configWith({}), log, 'pull', async () => 0), 0);
  });
});

describe('runNotifyCommand', () => {
  it('kills a command that outlives the timeout, children included', async () => {
    const t0 = Date.now();
    const r = await runNotifyCommand({ webhook: '', command: 'sleep 30 & sleep 30', timeoutMs: 300 }, 'x', log);
    assert.equal(r.timedOut, true);
    assert.equal(r.code, null);
    assert.ok(Date.now() - t0 < 3000);
  });

  it('reports the exit code and output of a failing command that ignores stdin', async () => {
    const r = await runNotifyCommand({ webhook: '', command: 'echo nope >&2; exit 3', timeoutMs: 5000 }, 'summary '.repeat(20_000), log);
    assert.deepEqual(r, { code: 3, timedOut: false, output: 'nope\n' });
  });
});
