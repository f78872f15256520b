/** Statistics over results: summaries, percentiles, intervals, the study's aggregation rule, speedups. */
export { T_975, summarize, tCritical95, type Summary } from "./summary.js";
export {
  AGGREGATION_RULES,
  BETTER_BY_ROLE,
  aggregateCase,
  speedup,
  type AggregateKind,
  type AggregationRule,
  type CaseAggregate,
  type Schedule,
} from "./aggregate.js";
export { latencyPercentiles, percentile, percentileSorted, tukeyOutliers, type LatencyPercentiles } from "./percentile.js";
export { medianInterval } from "./median-interval.js";
export { DEFAULT_BOOTSTRAP_SEED, bootstrapInterval, mulberry32, twoSampleBootstrapInterval, type BootstrapOptions } from "./bootstrap.js";
export { speedupInterval } from "./speedup-interval.js";
export { EXACT_MAX_N, mannWhitneyU, smallestPValue, type MannWhitneyResult } from "./mann-whitney.js";
export { erfc, twoSidedNormalP } from "./normal.js";
export { VERDICTS, compareSamples, type CompareOptions, type SampleComparison, type Verdict } from "./verdict.js";
