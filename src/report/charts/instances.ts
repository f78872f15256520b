/**
 * Per instance, per metric: the mean over repetitions as a bar, its 95% confidence interval as an error
 * bar, and each repetition's value as a dot (outliers in red). Only for cases with repeated values: with
 * one value per instance the chart would repeat the table and show no spread.
 */
import type { ChartSpec, InstanceMetricStats, ReportCase } from "../model.js";
import { ROW_SPECS } from "../study-table.js";
import { metricTitle, topLevel, type ChartInput, type Spec } from "./common.js";

const instanceName = (s: InstanceMetricStats): string => `${s.column}: ${s.instanceId}`;

function panel(stats: readonly InstanceMetricStats[]): Spec | null {
  const summarized = stats.filter((s) => s.summary !== undefined).sort((a, b) => a.column - b.column);
  const first = summarized[0];
  if (first === undefined) return null;
  const means = summarized.map((s) => ({
    instance: instanceName(s),
    mean: s.summary?.mean ?? null,
    low: s.summary?.ci95?.[0] ?? null,
    high: s.summary?.ci95?.[1] ?? null,
  }));
  const values = summarized.flatMap((s) =>
    s.values.map((value, i) => ({ instance: instanceName(s), value, repetition: i + 1, outlier: s.outliers.includes(i) ? "outlier" : "value" })),
  );
  const y = { field: "instance", type: "nominal", sort: null, title: null };
  const title = metricTitle(first.role, summarized.map((s) => s.unit));
  const layer: Spec[] = [
    { data: { values: means }, mark: { type: "bar", color: "#9ecae9" }, encoding: { y, x: { field: "mean", type: "quantitative", title } } },
    {
      data: { values: values },
      mark: { type: "point", filled: true, size: 30 },
      encoding: {
        y,
        x: { field: "value", type: "quantitative" },
        color: { field: "outlier", type: "nominal", title: null, scale: { domain: ["value", "outlier"], range: ["#333", "#d62728"] } },
      },
    },
  ];
  const withInterval = means.filter((m) => m.low !== null);
  if (withInterval.length > 0)
    layer.push({ data: { values: withInterval }, mark: { type: "rule", color: "#08519c", strokeWidth: 2 }, encoding: { y, x: { field: "low", type: "quantitative" }, x2: { field: "high" } } });
  return { width: 420, layer };
}

function instanceChart(c: ReportCase): ChartSpec | null {
  if (!c.instances.some((s) => s.values.length >= 2)) return null;
  const panels = ROW_SPECS.map(({ role }) => panel(c.instances.filter((s) => s.role === role))).filter((p): p is Spec => p !== null);
  if (panels.length === 0) return null;
  return {
    id: `instances:${c.id}`,
    title: `Per instance: ${c.label}`,
    caption: "Bars: mean over measured repetitions; error bars: 95% confidence interval of the mean; dots: each repetition (outliers by Tukey's fences in red, kept in the mean).",
    spec: topLevel(panels.length === 1 ? (panels[0] as Spec) : { vconcat: panels }),
  };
}

export function instanceCharts(model: ChartInput): ChartSpec[] {
  return model.cases.map(instanceChart).filter((c): c is ChartSpec => c !== null);
}
