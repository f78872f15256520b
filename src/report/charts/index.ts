/**
 * The charts of a report: a registry of chart kinds, one module each, in display order. A chart's id is
 * its kind (`speedups`, `case-aggregates`, `latency`, `telemetry`: one chart for the report) or, for the
 * per-instance charts, `instances:<case id>` (one per case). A report definition picks charts by kind, or
 * by `<kind>:<case id>` the cases drawn in the kinds that draw cases: `latency:a` and `latency:b` give
 * one latency chart of cases a and b.
 */
import type { ChartSpec } from "../model.js";
import { aggregateCharts } from "./aggregates.js";
import type { ChartBuilder, ChartInput } from "./common.js";
import { instanceCharts } from "./instances.js";
import { latencyCharts } from "./latency.js";
import { speedupCharts } from "./speedups.js";
import { telemetryCharts } from "./telemetry.js";

export type { ChartBuilder, ChartInput } from "./common.js";

interface ChartKind {
  readonly kind: string;
  /** Whether `<kind>:<case id>` selects cases: the kind's charts are built from the selected cases only. */
  readonly byCase: boolean;
  readonly build: ChartBuilder;
}

export const CHART_KINDS: readonly ChartKind[] = [
  { kind: "speedups", byCase: false, build: speedupCharts },
  { kind: "case-aggregates", byCase: false, build: aggregateCharts },
  { kind: "instances", byCase: true, build: instanceCharts },
  { kind: "latency", byCase: true, build: latencyCharts },
  { kind: "telemetry", byCase: true, build: telemetryCharts },
];

/** Builds every chart whose data is present, in display order; absent data gives no chart. */
export function buildCharts(model: ChartInput): ChartSpec[] {
  return CHART_KINDS.flatMap(({ build }) => build(model));
}

/** A listed chart id: a kind, or a kind and a case id (split at the first colon). */
function parseChartId(id: string): { readonly id: string; readonly kind: string; readonly caseId?: string } {
  const colon = id.indexOf(":");
  return colon < 0 ? { id, kind: id } : { id, kind: id.slice(0, colon), caseId: id.slice(colon + 1) };
}

/**
 * The charts a report definition lists (`show.charts`), in display order, and the listed ids that drew
 * nothing: an unknown kind, a case not in the report or without that kind's data, a case id on a kind that
 * does not draw cases.
 */
export function selectCharts(model: ChartInput, wanted: readonly string[]): { charts: ChartSpec[]; missing: string[] } {
  const listed = wanted.map(parseChartId);
  const built = CHART_KINDS.map(({ kind, byCase, build }) => {
    const asked = listed.filter((l) => l.kind === kind);
    const ids = new Set(asked.map((l) => l.caseId));
    if (ids.has(undefined)) return { kind, byCase, charts: build(model) };
    return { kind, byCase, charts: byCase && ids.size > 0 ? build({ ...model, cases: model.cases.filter((c) => ids.has(c.id)) }) : [] };
  });
  const drawn = ({ kind, caseId }: ReturnType<typeof parseChartId>): boolean =>
    built.some((b) => b.kind === kind && (caseId === undefined ? b.charts.length > 0 : b.byCase && b.charts.some((c) => c.cases.includes(caseId))));
  return { charts: built.flatMap((b) => b.charts), missing: listed.filter((l) => !drawn(l)).map((l) => l.id) };
}
