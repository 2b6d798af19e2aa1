import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { bashCompletion } from './bashCompletion.js';
import type { ProgramDef } from './cliRunner.js';

const def: ProgramDef = {
  name: 'demo-prog', version: '1.0.0', program: 'target', summary: 'a program for the test',
  commands: [
    { name: 'pull', summary: 'pull', run: async () => 0 },
    { name: 'purge_target', aliases: ['purge'], summary: 'purge', run: async () => 0 },
    { name: 'status', summary: 'status', run: async () => 0 },
  ],
  flags: { out: { type: 'string', value: 'FILE', help: 'where' }, all: { type: 'boolean', help: 'all' } },
};

/** COMPREPLY after bash completes the words (the last one being typed). */
function complete(words: string[]): string[] {
  const script = `${bashCompletion(def)}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _demo_prog; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('bashCompletion', () => {
  it('completes commands and their aliases', () => {
    assert.deepEqual(complete(['demo-prog', 'pu']), ['pull', 'purge', 'purge_target']);
    assert.deepEqual(complete(['demo-prog', 'pull', 'st']), ['status']);
  });

  it('completes flags, the common ones and the program\'s own and configuration flags', () => {
    const flags = complete(['demo-prog', '--']);
    for (const f of ['--out', '--all', '--config', '--help', '--version', '--log-file']) assert.ok(flags.includes(f), f);
    assert.ok(!flags.includes('--root'), 'a source-only configuration flag is not offered to the target');
  });

  it('completes a path after a flag that takes a file, nothing after one that takes another value', () => {
    assert.ok(complete(['demo-prog', '--out', 'et']).includes('etc'));
    assert.deepEqual(complete(['demo-prog', '--day', '']), []);
  });
});
