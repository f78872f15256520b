/**
 * The Mann–Whitney U (Wilcoxon rank-sum) test: do two independent samples come from the same
 * distribution, or does one tend to give larger values? It uses ranks only, so a slow outlier run moves
 * it no more than any other slow run: the right test for benchmark timings, which are rarely normal.
 */
import { requireFinite } from "./finite.js";
import { twoSidedNormalP } from "./normal.js";

export interface MannWhitneyResult {
  /** U of `a`: the pairs (aᵢ, bⱼ) with aᵢ > bⱼ, a tie counting one half. U of `b` is n_a·n_b − u. */
  readonly u: number;
  /**
   * The normal approximation's z, with tie and continuity corrections: > 0 when `a` tends to be larger.
   * 0 when every value is the same.
   */
  readonly z: number;
  /** Two-sided. */
  readonly pValue: number;
  /** True when `pValue` comes from the exact distribution of U rather than the normal approximation. */
  readonly exact: boolean;
}

/** Both samples at most this large and no ties: the exact distribution is cheap (≤ 184,756 orderings) and better than the normal one. */
export const EXACT_MAX_N = 10;

/** Midranks (1-based, ties averaged) of the pooled values, and Σ(t³ − t) over groups of t tied values. */
function rankPooled(a: readonly number[], b: readonly number[]): { rankSumA: number; tieTerm: number } {
  const pooled = [...a.map((value) => ({ value, fromA: true })), ...b.map((value) => ({ value, fromA: false }))].sort((x, y) => x.value - y.value);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && pooled[j + 1]!.value === pooled[i]!.value) j++;
    const t = j - i + 1;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (pooled[k]!.fromA) rankSumA += midrank;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  return { rankSumA, tieTerm };
}

/**
 * Counts of each value of U (0..m·n) over all C(m+n, m) equally likely orderings without ties. Built up
 * one element at a time: the largest of m + n values is either from `a` (beating all n of `b`) or not.
 */
function exactCounts(m: number, n: number): number[] {
  // table[j] holds the counts for (i, j) while row i is built.
  let previous: number[][] = Array.from({ length: n + 1 }, () => [1]); // i = 0: U is always 0
  for (let i = 1; i <= m; i++) {
    const row: number[][] = [[1]]; // j = 0: U is always 0
    for (let j = 1; j <= n; j++) {
      const lastIsA = previous[j]!; // counts for (i − 1, j), shifted by j
      const lastIsB = row[j - 1]!; // counts for (i, j − 1)
      const counts = new Array<number>(i * j + 1).fill(0);
      lastIsA.forEach((c, u) => (counts[u + j]! += c));
      lastIsB.forEach((c, u) => (counts[u]! += c));
      row.push(counts);
    }
    previous = row;
  }
  return previous[n]!;
}

function exactPValue(u: number, m: number, n: number): number {
  const counts = exactCounts(m, n);
  const total = counts.reduce((s, c) => s + c, 0);
  let below = 0;
  let above = 0;
  counts.forEach((c, k) => {
    if (k <= u) below += c;
    if (k >= u) above += c;
  });
  return Math.min(1, (2 * Math.min(below, above)) / total);
}

/** Two-sided Mann–Whitney U test of `a` against `b`. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  requireFinite(a, "mannWhitneyU (first sample)");
  requireFinite(b, "mannWhitneyU (second sample)");
  const m = a.length;
  const n = b.length;
  const total = m + n;
  const { rankSumA, tieTerm } = rankPooled(a, b);
  const u = rankSumA - (m * (m + 1)) / 2;
  const meanU = (m * n) / 2;
  const variance = ((m * n) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  // Continuity correction, as R and SciPy apply it: |U − mean| moves half a unit towards 0.
  const distance = Math.max(0, Math.abs(u - meanU) - 0.5);
  const z = variance > 0 ? (Math.sign(u - meanU) * distance) / Math.sqrt(variance) : 0;
  if (m <= EXACT_MAX_N && n <= EXACT_MAX_N && tieTerm === 0) return { u, z, pValue: exactPValue(u, m, n), exact: true };
  return { u, z, pValue: variance > 0 ? twoSidedNormalP(z) : 1, exact: false };
}

/**
 * The smallest two-sided p-value `mannWhitneyU` can give for samples of these sizes: the two samples
 * entirely apart, without ties (ties only raise it). When it is not below the significance level, no
 * data of these sizes could show a difference.
 */
export function smallestPValue(m: number, n: number): number {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1) throw new RangeError(`smallestPValue: sample sizes must be positive integers, got ${m} and ${n}`);
  if (m <= EXACT_MAX_N && n <= EXACT_MAX_N) {
    // 2 / C(m + n, m): one ordering of the C(m + n, m) at each extreme.
    let logChoose = 0;
    for (let i = 1; i <= m; i++) logChoose += Math.log((n + i) / i);
    return Math.min(1, 2 * Math.exp(-logChoose));
  }
  const meanU = (m * n) / 2;
  return twoSidedNormalP((meanU - 0.5) / Math.sqrt((m * n * (m + n + 1)) / 12));
}
