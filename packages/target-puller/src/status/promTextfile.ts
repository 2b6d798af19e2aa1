/**
 * `status --prometheus FILE`: the status facts as node_exporter
 * textfile-collector metrics (Prometheus text format 0.0.4). The command
 * writes them with the shared atomic writer, so the collector never reads
 * half a file and never sees the temp name (it does not end in `.prom`).
 *
 * Names: the puller's metrics are `altbackup_*`; the source server's
 * `/metrics` uses `altbackup_source_*`, a prefix nothing here starts with.
 * Units follow Prometheus conventions (`_seconds`, `_bytes`, timestamps as
 * `_timestamp_seconds` in Unix seconds); every family is a gauge, since the
 * file is a snapshot, so none ends in `_total`. Labels are bounded: the
 * wanted name, never a tarball path.
 */
import type { MetricFamily, Sample } from '@altbackup/shared';
import { ageMs, type Health, type StatusFacts } from './healthCheck.js';

const seconds = (ms: number) => ms / 1000;

/** The status facts as metric families; per-name series carry `name="<wanted name>"`. */
export function statusMetrics(facts: StatusFacts, health: Health): MetricFamily[] {
  const perName = (pick: (n: StatusFacts['names'][number]) => number | null): Sample[] =>
    facts.names.flatMap((n) => {
      const v = pick(n);
      return v === null ? [] : [{ labels: { name: n.name }, value: v }];
    });
  const lastDay = facts.days.at(-1);
  const run = facts.lastRun;
  const families: MetricFamily[] = [
    { name: 'altbackup_healthy', type: 'gauge', help: 'Whether `altbackup status` found the mirror healthy (1) or not (0).', samples: [{ value: health.healthy ? 1 : 0 }] },
    { name: 'altbackup_unhealthy_reasons', type: 'gauge', help: 'Number of reasons `altbackup status` found the mirror unhealthy.', samples: [{ value: health.reasons.length }] },
    { name: 'altbackup_status_timestamp_seconds', type: 'gauge', help: 'When these metrics were computed (Unix time).', samples: [{ value: seconds(facts.now) }] },
    { name: 'altbackup_max_age_seconds', type: 'gauge', help: 'Configured max_age: a newest verified tarball older than this is unhealthy.', samples: [{ value: seconds(facts.maxAgeMs) }] },
    { name: 'altbackup_last_verified_timestamp_seconds', type: 'gauge', help: 'Backup time (day and HHMMSS folders in the site timezone) of the newest verified tarball per wanted name.', samples: perName((n) => (n.newest ? seconds(n.newest.backupMs) : null)) },
    { name: 'altbackup_last_verified_age_seconds', type: 'gauge', help: 'Age of the newest verified tarball per wanted name when status ran.', samples: perName((n) => (n.newest ? seconds(ageMs(facts, n.newest)) : null)) },
    { name: 'altbackup_last_verified_size_bytes', type: 'gauge', help: 'Size of the newest verified tarball per wanted name.', samples: perName((n) => n.newest?.size ?? null) },
    { name: 'altbackup_tarballs', type: 'gauge', help: 'Verified tarballs on the target per wanted name, all days.', samples: perName((n) => n.verified) },
    { name: 'altbackup_day_tarballs', type: 'gauge', help: 'Verified tarballs per wanted name for the checked day (today unless --day).', samples: perName((n) => n.dayCounts.find((d) => d.day === lastDay)?.count ?? 0) },
    { name: 'altbackup_expected_tarballs', type: 'gauge', help: 'Tarballs expected per day ([expect]) per wanted name.', samples: perName((n) => n.expected) },
    { name: 'altbackup_in_progress_tarballs', type: 'gauge', help: 'Tarballs on the target not yet verified (.part or final name without sidecar) per wanted name.', samples: perName((n) => n.inProgress.length) },
    { name: 'altbackup_pending_known', type: 'gauge', help: 'Whether the source listing was fetched, so pending counts are known (1) or not (0).', samples: [{ value: facts.source.known ? 1 : 0 }] },
    { name: 'altbackup_pending_tarballs', type: 'gauge', help: 'Tarballs on the source without sidecar yet, per wanted name, for the checked days.', samples: perName((n) => n.pending?.length ?? null) },
    { name: 'altbackup_not_pulled_tarballs', type: 'gauge', help: 'Tarballs complete on the source but not on the target, per wanted name, for the checked days.', samples: perName((n) => n.notPulled?.length ?? null) },
    { name: 'altbackup_changed_on_source_tarballs', type: 'gauge', help: 'Verified copies the source now lists with other bytes, kept until an operator runs pull --accept-changed.', samples: [{ value: facts.changes.length }] },
    { name: 'altbackup_suspicious_tarballs', type: 'gauge', help: "Series whose newest copy is much smaller than the last good one (min_size_percent).", samples: [{ value: facts.suspicious.length }] },
    { name: 'altbackup_corrupt_tarballs', type: 'gauge', help: 'Copies found corrupt at rest (their latest check, by scrub, check_target or a pull, read other bytes than the sidecar says).', samples: [{ value: facts.mismatches.length }] },
    { name: 'altbackup_restore_proven_timestamp_seconds', type: 'gauge', help: "Per wanted name, when the series most in need of a proof last proved its newest proven copy restores (0: a series never did).", samples: perName((n) => (n.series.length ? Math.min(...n.series.map((x) => (x.proven ? seconds(x.proven.at) : 0))) : null)) },
    { name: 'altbackup_restore_proof_age_seconds', type: 'gauge', help: 'Per wanted name, the age of that proof when status ran (absent while a series has none).', samples: perName((n) => (n.series.length && n.series.every((x) => x.proven) ? seconds(Math.max(...n.series.map((x) => facts.now - x.proven!.at))) : null)) },
    { name: 'altbackup_restore_failed', type: 'gauge', help: 'Per wanted name, whether the newest copy of a series failed its restore proof (1) or not (0).', samples: perName((n) => (n.series.some((x) => x.newestState === 'restore-failed') ? 1 : 0)) },
    { name: 'altbackup_restore_max_age_seconds', type: 'gauge', help: 'Configured restore_max_age: a series whose newest proof is older is unhealthy (0: off).', samples: [{ value: seconds(facts.restoreMaxAgeMs) }] },
    { name: 'altbackup_scrub_oldest_timestamp_seconds', type: 'gauge', help: 'When the copy read longest ago was last read (pull, check_target or scrub; 0: never since stored).', samples: facts.oldestScrub ? [{ value: seconds(facts.oldestScrub.at) }] : [] },
    { name: 'altbackup_scrub_interval_seconds', type: 'gauge', help: 'Configured scrub_interval: scrub reads every copy again within this.', samples: [{ value: seconds(facts.scrubIntervalMs) }] },
    { name: 'altbackup_pull_running', type: 'gauge', help: 'Whether a pull is running now (1) or not (0).', samples: [{ value: facts.running ? 1 : 0 }] },
    { name: 'altbackup_pull_running_start_timestamp_seconds', type: 'gauge', help: 'When the pull running now started (Unix time; absent while none runs).', samples: facts.running ? [{ value: seconds(facts.running.startedAt) }] : [] },
  ];
  if (run) {
    families.push(
      { name: 'altbackup_last_run_success', type: 'gauge', help: 'Whether the last finished pull run succeeded (1) or not (0).', samples: [{ value: run.result === 'ok' ? 1 : 0 }] },
      { name: 'altbackup_last_run_start_timestamp_seconds', type: 'gauge', help: 'When the last finished pull run started (Unix time).', samples: [{ value: seconds(run.startedAt) }] },
      { name: 'altbackup_last_run_end_timestamp_seconds', type: 'gauge', help: 'When the last finished pull run ended (Unix time).', samples: [{ value: seconds(run.endedAt ?? run.startedAt) }] },
      { name: 'altbackup_last_run_duration_seconds', type: 'gauge', help: 'Duration of the last finished pull run.', samples: [{ value: seconds(run.durationMs ?? 0) }] },
      { name: 'altbackup_last_run_bytes', type: 'gauge', help: 'Bytes recorded by the last finished pull run.', samples: [{ value: run.bytes }] },
      { name: 'altbackup_last_run_files', type: 'gauge', help: 'Files recorded by the last finished pull run.', samples: [{ value: run.files }] },
      { name: 'altbackup_last_run_resumed_transfers', type: 'gauge', help: 'Transfers of the last finished pull run that resumed a .part instead of starting over.', samples: [{ value: run.resumes }] },
      { name: 'altbackup_last_run_retries', type: 'gauge', help: 'Attempts beyond the first, over the transfers of the last finished pull run.', samples: [{ value: run.retries }] },
    );
  }
  return families;
}
