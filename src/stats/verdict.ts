/**
 * An A/B verdict on one metric: is the candidate faster, slower, the same, or can the samples not tell?
 *
 * Two questions are asked. Is there a difference at all (Mann–Whitney U on the raw samples, p < alpha)?
 * Is it large enough to matter (the relative change of the median against a practical threshold)?
 *
 * - identical samples: SAME.
 * - samples so small that the rank test cannot reach p < alpha whatever the data: UNCERTAIN.
 * - significant and |change| ≥ threshold: FASTER or SLOWER, in the metric's direction of better.
 * - significant and |change| < threshold: SAME (real, but below what matters).
 * - not significant: SAME when the bootstrap interval of the relative median change lies within
 *   ±threshold (the data rule out a difference that matters), else UNCERTAIN (noise could hide one).
 *
 * Absence of evidence is never read as SAME on its own: a noisy pair of runs comes out UNCERTAIN.
 */
import { median } from "simple-statistics";
import { twoSampleBootstrapInterval, type BootstrapOptions } from "./bootstrap.js";
import { requireFinite, requireOpenUnit, sortedCopy } from "./finite.js";
import { mannWhitneyU, smallestPValue } from "./mann-whitney.js";

export const VERDICTS = ["SAME", "FASTER", "SLOWER", "UNCERTAIN"] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface CompareOptions extends Pick<BootstrapOptions, "resamples" | "seed"> {
  /** Which direction is an improvement: throughput higher, time and latency lower. */
  readonly better: "higher" | "lower";
  /** Smallest relative change of the median that matters (default 0.05, 5%). */
  readonly threshold?: number;
  /** Significance level of the rank test (default 0.05); the change interval is at 1 − alpha. */
  readonly alpha?: number;
}

export interface SampleComparison {
  readonly verdict: Verdict;
  /**
   * Relative change of the median, (candidate − base) / |base|, in the metric's own direction: +0.2 is
   * 20% more time for a time and 20% more throughput for a throughput. The verdict says which is better.
   * Null when the base median is 0 (no relative change exists).
   */
  readonly change: number | null;
  /** Two-sided p of the Mann–Whitney U test. */
  readonly pValue: number;
  /** Whether `pValue` is exact (small samples without ties) or the normal approximation. */
  readonly exactTest: boolean;
  readonly baseMedian: number;
  readonly candidateMedian: number;
  readonly baseN: number;
  readonly candidateN: number;
  /** Bootstrap interval (1 − alpha) of `change`; absent with fewer than 2 values a side or a base value of 0. */
  readonly changeInterval?: readonly [number, number];
  /** One sentence: why this verdict. */
  readonly reason: string;
}

const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signedPercent = (x: number): string => `${x >= 0 ? "+" : ""}${percent(x)}`;

const relativeMedianChange = (base: readonly number[], candidate: readonly number[]): number => {
  const b = median([...base]);
  return (median([...candidate]) - b) / Math.abs(b);
};

/** Compares a candidate's raw samples of one metric with a baseline's; see the module comment for the rules. */
export function compareSamples(base: readonly number[], candidate: readonly number[], options: CompareOptions): SampleComparison {
  requireFinite(base, "compareSamples (base)");
  requireFinite(candidate, "compareSamples (candidate)");
  const { better, threshold = 0.05, alpha = 0.05 } = options;
  if (!(threshold >= 0 && Number.isFinite(threshold))) throw new RangeError(`compareSamples: threshold must be a non-negative number, got ${threshold}`);
  requireOpenUnit(alpha, "alpha", "compareSamples");

  const baseMedian = median([...base]);
  const candidateMedian = median([...candidate]);
  const change = baseMedian === 0 ? null : (candidateMedian - baseMedian) / Math.abs(baseMedian);
  const test = mannWhitneyU(candidate, base);
  const facts = { change, pValue: test.pValue, exactTest: test.exact, baseMedian, candidateMedian, baseN: base.length, candidateN: candidate.length };
  const intervalPossible = base.length >= 2 && candidate.length >= 2 && base.every((v) => v !== 0);
  const changeInterval = intervalPossible
    ? twoSampleBootstrapInterval(base, candidate, relativeMedianChange, { confidence: 1 - alpha, resamples: options.resamples, seed: options.seed })
    : undefined;
  const withInterval = changeInterval ? { ...facts, changeInterval } : facts;
  const result = (verdict: Verdict, reason: string): SampleComparison => ({ verdict, ...withInterval, reason });

  const sortedBase = sortedCopy(base);
  const sortedCandidate = sortedCopy(candidate);
  if (sortedBase.length === sortedCandidate.length && sortedBase.every((v, i) => v === sortedCandidate[i])) return result("SAME", "the samples are identical");

  const floor = smallestPValue(candidate.length, base.length);
  if (floor >= alpha)
    return result(
      "UNCERTAIN",
      `too few samples (${base.length} and ${candidate.length}): the rank test cannot reach p < ${alpha} at these sizes (its smallest p is ${floor.toPrecision(2)})`,
    );
  if (change === null) return result("UNCERTAIN", "the base median is 0: there is no relative change to weigh against the threshold");

  const significant = test.pValue < alpha;
  const magnitude = `median ${signedPercent(change)}`;
  if (significant && Math.abs(change) >= threshold) {
    const improved = better === "higher" ? change > 0 : change < 0;
    return result(improved ? "FASTER" : "SLOWER", `${magnitude}, significant (p ${test.pValue.toPrecision(2)} < ${alpha}) and beyond the ${percent(threshold)} threshold`);
  }
  if (significant) return result("SAME", `${magnitude}: significant (p ${test.pValue.toPrecision(2)}) but within the ${percent(threshold)} threshold`);
  if (changeInterval && changeInterval[0] >= -threshold && changeInterval[1] <= threshold)
    return result("SAME", `not significant (p ${test.pValue.toPrecision(2)}) and the change's interval [${signedPercent(changeInterval[0])}, ${signedPercent(changeInterval[1])}] lies within ±${percent(threshold)}`);
  const spread = changeInterval ? `; the change's interval [${signedPercent(changeInterval[0])}, ${signedPercent(changeInterval[1])}] reaches beyond ±${percent(threshold)}` : "";
  return result("UNCERTAIN", `${magnitude}, not significant (p ${test.pValue.toPrecision(2)} ≥ ${alpha})${spread}: more repetitions are needed to tell`);
}
