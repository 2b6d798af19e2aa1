/**
 * Real FSFS repositories, made the way the site's svn tarballs come to be:
 * `svnadmin create`, commits (here `svnadmin load` of a generated dump), and
 * `hot-backup.py --archive-type=gz`, which is `svnadmin hotcopy` into
 * `<repo>-<rev>/` and a gzipped tar of that folder.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seedFrom, uuidFrom } from './prng.js';
import { dumpStream, planHistory, type SvnRevision, type SvnRun } from './svnDump.js';
import { folderMembers, writeTarGz } from './tarGz.js';
import type { WrittenFile } from './placeTarball.js';

/**
 * Each FSFS commit is some forty file operations (lock, transaction folder,
 * proto-revision, renames); on a disk with journaling that is ~10 ms a
 * revision, in memory under 1 ms. The work repositories are scratch, so
 * they live in /dev/shm where there is one.
 */
function scratchParent(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** Run a Subversion tool, feeding `input` on stdin; reject with the last line of its stderr. */
function runTool(tool: string, args: readonly string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new Error(`${tool} not found: sample svn tarballs are real repositories; install Subversion (apt-get install subversion)`) : err);
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool} ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
    // A tool that dies early closes its stdin; the close handler reports why.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

export interface HotCopyOptions {
  /** The top folder in the tarball, `<repo>-<rev>`. */
  top: string;
  mtime: Date;
  gzipLevel: number;
  /** Changes the hot copy before it is tarred (the broken samples use it). */
  damage?: (copy: string) => Promise<void>;
}

/**
 * The sample repository `name` of a seed in a scratch folder, planned for
 * the backup runs it will serve and loaded range by range as they come.
 */
export class SvnWorkRepo {
  private loaded = -1;
  private readonly repo: string;
  private readonly uuid: string;

  private constructor(
    private readonly scratch: string,
    private readonly seed: string,
    name: string,
    private readonly history: readonly SvnRevision[],
  ) {
    this.repo = path.join(scratch, name);
    this.uuid = uuidFrom(seedFrom(seed, 'uuid', name));
  }

  static async create(name: string, seed: string, runs: readonly SvnRun[]): Promise<SvnWorkRepo> {
    const history = planHistory(name, seed, runs);
    const w = new SvnWorkRepo(await mkdtemp(path.join(scratchParent(), 'altbackup-sample-svn-')), seed, name, history);
    try {
      await runTool('svnadmin', ['create', w.repo]);
    } catch (err) {
      await w.remove();
      throw err;
    }
    return w;
  }

  /** Commit the planned revisions up to `rev`. */
  async loadTo(rev: number): Promise<void> {
    if (rev <= this.loaded) return;
    const slice = this.history.filter((r) => r.rev > this.loaded && r.rev <= rev);
    await runTool('svnadmin', ['load', '--quiet', '--no-flush-to-disk', this.repo], dumpStream(slice, this.uuid));
    this.loaded = rev;
  }

  /** Hot-copy the repository as it is now and write the gzipped tar of the copy to `file`. */
  async writeTarball(file: string, o: HotCopyOptions): Promise<WrittenFile> {
    const copy = path.join(this.scratch, o.top);
    await runTool('svnadmin', ['hotcopy', '--quiet', this.repo, copy]);
    try {
      // db/uuid is "<repository uuid>\n<instance id>\n" since FSFS format 7;
      // hotcopy draws a random instance ID, fixed here so the bytes repeat.
      const uuidFile = path.join(copy, 'db', 'uuid');
      const [repoUuid] = (await readFile(uuidFile, 'utf8')).split('\n');
      await writeFile(uuidFile, `${repoUuid}\n${uuidFrom(seedFrom(this.seed, 'instance', o.top))}\n`);
      await o.damage?.(copy);
      return await writeTarGz(file, folderMembers(copy, o.top, o.mtime), { level: o.gzipLevel });
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }

  async remove(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }
}
