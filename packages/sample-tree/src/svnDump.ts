/**
 * The commit history of a sample Subversion repository, and the dump stream
 * (`svnadmin dump` format 2) that `svnadmin load` turns into it. Pure: the
 * same repository name, seed and backup runs give the same text, dates and
 * UUID included, which is what makes the loaded repository reproducible.
 */
import { SVN_USERS } from './folders.js';
import { intIn, mulberry32, pick, randomBytesFrom, seedFrom } from './prng.js';

export type SvnNode =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; action: 'add' | 'change'; text: string };

export interface SvnRevision {
  rev: number;
  /** Unix seconds: the revision's `svn:date`. */
  date: number;
  /** Empty for r0, which has only a date. */
  author: string;
  log: string;
  nodes: SvnNode[];
}

/** A backup run: the youngest revision it copied and when it started (Unix seconds). */
export interface SvnRun {
  rev: number;
  at: number;
}

const HOUR = 3600;
/** The history before the first run: one commit every 6 hours or so. */
const HISTORY_SPACING = 6 * HOUR;
const FILES = 8;

/**
 * Revisions 0 to the last run's: r1 makes the standard layout, every later
 * revision adds or edits one file of trunk. The commits up to the first run
 * spread over the weeks before it; those between two runs over the time
 * between them, so every run's youngest revision is older than the run.
 */
export function planHistory(repo: string, seed: string, runs: readonly SvnRun[]): SvnRevision[] {
  if (runs.length === 0 || runs[0]!.rev < 1) throw new RangeError('a history needs a run at revision 1 or later');
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.rev <= runs[i - 1]!.rev || runs[i]!.at <= runs[i - 1]!.at) throw new RangeError('runs must move forward in revision and time');
  }
  const rng = mulberry32(seedFrom(seed, 'svnhistory', repo));
  const dates: number[] = [];
  const first = runs[0]!;
  for (let r = 1; r <= first.rev; r++) dates[r] = first.at - (first.rev - r + 1) * HISTORY_SPACING + intIn(rng, 0, HISTORY_SPACING / 2);
  for (let i = 1; i < runs.length; i++) {
    const prev = runs[i - 1]!;
    const run = runs[i]!;
    const gap = Math.floor((run.at - prev.at) / (run.rev - prev.rev + 1));
    for (let r = prev.rev + 1; r <= run.rev; r++) dates[r] = prev.at + (r - prev.rev) * gap + intIn(rng, 0, Math.floor(gap / 2));
  }

  const out: SvnRevision[] = [{ rev: 0, date: dates[1]! - 24 * HOUR, author: '', log: '', nodes: [] }];
  out.push({
    rev: 1, date: dates[1]!, author: 'admin', log: `${repo}: standard layout`,
    nodes: [
      { kind: 'dir', path: 'trunk' }, { kind: 'dir', path: 'branches' }, { kind: 'dir', path: 'tags' },
      { kind: 'file', path: 'trunk/README.txt', action: 'add', text: `${repo}: Daya Bay ${repo === 'dybsvn' ? 'offline software' : 'auxiliary files'}\n` },
    ],
  });
  const present = new Set<string>();
  for (let r = 2; r <= runs[runs.length - 1]!.rev; r++) {
    const path = `trunk/file${intIn(rng, 1, FILES)}.txt`;
    const author = pick(rng, SVN_USERS);
    const action = present.has(path) ? 'change' : 'add';
    present.add(path);
    const text = `${path} at r${r} by ${author}\n${randomBytesFrom(seedFrom(seed, 'svntext', repo, r), 45).toString('base64')}\n`;
    out.push({ rev: r, date: dates[r]!, author, log: `${action === 'add' ? 'add' : 'update'} ${path}`, nodes: [{ kind: 'file', path, action, text }] });
  }
  return out;
}

/** `svn:date` as Subversion writes it: microseconds, UTC. */
function svnDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

function propsBlock(props: ReadonlyArray<readonly [string, string]>): string {
  return props.map(([k, v]) => `K ${Buffer.byteLength(k)}\n${k}\nV ${Buffer.byteLength(v)}\n${v}\n`).join('') + 'PROPS-END\n';
}

function nodeRecord(n: SvnNode): string {
  if (n.kind === 'dir') return `Node-path: ${n.path}\nNode-kind: dir\nNode-action: add\nProp-content-length: 10\nContent-length: 10\n\nPROPS-END\n\n\n`;
  const len = Buffer.byteLength(n.text);
  return `Node-path: ${n.path}\nNode-kind: file\nNode-action: ${n.action}\nText-content-length: ${len}\nContent-length: ${len}\n\n${n.text}\n\n`;
}

/**
 * The dump stream of `revs`. A stream that starts at r0 carries the UUID,
 * which `svnadmin load` gives an empty repository; a later slice loads on
 * top of the revisions before it.
 */
export function dumpStream(revs: readonly SvnRevision[], uuid: string): string {
  const parts = ['SVN-fs-dump-format-version: 2\n\n'];
  if (revs[0]?.rev === 0) parts.push(`UUID: ${uuid}\n\n`);
  for (const r of revs) {
    const props = propsBlock(r.rev === 0
      ? [['svn:date', svnDate(r.date)]]
      : [['svn:log', r.log], ['svn:author', r.author], ['svn:date', svnDate(r.date)]]);
    const len = Buffer.byteLength(props);
    parts.push(`Revision-number: ${r.rev}\nProp-content-length: ${len}\nContent-length: ${len}\n\n${props}\n`, ...r.nodes.map(nodeRecord));
  }
  return parts.join('');
}
