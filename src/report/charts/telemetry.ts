/**
 * GPU telemetry over a run: one chart per case, a panel per field (utilization, memory, power...) with its
 * own scale, one line per GPU. One chart rather than one per field: vega's cost is mostly per chart, and
 * the panels share their time axis.
 */
import type { ChartSpec, ReportCase } from "../model.js";
import { topLevel, type ChartInput } from "./common.js";

/** A panel's heading: the field and its unit(s). */
const panelName = (field: string, units: readonly string[]): string => (units.length > 0 ? `${field} (${units.join(", ")})` : field);

function caseTelemetryChart(c: ReportCase): ChartSpec | null {
  const shown = c.telemetry.filter((s) => s.points.length > 0);
  if (shown.length === 0) return null;
  // Fields in the order the series come (the reader's display order), each with the units its series give.
  const units = new Map<string, string[]>();
  for (const s of shown) units.set(s.field, [...new Set([...(units.get(s.field) ?? []), s.unit])]);
  const panels = new Map([...units].map(([field, u]) => [field, panelName(field, u)]));
  const values = shown.flatMap((s) => s.points.map(([seconds, value]) => ({ panel: panels.get(s.field), gpu: `GPU ${s.gpu}`, seconds, value })));
  return {
    id: `telemetry:${c.id}`,
    title: `GPU telemetry: ${c.label}`,
    caption: `GPU telemetry sampled during the run (${[...panels.keys()].join(", ")}), downsampled; time from the first sample. Each panel has its own scale.`,
    spec: topLevel({
      data: { values },
      facet: { row: { field: "panel", type: "nominal", title: null, sort: [...panels.values()], header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", labelFontSize: 12 } } },
      spec: {
        width: 460,
        height: 120,
        mark: { type: "line" },
        encoding: {
          x: { field: "seconds", type: "quantitative", title: "time (s)" },
          y: { field: "value", type: "quantitative", title: null },
          color: { field: "gpu", type: "nominal", title: null },
        },
      },
      resolve: { scale: { y: "independent" } },
    }),
  };
}

export function telemetryCharts(model: ChartInput): ChartSpec[] {
  return model.cases.map(caseTelemetryChart).filter((c): c is ChartSpec => c !== null);
}
