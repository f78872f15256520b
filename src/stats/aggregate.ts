/**
 * The study's aggregation of a case's per-instance values into one figure, and speedups between cases.
 * Instances that ran at the same time share the wall clock: their times are averaged (the case took
 * about that long) and their throughputs add up. Instances run one after another add their times and
 * each had the GPU alone, so their throughputs are averaged. Latency is a per-request figure: averaged.
 */
import { max, mean, sum } from "simple-statistics";
import type { MetricRole } from "../scenario/schema.js";

export type Schedule = "parallel" | "serial";
export type AggregateKind = "Avg" | "Total";

export interface AggregationRule {
  readonly kind: AggregateKind;
  /** Also report the slowest instance: the wall time of the case when everything started together. */
  readonly makespan: boolean;
}

/** The rule by schedule and role (seed-study.md, "Aggregation rule the study used"). */
export const AGGREGATION_RULES: Readonly<Record<Schedule, Readonly<Record<MetricRole, AggregationRule>>>> = {
  parallel: {
    time: { kind: "Avg", makespan: true },
    throughput: { kind: "Total", makespan: false },
    latency: { kind: "Avg", makespan: false },
  },
  serial: {
    time: { kind: "Total", makespan: false },
    throughput: { kind: "Avg", makespan: false },
    latency: { kind: "Avg", makespan: false },
  },
};

const REDUCE: Readonly<Record<AggregateKind, (values: number[]) => number>> = { Avg: mean, Total: sum };

/** Which direction is an improvement, by role. A scenario's metric may override it (`better:`). */
export const BETTER_BY_ROLE: Readonly<Record<MetricRole, "higher" | "lower">> = {
  time: "lower",
  throughput: "higher",
  latency: "lower",
};

export interface CaseAggregate {
  readonly kind: AggregateKind;
  readonly value: number;
  /** The largest time (parallel schedule, time role only). */
  readonly makespan?: number;
}

/** One figure for a case from its per-instance values (one value per instance, same repetition). */
export function aggregateCase(values: readonly number[], role: MetricRole, schedule: Schedule): CaseAggregate {
  if (values.length === 0) throw new RangeError(`aggregateCase: no ${role} values`);
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`aggregateCase: not a finite number: ${bad}`);
  const rule = AGGREGATION_RULES[schedule][role];
  const xs = [...values];
  const value = REDUCE[rule.kind](xs);
  return rule.makespan ? { kind: rule.kind, value, makespan: max(xs) } : { kind: rule.kind, value };
}

/**
 * How many times better `candidate` is than `base`: > 1 means the candidate is better (more throughput,
 * less time or latency), < 1 worse. For a "1.73x the latency" figure, take the reciprocal.
 */
export function speedup(base: number, candidate: number, role: MetricRole, better: "higher" | "lower" = BETTER_BY_ROLE[role]): number {
  if (!(base > 0) || !(candidate > 0) || !Number.isFinite(base) || !Number.isFinite(candidate))
    throw new RangeError(`speedup needs positive finite values, got base ${base} and candidate ${candidate}`);
  return better === "higher" ? candidate / base : base / candidate;
}
