/**
 * Speedups between cases: the ratio of their aggregates (the study's rule) oriented so that > 1 means the
 * candidate is better, a bootstrap interval over complete repetitions where both cases have two or more,
 * and, for published tables, the same ratio of the aggregates the table printed.
 */
import { InputError } from "../errors.js";
import { metricRoles, type MetricRole } from "../scenario/schema.js";
import { BETTER_BY_ROLE, speedup, speedupInterval } from "../stats/index.js";
import type { ReportCase, SpeedupRow } from "./model.js";

/**
 * Which pairs to compare. `candidate`: that case against each case of `against` (default: every other),
 * the study's way ("MIG is 1.48x ..."). `baseline`: each case of `candidates` (default: every other)
 * against it. `roles`: the metrics to compare (default: those both cases have).
 */
export type SpeedupRequest =
  | { readonly candidate: string; readonly against?: readonly string[]; readonly roles?: readonly MetricRole[] }
  | { readonly baseline: string; readonly candidates?: readonly string[]; readonly roles?: readonly MetricRole[] };

/** Aggregates a published table printed, by case id and role. */
export type PrintedAggregates = ReadonlyMap<string, Partial<Record<MetricRole, number>>>;

export interface SpeedupResult {
  readonly rows: SpeedupRow[];
  /** Comparisons that could not be made, and why. */
  readonly notes: string[];
}

function pairsOf(request: SpeedupRequest, ids: readonly string[]): [candidate: string, baseline: string][] {
  if ("candidate" in request) return (request.against ?? ids.filter((id) => id !== request.candidate)).map((b) => [request.candidate, b]);
  return (request.candidates ?? ids.filter((id) => id !== request.baseline)).map((c) => [c, request.baseline]);
}

export function computeSpeedups(cases: readonly ReportCase[], requests: readonly SpeedupRequest[], printed: PrintedAggregates): SpeedupResult {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const rows: SpeedupRow[] = [];
  const notes: string[] = [];
  const done = new Set<string>();
  for (const request of requests) {
    for (const [candidateId, baselineId] of pairsOf(request, [...byId.keys()])) {
      const candidate = byId.get(candidateId);
      const baseline = byId.get(baselineId);
      if (!candidate || !baseline) throw new InputError(`speedup of ${candidateId} against ${baselineId}: no such case; cases: ${[...byId.keys()].join(", ")}`);
      if (candidateId === baselineId) continue;
      for (const role of request.roles ?? metricRoles) {
        const key = `${candidateId}\u0000${baselineId}\u0000${role}`;
        if (done.has(key)) continue;
        done.add(key);
        const result = speedupRow(candidate, baseline, role, printed);
        if (typeof result === "string") {
          if (result !== "") notes.push(result);
        } else rows.push(result);
      }
    }
  }
  return { rows, notes };
}

/** The row, or why there is none ("" when neither case has the metric: nothing to say). */
function speedupRow(candidate: ReportCase, baseline: ReportCase, role: MetricRole, printed: PrintedAggregates): SpeedupRow | string {
  const c = candidate.table.rows.find((r) => r.role === role);
  const b = baseline.table.rows.find((r) => r.role === role);
  const pair = `${role} of ${candidate.id} against ${baseline.id}`;
  if (!c?.aggregate && !b?.aggregate) return "";
  if (!c?.aggregate || !b?.aggregate) return `No speedup for ${pair}: ${c?.aggregate ? baseline.id : candidate.id} has no ${role} aggregate.`;
  if (c.unit !== b.unit) return `No speedup for ${pair}: the units differ (${c.unit}, ${b.unit}).`;
  if (!(c.aggregate.mean > 0 && b.aggregate.mean > 0)) return `No speedup for ${pair}: an aggregate is not positive.`;
  const better = BETTER_BY_ROLE[role];
  const interval = speedupInterval(baseline.aggregatesByRepetition[role] ?? [], candidate.aggregatesByRepetition[role] ?? [], better);
  const pc = printed.get(candidate.id)?.[role];
  const pb = printed.get(baseline.id)?.[role];
  const published = pc !== undefined && pb !== undefined && pc > 0 && pb > 0 ? { published: speedup(pb, pc, role, better), publishedAggregates: { baseline: pb, candidate: pc } } : {};
  return {
    candidate: candidate.id,
    baseline: baseline.id,
    role,
    value: speedup(b.aggregate.mean, c.aggregate.mean, role, better),
    ...(interval ? { interval } : {}),
    ...published,
    aggregates: { baseline: b.aggregate.mean, candidate: c.aggregate.mean },
    better,
  };
}
