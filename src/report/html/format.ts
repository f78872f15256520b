/**
 * Formatting that only the HTML report needs; figures and cells use markdown.ts's helpers (formatNumber,
 * formatCell, formatAggregate) so that both renderings print the same numbers.
 */
import type { MetricRole } from "../../scenario/schema.js";
import { formatNumber } from "../markdown.js";

export const formatSpeedup = (x: number): string => `${formatNumber(x)}x`;

export const formatPercent = (fraction: number): string => (Number.isFinite(fraction) ? `${formatNumber(fraction * 100)}%` : "n/a");

export const formatInterval = (interval: readonly [number, number] | undefined, format: (x: number) => string = formatNumber): string =>
  interval === undefined ? "—" : `${format(interval[0])} – ${format(interval[1])}`;

/** How a speedup reads in words, by metric (> 1 is always better; latency reads as "at N x the latency"). */
export const SPEEDUP_READING: Readonly<Record<MetricRole, (value: number) => string>> = {
  time: (v) => (v >= 1 ? `${formatSpeedup(v)} faster` : `${formatSpeedup(1 / v)} slower`),
  throughput: (v) => `${formatSpeedup(v)} the throughput`,
  latency: (v) => `at ${formatSpeedup(1 / v)} the latency`,
};
