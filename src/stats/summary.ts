/** Descriptive statistics of repeated measurements, with confidence intervals for their mean and median. */
import { max, mean, median, min, sampleStandardDeviation } from "simple-statistics";
import { medianInterval } from "./median-interval.js";

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  /** Sample standard deviation (n − 1). 0 when n = 1: one value shows no spread (and `ci95` is absent). */
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  /** Coefficient of variation, stddev / |mean|. */
  readonly cv: number;
  /** 95% t-interval of the mean; only when n ≥ 2. */
  readonly ci95?: readonly [number, number];
  /** 95% order-statistic interval of the median (`medianInterval`); only when n ≥ 6, the least that reaches 95%. */
  readonly medianCi95?: readonly [number, number];
}

/**
 * Two-sided 95% critical values of Student's t (the 0.975 quantile), by degrees of freedom. Benchmarks
 * run few repetitions (often 3 to 10), exactly where the normal 1.96 would understate the uncertainty.
 */
export const T_975: readonly (readonly [df: number, t: number])[] = [
  [1, 12.7062], [2, 4.3027], [3, 3.1824], [4, 2.7764], [5, 2.5706],
  [6, 2.4469], [7, 2.3646], [8, 2.306], [9, 2.2622], [10, 2.2281],
  [11, 2.201], [12, 2.1788], [13, 2.1604], [14, 2.1448], [15, 2.1314],
  [16, 2.1199], [17, 2.1098], [18, 2.1009], [19, 2.093], [20, 2.086],
  [21, 2.0796], [22, 2.0739], [23, 2.0687], [24, 2.0639], [25, 2.0595],
  [26, 2.0555], [27, 2.0518], [28, 2.0484], [29, 2.0452], [30, 2.0423],
  [40, 2.0211], [50, 2.0086], [60, 2.0003], [80, 1.9901], [100, 1.984],
  [120, 1.9799], [Infinity, 1.96],
];

/**
 * The critical value for `df` degrees of freedom. Between rows of the table the smaller df is used:
 * its t is larger, so the interval errs on the wide (honest) side.
 */
export function tCritical95(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  let t = T_975[0]![1];
  for (const [rowDf, rowT] of T_975) {
    if (rowDf > df) break;
    t = rowT;
  }
  return t;
}

/** Summarizes finite values; throws on an empty list or a NaN/Infinity (a parsing bug upstream). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError("summarize: no values");
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`summarize: not a finite number: ${bad}`);
  const xs = [...values];
  const n = xs.length;
  const lo = min(xs);
  const hi = max(xs);
  // Identical values (a constant throughput, one repetition) have no spread; floating-point summation
  // would otherwise report a mean a few ulps off and a spread of 1e-15 that renders as "± 0.00".
  const constant = lo === hi;
  const m = constant ? lo : mean(xs);
  const stddev = n >= 2 && !constant ? sampleStandardDeviation(xs) : 0;
  const cv = stddev === 0 ? 0 : m === 0 ? Infinity : stddev / Math.abs(m);
  const base = { n, mean: m, median: median(xs), stddev, min: lo, max: hi, cv };
  if (n < 2) return base;
  const half = tCritical95(n - 1) * (stddev / Math.sqrt(n));
  const medianCi95 = medianInterval(xs);
  return { ...base, ci95: [m - half, m + half], ...(medianCi95 ? { medianCi95 } : {}) };
}
