/**
 * The study's Figure 8: each case's aggregate (Avg or Total by the study's rule) per metric, one panel per
 * metric (throughput and latency for inference, time and throughput for training), ± 1 standard
 * deviation over repetitions where there were several.
 */
import { formatNumber } from "../markdown.js";
import type { ChartSpec } from "../model.js";
import { ROW_SPECS } from "../study-table.js";
import { caseLabeller, metricTitle, topLevel, type ChartInput, type Spec } from "./common.js";

export function aggregateCharts(model: ChartInput): ChartSpec[] {
  const name = caseLabeller(model);
  const panels: Spec[] = [];
  const drawn = new Set<string>();
  for (const { role } of ROW_SPECS) {
    const rows = model.cases.flatMap((c) => {
      const row = c.table.rows.find((r) => r.role === role);
      if (!row?.aggregate) return [];
      const { mean, stddev, kind } = row.aggregate;
      drawn.add(c.id);
      return [
        {
          case: name(c.id),
          unit: row.unit,
          value: mean,
          text: `${formatNumber(mean)} (${kind})`,
          low: stddev !== undefined ? mean - stddev : null,
          high: stddev !== undefined ? mean + stddev : null,
        },
      ];
    });
    if (rows.length === 0) continue;
    const y = { field: "case", type: "nominal", sort: null, title: null };
    const x = { field: "value", type: "quantitative", title: metricTitle(role, rows.map((r) => r.unit)) };
    const layer: Spec[] = [
      { mark: { type: "bar", color: "#4c78a8" }, encoding: { y, x } },
      { mark: { type: "text", align: "left", dx: 4 }, encoding: { y, x, text: { field: "text" } } },
    ];
    if (rows.some((r) => r.low !== null))
      layer.push({
        transform: [{ filter: "datum.low !== null" }],
        mark: { type: "rule", color: "#222" },
        encoding: { y, x: { field: "low", type: "quantitative" }, x2: { field: "high" } },
      });
    panels.push({ data: { values: rows }, width: 420, layer });
  }
  if (panels.length === 0) return [];
  return [
    {
      id: "case-aggregates",
      title: "Aggregate per case",
      caption:
        "Like the study's Figure 8: each case's aggregate by the study's rule (parallel: time averaged, throughput summed; " +
        "serial: time summed, throughput averaged). Error bars, where present: ± 1 standard deviation over repetitions.",
      cases: model.cases.filter((c) => drawn.has(c.id)).map((c) => c.id),
      spec: topLevel(panels.length === 1 ? (panels[0] as Spec) : { vconcat: panels }),
    },
  ];
}
