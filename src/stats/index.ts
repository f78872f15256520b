/** Statistics over results: summaries, the study's aggregation rule, speedups. */
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
