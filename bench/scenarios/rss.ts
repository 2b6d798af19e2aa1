/** Measure 7: peak RSS of the puller (GNU time) and of the server (VmHWM) seen during measures 1 and 6. */
import type { BenchContext, Scenario } from '../support/context.js';
import { formatMB, type Row } from '../support/report.js';
import { absoluteRow } from '../support/rows.js';

const LIMIT = 150e6;

export const rssScenario: Scenario = {
  id: 7,
  title: 'peak RSS of puller and server',
  async run(ctx: BenchContext): Promise<Row[]> {
    const missing = 'not measured: runs with measures 1 (puller, server) and 6 (server) when altbackup is available';
    const puller = ctx.rss.puller;
    const server = ctx.rss.server;
    const serverMax = server.length ? Math.max(...server.map((s) => s.bytes)) : NaN;
    return [
      absoluteRow({
        id: 7, measure: 'peak RSS of altbackup pull (max over runs)', alt: puller.length ? [Math.max(...puller)] : [],
        format: formatMB, target: '< 150 MB', ok: (v) => v < LIMIT, note: puller.length ? '/usr/bin/time -v, measure 1' : missing,
      }),
      absoluteRow({
        id: 7, measure: 'peak RSS of altbackup-source serve', alt: server.length ? [serverMax] : [],
        format: formatMB, target: '< 150 MB', ok: (v) => v < LIMIT,
        note: server.length ? `VmHWM at the end of ${server.map((s) => `${s.during} ${formatMB(s.bytes)}`).join(', ')}` : missing,
      }),
    ];
  },
};
