/** Builds table rows from per-run figures, or from the reason a figure is missing. */
import { Unavailable } from './altbackup.js';
import { median, pairedRatio } from './stats.js';
import type { Row } from './report.js';

/** Per-run altbackup figures, or why there are none. */
export type AltRuns = number[] | Unavailable;

export interface CompareSpec {
  id: number;
  measure: string;
  alt: AltRuns;
  /** Per-run figures of the comparison, run i paired with altbackup's run i. */
  comp: number[];
  /** Name of the comparison, shown before its figure. */
  compName?: string;
  format: (v: number) => string;
  target: string;
  /** Whether the paired ratio meets the target. */
  ok: (ratio: number) => boolean;
  note?: string;
}

export function compareRow(s: CompareSpec): Row {
  const comp = s.comp.length ? s.format(median(s.comp)) : 'not measured';
  const compText = s.compName ? `${s.compName} ${comp}` : comp;
  if (s.alt instanceof Unavailable) {
    return { id: s.id, measure: s.measure, altbackup: s.alt.kind, comparison: compText, ratio: null, target: s.target, met: null, why: s.alt.message, ...(s.note ? { note: s.note } : {}) };
  }
  const ratio = pairedRatio(s.alt, s.comp);
  return {
    id: s.id,
    measure: s.measure,
    altbackup: s.format(median(s.alt)),
    comparison: compText,
    ratio: Number.isFinite(ratio) ? ratio : null,
    target: s.target,
    met: Number.isFinite(ratio) ? s.ok(ratio) : null,
    ...(s.note ? { note: s.note } : {}),
  };
}

export interface AbsoluteSpec {
  id: number;
  measure: string;
  alt: AltRuns;
  comparison?: string;
  format: (v: number) => string;
  /** Text for the altbackup cell when it shows more than the judged figure. */
  display?: string;
  target: string;
  ok: (value: number) => boolean;
  note?: string;
}

/** A figure judged on its own (latency, bytes, RSS): the median against a bound. */
export function absoluteRow(s: AbsoluteSpec): Row {
  const base = { id: s.id, measure: s.measure, comparison: s.comparison ?? '-', ratio: null, target: s.target };
  if (s.alt instanceof Unavailable) return { ...base, altbackup: s.alt.kind, met: null, why: s.alt.message, ...(s.note ? { note: s.note } : {}) };
  if (s.alt.length === 0) return { ...base, altbackup: 'not measured', met: null, ...(s.note ? { note: s.note } : {}) };
  const v = median(s.alt);
  return { ...base, altbackup: s.display ?? s.format(v), met: s.ok(v), ...(s.note ? { note: s.note } : {}) };
}

/** A scenario's altbackup runs so far: `why` holds the Unavailable that stopped them. */
export interface Attempts {
  why: Unavailable | null;
}

export function attempts(): Attempts {
  return { why: null };
}

/** Runs an altbackup step; an Unavailable stops further altbackup runs of the scenario, anything else is a bench bug. */
export async function attempt<T>(state: Attempts, step: () => Promise<T>): Promise<T | null> {
  if (state.why) return null;
  try {
    return await step();
  } catch (e) {
    if (e instanceof Unavailable) {
      state.why = e;
      return null;
    }
    throw e;
  }
}
