/**
 * The JSON of `GET /v1/tarballs` (SPEC section 4, API version 1), written by
 * the source server and read by the puller: one definition for both ends.
 */
import type { Dna } from './dnaCodec.js';
import type { TarballRef } from './layout.js';

/** A tarball's layout fields (path, catfold, subfold, day, time, name) and what the server knows of it. */
export interface ListedTarball extends TarballRef {
  size: number;
  /** ISO 8601, UTC. */
  mtime: string;
  /** null for pending (no sidecar yet) and invalid (unreadable sidecar). */
  dna: Dna | null;
  /** Strong ETag of the file as served. */
  etag: string;
  /** Why the sidecar was rejected (invalid entries only). */
  problem?: string;
}

export interface ListingBody {
  days: string[];
  /** Complete tarballs: sidecar present and valid; these can be fetched. */
  tarballs: ListedTarball[];
  /** Tarballs without sidecar yet (the backup job is still at work). */
  pending: ListedTarball[];
  /** Tarballs whose sidecar cannot be read: never served. */
  invalid: ListedTarball[];
}
