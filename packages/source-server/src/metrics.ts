/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4). The
 * few series the server has are kept here and printed by a small formatter,
 * so no client library is needed.
 */
import type { EntryState, ScanSummary } from './catalog.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const PREFIX = 'altbackup_source_';

export type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Sample[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatFamilies(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const l = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      out.push(`${f.name}${l} ${formatValue(s.value)}`);
    }
  }
  return out.join('\n') + '\n';
}

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
    return formatFamilies([
      { name: `${PREFIX}requests_total`, help: 'HTTP requests answered, by route and status.', type: 'counter', samples: requests },
      { name: `${PREFIX}bytes_sent_total`, help: 'Tarball and sidecar bytes read from disk into responses.', type: 'counter', samples: [{ value: this.bytesSent }] },
      { name: `${PREFIX}active_streams`, help: 'File downloads in progress.', type: 'gauge', samples: [{ value: this.activeStreams }] },
      {
        name: `${PREFIX}catalog_tarballs`, help: 'Tarballs in the catalog, by state.', type: 'gauge',
        samples: (['complete', 'pending', 'invalid'] as const).map((state) => ({ labels: { state }, value: counts[state] })),
      },
      {
        name: `${PREFIX}catalog_scan_seconds`, help: 'Duration of the last catalog scan.', type: 'gauge',
        samples: last ? [{ labels: { kind: last.kind }, value: last.seconds }] : [],
      },
      {
        name: `${PREFIX}catalog_scan_timestamp_seconds`, help: 'When the last catalog scan started (Unix time).', type: 'gauge',
        samples: last ? [{ value: last.at / 1000 }] : [],
      },
    ]);
  }
}
