/** What every chart builder shares: its input, the case labels, and the look of the specs. */
import type { MetricRole } from "../../scenario/schema.js";
import type { ChartSpec, ReportModel } from "../model.js";
import { ROW_SPECS } from "../study-table.js";

/** The model a chart is built from: everything but the charts themselves. */
export type ChartInput = Omit<ReportModel, "charts">;

/** One kind of chart: zero or more charts from the model (none when its data is absent). */
export type ChartBuilder = (model: ChartInput) => ChartSpec[];

export type Spec = Record<string, unknown>;

export const roleName = (role: MetricRole): string => ROW_SPECS.find((s) => s.role === role)?.name ?? role;

/** Metric names in the study's order (time, throughput, latency), for legends and offsets. */
export const roleNamesInOrder = (roles: readonly MetricRole[]): string[] => ROW_SPECS.filter((s) => roles.includes(s.role)).map((s) => s.name);

/**
 * Each case's name in charts that draw several cases on one axis or in one legend: its label, with its id
 * added where two cases share a label (two runs of one scenario), as vega would merge them into one.
 */
export function caseNames(cases: ChartInput["cases"]): Map<string, string> {
  const count = new Map<string, number>();
  for (const c of cases) count.set(c.label, (count.get(c.label) ?? 0) + 1);
  return new Map(cases.map((c) => [c.id, (count.get(c.label) ?? 0) > 1 ? `${c.label} (${c.id})` : c.label]));
}

/** A case's name by id (`caseNames`); a speedup naming an unknown case shows the id rather than failing the report. */
export function caseLabeller(model: ChartInput): (id: string) => string {
  const names = caseNames(model.cases);
  return (id) => names.get(id) ?? id;
}

/** The axis title for a metric: its name and its unit, or the units when cases disagree. */
export function metricTitle(role: MetricRole, units: readonly string[]): string {
  const distinct = [...new Set(units)];
  return distinct.length === 0 ? roleName(role) : `${roleName(role)} (${distinct.join(", ")})`;
}

/**
 * A top-level vega-lite spec with the report's look. No `$schema` URL: the page must not reference
 * anything outside itself, and vega-lite compiles without it. Labels are long case titles: give them room
 * (vega measures text without a canvas by estimate, about 0.8 em a character, so the limit is generous).
 */
export function topLevel(body: Spec): Spec {
  return {
    background: "white",
    config: {
      font: "sans-serif",
      view: { stroke: null },
      axis: { labelLimit: 480, labelFontSize: 11, titleFontSize: 12 },
      legend: { labelLimit: 480 },
      title: { anchor: "start", fontSize: 13 },
    },
    ...body,
  };
}
