/**
 * The scratch space of one run that unpacks archives (`check_restore`): a
 * folder `<scratch>/<pid>-<random>` of its own, removed when the run ends,
 * however it ends (the command turns SIGINT and SIGTERM into a stop, and the
 * run's `finally` removes it). A run killed with `kill -9` cannot clean up,
 * so every run first removes the folders of runs whose process is gone.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface Scratch {
  /** This run's own folder. */
  dir: string;
  /** Folders of dead runs that this one removed. */
  swept: string[];
  /** A new empty folder below `dir` for one tarball. */
  folder(name: string): Promise<string>;
  remove(): Promise<void>;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const OWN = /^(\d+)-[0-9a-f]{12}$/;

/** Opens this run's scratch below `root`, sweeping what dead runs left. */
export async function openScratch(root: string): Promise<Scratch> {
  await mkdir(root, { recursive: true });
  const swept: string[] = [];
  for (const name of await readdir(root)) {
    const m = OWN.exec(name);
    if (m && !alive(Number(m[1]))) {
      await rm(join(root, name), { recursive: true, force: true });
      swept.push(join(root, name));
    }
  }
  const dir = join(root, `${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir);
  let n = 0;
  return {
    dir,
    swept,
    async folder(name) {
      const f = join(dir, `${n++}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      await mkdir(f);
      return f;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
