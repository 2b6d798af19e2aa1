import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dumpStream, planHistory } from './svnDump.js';

const AT = Date.UTC(2024, 2, 8, 10, 47, 1) / 1000;
const RUNS = [{ rev: 30, at: AT }, { rev: 34, at: AT + 86_400 }, { rev: 35, at: AT + 2 * 86_400 }];

describe('planHistory', () => {
  const h = planHistory('dybsvn', '1', RUNS);

  test('numbers revisions 0 to the last run, dates only grow and each run is younger than its revisions', () => {
    assert.deepEqual(h.map((r) => r.rev), Array.from({ length: 36 }, (_, i) => i));
    for (let i = 1; i < h.length; i++) assert.ok(h[i]!.date > h[i - 1]!.date, `r${i}`);
    for (const [i, run] of RUNS.entries()) {
      assert.ok(h[run.rev]!.date < run.at, `run ${i}`);
      if (i > 0) assert.ok(h[RUNS[i - 1]!.rev + 1]!.date > RUNS[i - 1]!.at, `run ${i} commits follow the previous run`);
    }
  });

  test('r1 lays out trunk, branches and tags; later revisions add or change one file', () => {
    assert.deepEqual(h[1]!.nodes.filter((n) => n.kind === 'dir').map((n) => n.path), ['trunk', 'branches', 'tags']);
    const seen = new Set<string>();
    for (const r of h.slice(2)) {
      assert.equal(r.nodes.length, 1);
      const n = r.nodes[0]!;
      assert.ok(n.kind === 'file' && n.action === (seen.has(n.path) ? 'change' : 'add'), `r${r.rev} ${n.path}`);
      seen.add(n.path);
    }
  });

  test('depends on the seed, and refuses runs that go backwards', () => {
    assert.deepEqual(planHistory('dybsvn', '1', RUNS), h);
    assert.notDeepEqual(planHistory('dybsvn', '2', RUNS), h);
    assert.throws(() => planHistory('dybsvn', '1', [RUNS[1]!, RUNS[0]!]), RangeError);
    assert.throws(() => planHistory('dybsvn', '1', [{ rev: 0, at: AT }]), RangeError);
  });
});

test('dumpStream carries the UUID only from r0, and byte lengths that match the text', () => {
  const h = planHistory('dybaux', '1', RUNS);
  const full = dumpStream(h, '0b5e1c7a-1111-2222-3333-444455556666');
  assert.match(full, /^SVN-fs-dump-format-version: 2\n\nUUID: 0b5e1c7a-1111-2222-3333-444455556666\n\nRevision-number: 0\n/);
  assert.match(full, /svn:date\nV 27\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z\n/);
  assert.doesNotMatch(dumpStream(h.slice(31), 'x'), /UUID/);
  for (const m of full.matchAll(/Text-content-length: (\d+)\nContent-length: \d+\n\n/g)) {
    const start = m.index! + m[0].length;
    assert.equal(Buffer.from(full.slice(start)).subarray(0, Number(m[1])).toString().endsWith('\n'), true);
  }
});
