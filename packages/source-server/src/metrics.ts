/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4). The
 * few series the server has are kept here and printed by the shared
 * formatter the puller's textfile uses too, so no client library is needed.
 */
import { renderMetrics } from '@altbackup/shared';
import type { EntryState, ScanSummary } from './catalog.js';

const PREFIX = 'altbackup_source_';

export interface CatalogFacts {
  counts(): Record<EntryState, number>;
  last: ScanSummary | null;
}

/** Counters of the running server. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  bytesSent = 0;
  activeStreams = 0;

  countRequest(route: string, status: number): void {
    const key = `${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(catalog: CatalogFacts): string {
    const requests = [...this.requests].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => {
      const [route, status] = key.split('\u0000') as [string, string];
      return { labels: { route, status }, value };
    });
    const counts = catalog.counts();
    const last = catalog.last;
    return renderMetrics([
      { name: `${PREFIX}requests_total`, help: 'HTTP requests answered, by route and status.', type: 'counter', samples: requests },
      { name: `${PREFIX}bytes_sent_total`, help: 'Tarball and sidecar bytes read from disk into responses.', type: 'counter', samples: [{ value: this.bytesSent }] },
      { name: `${PREFIX}active_streams`, help: 'File downloads in progress.', type: 'gauge', samples: [{ value: this.activeStreams }] },
      {
        name: `${PREFIX}catalog_tarballs`, help: 'Tarballs in the catalog, by state.', type: 'gauge',
        samples: (['complete', 'pending', 'invalid'] as const).map((state) => ({ labels: { state }, value: counts[state] })),
      },
      {
        name: `${PREFIX}catalog_scan_duration_seconds`, help: 'Duration of the last catalog scan.', type: 'gauge',
        samples: last ? [{ labels: { kind: last.kind }, value: last.seconds }] : [],
      },
      {
        name: `${PREFIX}catalog_scan_timestamp_seconds`, help: 'When the last catalog scan started (Unix time).', type: 'gauge',
        samples: last ? [{ value: last.at / 1000 }] : [],
      },
    ]);
  }
}
