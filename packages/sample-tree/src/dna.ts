/** The `.dna` sidecar texts the site's backup job has been seen to write. */
import { formatDna } from '@altbackup/shared';

/** Which textual form the sidecar was written in (all are legal per SPEC 2). */
export type DnaForm = 'canonical' | 'L' | 'dq';

/** The `.dna` text in one of the legal forms of SPEC 2. */
export function dnaText(md5: string, size: number, form: DnaForm = 'canonical'): string {
  switch (form) {
    case 'canonical':
      return formatDna({ dig: md5, size });
    case 'L':
      return `{'dig': '${md5}', 'size': ${size}L}\n`;
    case 'dq':
      return `{"size": ${size}, "dig": "${md5}"}`;
  }
}
