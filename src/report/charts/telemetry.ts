/** GPU telemetry over a run: one line chart per field (utilization, memory, power...), one line per GPU. */
import type { ChartSpec, ReportCase, TelemetrySeries } from "../model.js";
import { topLevel, type ChartInput } from "./common.js";

function fieldChart(c: ReportCase, field: string, series: readonly TelemetrySeries[]): ChartSpec {
  const units = [...new Set(series.map((s) => s.unit))];
  const values = series.flatMap((s) => s.points.map(([seconds, value]) => ({ gpu: `GPU ${s.gpu}`, seconds, value })));
  return {
    id: `telemetry:${c.id}:${field}`,
    title: `${field}: ${c.label}`,
    caption: `GPU telemetry sampled during the run (${field}), downsampled; time from the first sample.`,
    spec: topLevel({
      width: 460,
      height: 200,
      data: { values },
      mark: { type: "line" },
      encoding: {
        x: { field: "seconds", type: "quantitative", title: "time (s)" },
        y: { field: "value", type: "quantitative", title: units.length > 0 ? `${field} (${units.join(", ")})` : field },
        color: { field: "gpu", type: "nominal", title: null },
      },
    }),
  };
}

function caseTelemetryCharts(c: ReportCase): ChartSpec[] {
  const byField = new Map<string, TelemetrySeries[]>();
  for (const s of c.telemetry) if (s.points.length > 0) byField.set(s.field, [...(byField.get(s.field) ?? []), s]);
  return [...byField].map(([field, series]) => fieldChart(c, field, series));
}

export function telemetryCharts(model: ChartInput): ChartSpec[] {
  return model.cases.flatMap(caseTelemetryCharts);
}
