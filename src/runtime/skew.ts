/**
 * The start skew of a group: how far apart its instances began. The study's comparison is only fair when
 * seven copies run side by side for (nearly) all of their time, so the spread is measured and recorded.
 */
import type { InstanceOutcome } from "./types.js";

export interface GroupSkew {
  /** Latest start minus earliest start, in ms; null when fewer than one instance started. */
  startSkewMs: number | null;
  /** The same for the first line each printed; the moment the workload itself was surely running. */
  firstOutputSkewMs: number | null;
}

function spread(times: readonly (string | null)[]): number | null {
  const ms = times.filter((t): t is string => t !== null).map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  if (ms.length === 0) return null;
  return Math.max(...ms) - Math.min(...ms);
}

export function groupSkew(outcomes: readonly Pick<InstanceOutcome, "startedAt" | "firstOutputAt">[]): GroupSkew {
  return { startSkewMs: spread(outcomes.map((o) => o.startedAt)), firstOutputSkewMs: spread(outcomes.map((o) => o.firstOutputAt)) };
}
