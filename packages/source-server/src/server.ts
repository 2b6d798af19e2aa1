/**
 * The source server's HTTP API (SPEC section 4) as a Fastify instance:
 * routes, the token check, method policy and request metrics. Listening,
 * signals and the catalog's refresh belong to the `serve` command, so that
 * tests can drive this with `inject`.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@altbackup/shared';
import { bearerMatches } from './auth.js';
import type { Catalog } from './catalog.js';
import { filesHandler } from './files.js';
import { QueryError, listingJson, listingText, parseListingQuery, selectEntries } from './listing.js';
import { PROMETHEUS_CONTENT_TYPE } from '@altbackup/shared';
import { Metrics } from './metrics.js';
import { StreamRegistry } from './streams.js';

export interface ServerOptions {
  catalog: Catalog;
  log: Logger;
  /** Bearer token clients must send; null: no authentication. */
  token: string | null;
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Calendar of `day=` and `since=`. */
  timezone: string;
  metrics?: Metrics;
  streams?: StreamRegistry;
  /** Clock for "today", for tests. */
  now?: () => Date;
}

const TEXT = 'text/plain; charset=utf-8';
const OPEN_PATHS = new Set(['/healthz']);

/** Bounded label set for metrics: the route template, never the raw path. */
function routeLabel(req: FastifyRequest): string {
  switch (req.routeOptions.url) {
    case '/v1/tarballs': return 'tarballs';
    case '/v1/files/*': return 'files';
    case '/healthz': return 'healthz';
    case '/metrics': return 'metrics';
    default: return 'other';
  }
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  const metrics = opts.metrics ?? new Metrics();
  const streams = opts.streams ?? new StreamRegistry();
  const { catalog, log } = opts;
  const app = Fastify({
    loggerInstance: log,
    // One line per download is logged by the file route instead.
    logController: new LogController({ disableRequestLogging: true }),
    // A request must arrive whole within this; responses are not limited.
    requestTimeout: 60_000,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  }) as unknown as FastifyInstance;

  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply.code(405).header('allow', 'GET, HEAD').type(TEXT).send('method not allowed: this server is read-only\n');
    }
    if (opts.token !== null && !OPEN_PATHS.has(pathOf(req.raw.url ?? '')) && !bearerMatches(req.headers.authorization, opts.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="altbackup"').type(TEXT).send('unauthorized: send Authorization: Bearer <token>\n');
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.countRequest(routeLabel(req), reply.statusCode);
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).type(TEXT).send('not found\n'));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ err, route: routeLabel(req) }, 'request failed');
    return reply.code(status).type(TEXT).send(status === 500 ? 'internal error\n' : `${err.message}\n`);
  });

  app.get('/healthz', async (_req, reply) => {
    const last = catalog.last;
    return reply.header('cache-control', 'no-store').send({
      status: 'ok',
      catalogAgeSeconds: last ? Math.round((Date.now() - last.at) / 1000) : null,
    });
  });

  app.get('/metrics', async (_req, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.render(catalog)));

  app.get('/v1/tarballs', async (req: FastifyRequest, reply: FastifyReply) => {
    const acceptsJson = /\bapplication\/json\b/i.test(req.headers.accept ?? '');
    let q;
    try {
      q = parseListingQuery(req.query as Record<string, string | string[] | undefined>, {
        timezone: opts.timezone, now: opts.now?.(), knownCatfolds: catalog.catfolds(), acceptsJson,
      });
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      return acceptsJson ? reply.code(400).send({ error: e.message }) : reply.code(400).type(TEXT).send(`bad query: ${e.message}\n`);
    }
    const selection = selectEntries((d) => catalog.day(d), q);
    reply.header('cache-control', 'no-store');
    return q.format === 'json' ? reply.send(listingJson(q.days, selection)) : reply.type(TEXT).send(listingText(q.days, selection));
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/files/*',
    exposeHeadRoute: false,
    handler: filesHandler({ catalog, metrics, streams, log }),
  });

  return app;
}
