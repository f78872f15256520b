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
  /** Start barrier only (absent without one): when it released the group; null when it never did (cancelled). */
  barrierReleasedAt?: string | null;
  /** Start barrier only: the participants not ready at the release (released by the timeout, or ended before). */
  notReady?: string[];
  /**
   * Start barrier only: the spread of the first output at or after the release, over the participants that
   * were ready at it: how far apart their measured work began.
   */
  releasedOutputSkewMs?: number | null;
}

function spread(times: readonly (string | null)[]): number | null {
  const ms = times.filter((t): t is string => t !== null).map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  if (ms.length === 0) return null;
  return Math.max(...ms) - Math.min(...ms);
}

type SkewFacts = Pick<InstanceOutcome, "instanceId" | "startedAt" | "firstOutputAt" | "barrier">;

export function groupSkew(outcomes: readonly SkewFacts[]): GroupSkew {
  const skew: GroupSkew = { startSkewMs: spread(outcomes.map((o) => o.startedAt)), firstOutputSkewMs: spread(outcomes.map((o) => o.firstOutputAt)) };
  const participants = outcomes.filter((o) => o.barrier !== undefined);
  if (participants.length === 0) return skew;
  const releasedAt = participants.find((o) => o.barrier?.releasedAt)?.barrier?.releasedAt ?? null;
  const readyInTime = (o: SkewFacts) => releasedAt !== null && o.barrier?.readyAt != null && Date.parse(o.barrier.readyAt) <= Date.parse(releasedAt);
  skew.barrierReleasedAt = releasedAt;
  skew.notReady = participants.filter((o) => !readyInTime(o)).map((o) => o.instanceId);
  skew.releasedOutputSkewMs = spread(participants.filter(readyInTime).map((o) => o.barrier?.firstOutputAt ?? null));
  return skew;
}
