import { AltError, loadToken, readPemFile, reasonOf, type CommandContext } from '@altbackup/shared';
import { checkExposure, parseListen, urlOf } from '../auth.js';
import { Catalog } from '../catalog.js';
import { Metrics } from '../metrics.js';
import { buildServer } from '../server.js';
import { requireRoot } from '../sourceRoot.js';
import { StreamRegistry } from '../streams.js';

/** A full walk of the root at least this often catches changes the quick rescans skip. */
const FULL_RESCAN_EVERY_MS = 5 * 60_000;

/** The next SIGTERM or SIGINT; `cancel` removes the handlers. */
function nextSignal(): { signal: Promise<NodeJS.Signals>; cancel: () => void } {
  let on: (sig: NodeJS.Signals) => void = () => undefined;
  const cancel = () => {
    process.off('SIGTERM', on);
    process.off('SIGINT', on);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    on = (sig) => {
      cancel();
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  return { signal, cancel };
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const { config, log } = ctx;
  const s = config.source;
  const root = requireRoot(config);
  const listen = parseListen(s.listen);
  const token = s.token_file ? loadToken(s.token_file) : null;
  checkExposure(listen, token !== null, s.insecure_no_auth);
  if (Boolean(s.tls_cert) !== Boolean(s.tls_key)) throw new AltError('tls-incomplete', 'TLS needs both --tls-cert and --tls-key (source.tls_cert, source.tls_key)');
  const tls = s.tls_cert ? { cert: readPemFile(s.tls_cert, 'TLS certificate'), key: readPemFile(s.tls_key, 'TLS key') } : null;

  const started = performance.now();
  const catalog = await Catalog.open(root, { log });
  const counts = catalog.counts();
  log.info({ root: catalog.root, ...counts, scanMs: Math.round(performance.now() - started) }, 'catalog ready');

  const metrics = new Metrics();
  const streams = new StreamRegistry();
  const app = buildServer({ catalog, log, token, tls, timezone: config.timezone, metrics, streams });
  const stop = nextSignal();
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (e) {
    stop.cancel();
    await catalog.stopRefresh();
    throw new AltError('listen-failed', `cannot listen on ${s.listen}: ${reasonOf(e)}`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : listen.port;
  catalog.startRefresh(s.rescan_interval, FULL_RESCAN_EVERY_MS);
  const url = urlOf({ host: listen.host, port }, tls !== null);
  log.info({ url, auth: token !== null, tls: tls !== null }, 'listening');
  ctx.out.write(`listening on ${url}\n`);

  const sig = await stop.signal;
  log.info({ signal: sig, downloads: streams.size, graceMs: s.shutdown_grace }, 'stopping: no new requests; running downloads may finish');
  const closing = app.close();
  // A second signal cuts the downloads at once.
  const second = nextSignal();
  const impatient = second.signal.then(() => 'signal' as const);
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'grace'>((resolve) => { timer = setTimeout(() => resolve('grace'), s.shutdown_grace); });
  const outcome = await Promise.race([streams.idle().then(() => 'drained' as const), grace, impatient]);
  clearTimeout(timer);
  if (outcome !== 'drained') {
    log.warn({ downloads: streams.size, reason: outcome }, 'cutting running downloads');
    streams.abortAll('server shutting down');
  }
  app.server.closeAllConnections();
  await closing;
  await catalog.stopRefresh();
  second.cancel();
  log.info('stopped');
}
