/**
 * Waits until a running source server lists tarballs as complete. The
 * catalog notices new files on its next rescan; a pull started before that
 * would rightly find nothing to do, so tests (and the demo) wait for the
 * listing instead of sleeping.
 */
import { waitFor } from '@altbackup/shared/testing';

/** The complete tarballs the server lists for the days of `paths`, asked directly. */
export async function listedComplete(serverUrl: string, paths: readonly string[], token: string | null = null): Promise<Set<string>> {
  const days = [...new Set(paths.map((p) => p.split('/').slice(2, 5).join('/')))];
  const listed = new Set<string>();
  for (const day of days) {
    const res = await fetch(`${serverUrl}/v1/tarballs?day=${encodeURIComponent(day)}&format=json`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!res.ok) throw new Error(`listing ${day} on ${serverUrl}: HTTP ${res.status}`);
    for (const t of ((await res.json()) as { tarballs: { path: string }[] }).tarballs) listed.add(t.path);
  }
  return listed;
}

export async function waitListed(serverUrl: string, paths: () => readonly string[], opts: { token?: string | null; timeoutMs?: number } = {}): Promise<void> {
  let missing: string[] = [];
  await waitFor(() => `the source server to list ${missing.join(', ')}`, async () => {
    const want = paths();
    const listed = await listedComplete(serverUrl, want, opts.token ?? null);
    missing = want.filter((p) => !listed.has(p));
    return missing.length === 0;
  }, opts.timeoutMs);
}
