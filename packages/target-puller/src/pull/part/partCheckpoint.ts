/**
 * A saved MD5 state bound to the `.part` it was taken on. The state itself
 * says nothing of which bytes it covers; the file's identity (device and
 * inode) does: a file renamed over the `.part`, or a new one created under
 * its name, has another inode, so a checkpoint never applies to bytes it did
 * not see. (Emptying the file in place keeps the inode: PartFile withdraws
 * the checkpoint first.)
 */
import { isCheckpoint, type Md5Checkpoint } from './resumableMd5.js';

export interface PartCheckpoint extends Md5Checkpoint {
  /** `<dev>:<ino>` of the `.part` the state was saved for. */
  file: string;
}

/** The identity a checkpoint is bound to, from a `stat({ bigint: true })` (inodes may exceed 2^53). */
export function fileIdOf(st: { dev: bigint; ino: bigint }): string {
  return `${st.dev}:${st.ino}`;
}

/** Whether a value read back from `.part.meta` is a checkpoint PartFile wrote. */
export function isPartCheckpoint(v: unknown): v is PartCheckpoint {
  return isCheckpoint(v) && typeof (v as PartCheckpoint).file === 'string' && /^\d+:\d+$/.test((v as PartCheckpoint).file);
}
