/**
 * `GET|HEAD /v1/files/<path>` and `<path>.dna` (SPEC section 4). A tarball is
 * served only when the catalog lists it as complete and it opens under the
 * rules of safePath; the validators come from a fresh fstat of the open
 * descriptor and the bytes from that same descriptor, so headers and body
 * always describe one file.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DNA_SUFFIX, MAX_SIDECAR_BYTES, parseDna, reprDigestOf, type Dna, type Logger } from '@altbackup/shared';
import type { Catalog } from './catalog.js';
import {
  contentRangeOf, decideRange, etagOf, evaluatePreconditions, httpDateOf, ifRangeAllowsRange, unsatisfiedRangeOf,
  type RangeDecision,
} from './httpConditions.js';
import type { Metrics } from './metrics.js';
import { openInsideRoot, parseFilesUrl, readSmallInsideRoot } from './safePath.js';
import { RangeSender } from './sendRange.js';
import type { StreamRegistry } from './streams.js';

const TEXT = 'text/plain; charset=utf-8';

export interface FilesDeps {
  catalog: Catalog;
  metrics: Metrics;
  streams: StreamRegistry;
  log: Logger;
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).type(TEXT).send('not found\n');
}

export function filesHandler(deps: FilesDeps) {
  return async function files(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const parsed = parseFilesUrl(req.raw.url ?? '');
    if (!parsed.ok) return reply.code(400).type(TEXT).send(`bad path: ${parsed.reason}\n`);
    const { ref } = parsed;
    // Known to the catalog (so on the layout and scanned); whether it is
    // complete is decided below from the sidecar and the file as they are
    // now, since the catalog may be a rescan behind a file just replaced.
    if (!deps.catalog.get(ref.path)) return notFound(reply);
    const side = await readSmallInsideRoot(deps.catalog.root, ref.path + DNA_SUFFIX, MAX_SIDECAR_BYTES);
    if (!side) return notFound(reply);
    if (parsed.dna) {
      deps.metrics.bytesSent += req.method === 'HEAD' ? 0 : Buffer.byteLength(side.text);
      return reply
        .header('etag', etagOf(side.stat))
        .header('last-modified', httpDateOf(side.stat.mtimeMs))
        .header('cache-control', 'no-cache')
        .type(TEXT)
        .send(side.text);
    }
    let dna: Dna;
    try {
      dna = parseDna(side.text, ref.path + DNA_SUFFIX);
    } catch (e) {
      deps.log.warn({ path: ref.path }, `sidecar rejected, tarball not served: ${(e as Error).message}`);
      return notFound(reply);
    }
    const reprDigest = reprDigestOf(dna);
    const file = await openInsideRoot(deps.catalog.root, ref.path);
    if (!file) return notFound(reply);
    try {
      const size = file.stat.size;
      if (size !== dna.size) {
        deps.log.warn({ path: ref.path, size, sidecar: dna.size }, `tarball not served: it is ${size} bytes but its sidecar says ${dna.size}`);
        return notFound(reply);
      }
      const v = { etag: etagOf(file.stat), mtimeMs: file.stat.mtimeMs };
      reply
        .header('accept-ranges', 'bytes')
        .header('etag', v.etag)
        .header('last-modified', httpDateOf(v.mtimeMs))
        .header('repr-digest', reprDigest)
        .header('cache-control', 'no-cache');
      const pre = evaluatePreconditions(req.headers, v);
      if (pre === 'not-modified') return reply.code(304).send();
      if (pre === 'precondition-failed') return reply.code(412).type(TEXT).send('precondition failed\n');
      const range: RangeDecision = ifRangeAllowsRange(req.headers['if-range'], v) ? decideRange(req.headers.range, size) : { kind: 'full' };
      if (range.kind === 'unsatisfiable') {
        return reply.code(416).header('content-range', unsatisfiedRangeOf(size)).type(TEXT).send('range not satisfiable\n');
      }
      const start = range.kind === 'partial' ? range.start : 0;
      const end = range.kind === 'partial' ? range.end : size - 1;
      if (range.kind === 'partial') reply.code(206).header('content-range', contentRangeOf(range, size));
      const length = Math.max(0, end - start + 1);
      reply.header('content-length', length).type('application/gzip');
      if (req.method === 'HEAD' || length === 0) return reply.send();
      // The body bypasses Fastify's stream piping (see sendRange.ts); headers
      // set on the reply go out as they are, and onResponse hooks still run.
      reply.hijack();
      const sender = new RangeSender(reply.raw);
      deps.metrics.activeStreams++;
      deps.streams.track(sender, reply.raw, (done) => {
        deps.metrics.activeStreams--;
        deps.metrics.bytesSent += done.bytes;
        deps.log.info({ path: ref.path, status: reply.statusCode, start, bytes: done.bytes, complete: done.complete, ms: Math.round(done.ms), client: req.ip }, done.complete ? 'download sent' : 'download cut short');
      });
      reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
      try {
        await sender.send(file.handle, start, end);
      } catch (e) {
        // Headers are out: the only honest signal left is a cut connection.
        if (!reply.raw.destroyed) {
          deps.log.warn({ path: ref.path, start, sent: sender.bytes, err: (e as Error).message }, 'download failed while sending');
          reply.raw.destroy();
        }
      }
      return reply;
    } finally {
      await file.handle.close();
    }
  };
}
