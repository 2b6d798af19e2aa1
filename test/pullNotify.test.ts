/**
 * `pull` tells a healthchecks-style receiver when it starts and how it ended,
 * and a receiver that never answers costs the run no more than notify.timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runTarget } from './support/processes.js';
import { pullArgs, startRig, tarballPath, writeSourceTarball, type Rig } from './support/pullFixtures.js';

describe('pull notifications', () => {
  let rig: Rig;
  let receiver: Server;
  let hook: string;
  const pings: { url: string; body: string }[] = [];

  before(async () => {
    rig = await startRig();
    writeSourceTarball(rig.src, tarballPath('dybsvn', 'dybsvn-20550.tar.gz'), 64 * 1024);
    await rig.settle();
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => { body += d; });
      req.on('end', () => {
        pings.push({ url: req.url!, body });
        if (!req.url!.startsWith('/hang')) res.end('OK');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  after(async () => {
    receiver.closeAllConnections();
    receiver.close();
    await rig.close();
  });

  it('a good pull pings /start, then the check URL with the summary', async () => {
    pings.length = 0;
    const r = await runTarget(pullArgs(rig), { env: { ALTBACKUP_NOTIFY_WEBHOOK: `${hook}/ok-check`, ALTBACKUP_NOTIFY_TIMEOUT: '5s' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pings.map((p) => p.url), ['/ok-check/start', '/ok-check']);
    assert.match(pings[1]!.body, /pull: .*1 fetched/);
  });

  it('a failing pull pings /start, then /fail with the reason', async () => {
    pings.length = 0;
    const r = await runTarget(pullArgs({ dst: rig.dst, url: 'http://127.0.0.1:9/' }, ['--retries', '0', '--deadline', '5s']), {
      env: { ALTBACKUP_NOTIFY_WEBHOOK: `${hook}/bad-check`, ALTBACKUP_NOTIFY_TIMEOUT: '5s' },
    });
    assert.equal(r.code, 1);
    assert.deepEqual(pings.map((p) => p.url), ['/bad-check/start', '/bad-check/fail']);
    assert.match(pings[1]!.body, /FAILED/);
  });

  it('a receiver that never answers does not hold the run past notify.timeout', async () => {
    pings.length = 0;
    const r = await runTarget(pullArgs(rig), { env: { ALTBACKUP_NOTIFY_WEBHOOK: `${hook}/hang`, ALTBACKUP_NOTIFY_TIMEOUT: '300ms' }, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pings.map((p) => p.url), ['/hang/start', '/hang']);
    // Two waits of at most 300 ms each, on top of a pull that moves nothing:
    // a run stuck on the receiver would be killed at 30 s instead.
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  });

  it('a dry run notifies nobody', async () => {
    pings.length = 0;
    const r = await runTarget(pullArgs(rig, ['--dry-run']), { env: { ALTBACKUP_NOTIFY_WEBHOOK: `${hook}/dry` } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(pings, []);
  });
});
