/**
 * A distribution-free confidence interval for the median from order statistics. Whatever the
 * distribution, each value falls below the true median with probability 1/2, so the number below it is
 * Binomial(n, 1/2) and [x(j), x(n+1−j)] (1-based ranks of the sorted values) covers the median with
 * probability 1 − 2·P(B ≤ j − 1). No normality is assumed, which suits skewed benchmark timings.
 */
import { requireFinite, requireOpenUnit, sortedCopy } from "./finite.js";

/** Coverage computed in floating point may miss the level by rounding only; don't let that drop a rank. */
const EPSILON = 1e-12;

/**
 * The narrowest symmetric order-statistic interval [lo, hi] whose coverage is at least `confidence`.
 *
 * Undefined when n is too small to reach that confidence at all: even the widest interval, [min, max],
 * covers the median with probability 1 − 2·(1/2)^n only, which is 0.9375 for n = 5, so a 95% interval
 * needs n ≥ 6 (a 99% one n ≥ 8). Reporting [min, max] as "95%" there would overstate what we know.
 */
export function medianInterval(values: readonly number[], confidence = 0.95): readonly [number, number] | undefined {
  requireFinite(values, "medianInterval");
  requireOpenUnit(confidence, "confidence", "medianInterval");
  const n = values.length;
  // P(B = k) in log space, stepped from k = 0: 0.5^n itself underflows beyond n ≈ 1074.
  let logPmf = -n * Math.LN2;
  let cdfBelow = 0; // P(B ≤ j − 2) while testing rank j, i.e. P(B ≤ j − 1) after adding pmf(j − 1)
  let best = 0;
  for (let j = 1; 2 * j <= n + 1; j++) {
    const k = j - 1;
    if (k > 0) logPmf += Math.log((n - k + 1) / k);
    cdfBelow += Math.exp(logPmf);
    if (1 - 2 * cdfBelow + EPSILON < confidence) break;
    best = j;
  }
  if (best === 0) return undefined;
  const sorted = sortedCopy(values);
  return [sorted[best - 1]!, sorted[n - best]!];
}
