/**
 * Percentiles of raw samples (request latencies, repeated measurements) and Tukey's outlier fences.
 * One definition throughout: linear interpolation between closest ranks (Hyndman & Fan type 7, the
 * default of NumPy, R and spreadsheets' PERCENTILE.INC), so that our p99 is the number other tools print.
 */
import { requireFinite, sortedCopy } from "./finite.js";

/** The p-quantile (p in [0, 1]) of values already sorted ascending; no checks (callers check once). */
export function percentileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  // a + (b − a)·f rather than a·(1 − f) + b·f: equal neighbours give exactly that value back.
  return a + (b - a) * (h - lo);
}

/** The p-quantile of finite values (any order), p in [0, 1]: 0 is the minimum, 1 the maximum. */
export function percentile(values: readonly number[], p: number): number {
  requireFinite(values, "percentile");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile: p must be in [0, 1], got ${p}`);
  return percentileSorted(sortedCopy(values), p);
}

export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** The percentiles a latency report shows, from raw per-request samples (sorted once). */
export function latencyPercentiles(values: readonly number[]): LatencyPercentiles {
  requireFinite(values, "latencyPercentiles");
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    p50: percentileSorted(sorted, 0.5),
    p90: percentileSorted(sorted, 0.9),
    p95: percentileSorted(sorted, 0.95),
    p99: percentileSorted(sorted, 0.99),
    max: sorted[sorted.length - 1]!,
  };
}

/** Tukey's fences need a lower and an upper quartile that are not simply the extremes. */
const TUKEY_MIN_N = 4;

/**
 * Indexes (into `values`, ascending) of the values outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR]. Outliers are
 * flagged for a reader to look at, never dropped. None for fewer than 4 values: with 3 the quartiles sit
 * next to the extremes and any spread would be called an outlier.
 */
export function tukeyOutliers(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  requireFinite(values, "tukeyOutliers");
  if (values.length < TUKEY_MIN_N) return [];
  const sorted = sortedCopy(values);
  const q1 = percentileSorted(sorted, 0.25);
  const q3 = percentileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const low = q1 - 1.5 * iqr;
  const high = q3 + 1.5 * iqr;
  return values.flatMap((v, i) => (v < low || v > high ? [i] : []));
}
