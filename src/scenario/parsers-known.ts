/**
 * Parser names a scenario may use. One list in one place so that the metrics module can later replace
 * it with its registry of real parsers without touching the checks.
 */
export const KNOWN_PARSERS: readonly string[] = [
  "jsonl",
  "dllogger",
  "triton-client",
  "perf-analyzer",
  "hf-trainer",
  "mlperf-loadgen",
  "regex",
];
