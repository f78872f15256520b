/**
 * The charts of a report: a registry of builders, one module per chart kind, in display order. Chart ids
 * are `<kind>` for report-wide charts (`speedups`, `case-aggregates`) and `<kind>:<case id>` for
 * per-case ones (`instances:`, `latency:`, `telemetry:`), so a report definition can pick charts by kind.
 */
import type { ChartSpec } from "../model.js";
import { aggregateCharts } from "./aggregates.js";
import type { ChartBuilder, ChartInput } from "./common.js";
import { instanceCharts } from "./instances.js";
import { latencyCharts } from "./latency.js";
import { speedupCharts } from "./speedups.js";
import { telemetryCharts } from "./telemetry.js";

export type { ChartBuilder, ChartInput } from "./common.js";

export const CHART_BUILDERS: readonly ChartBuilder[] = [speedupCharts, aggregateCharts, instanceCharts, latencyCharts, telemetryCharts];

/** Builds every chart whose data is present, in display order; absent data gives no chart. */
export function buildCharts(model: ChartInput): ChartSpec[] {
  return CHART_BUILDERS.flatMap((build) => build(model));
}
