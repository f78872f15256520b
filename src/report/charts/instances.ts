/**
 * Per instance, per metric: the spread over repetitions. Only for cases with repeated values: with one
 * value per instance the chart would repeat the table and show no spread.
 *
 * Up to `DOTS_MAX_N` values per instance, every repetition is a dot (outliers in red) over a bar of the
 * mean with its 95% confidence interval. With more, dots pile on each other and cost a mark each (2,100
 * for 7 instances of 100 repetitions), so the values are a box plot instead: quartiles, median, whiskers
 * to the furthest values within Tukey's fences, the outliers beyond them as red dots, and the mean with
 * its 95% interval. Quartiles and outliers are the statistics module's (type 7 quantiles, 1.5 IQR), the
 * same as the statistics table's.
 */
import { percentileSorted } from "../../stats/index.js";
import type { ChartSpec, InstanceMetricStats, ReportCase } from "../model.js";
import { ROW_SPECS } from "../study-table.js";
import { metricTitle, topLevel, type ChartInput, type Spec } from "./common.js";

/** The most values per instance still drawn one dot each. */
export const DOTS_MAX_N = 20;

const instanceName = (s: InstanceMetricStats): string => `${s.column}: ${s.instanceId}`;

const OUTLIER_RED = "#d62728";

const meanRows = (summarized: readonly InstanceMetricStats[]) =>
  summarized.map((s) => ({ instance: instanceName(s), mean: s.summary?.mean ?? null, low: s.summary?.ci95?.[0] ?? null, high: s.summary?.ci95?.[1] ?? null }));

/** The mean's 95% interval, where there is one. */
function intervalLayer(means: ReturnType<typeof meanRows>, y: Spec): Spec[] {
  const withInterval = means.filter((m) => m.low !== null);
  return withInterval.length === 0
    ? []
    : [{ data: { values: withInterval }, mark: { type: "rule", color: "#08519c", strokeWidth: 2 }, encoding: { y, x: { field: "low", type: "quantitative" }, x2: { field: "high" } } }];
}

function dotLayers(summarized: readonly InstanceMetricStats[], y: Spec, title: string): Spec[] {
  const means = meanRows(summarized);
  const values = summarized.flatMap((s) => s.values.map((value, i) => ({ instance: instanceName(s), value, repetition: i + 1, outlier: s.outliers.includes(i) ? "outlier" : "value" })));
  return [
    { data: { values: means }, mark: { type: "bar", color: "#9ecae9" }, encoding: { y, x: { field: "mean", type: "quantitative", title } } },
    {
      data: { values },
      mark: { type: "point", filled: true, size: 30 },
      encoding: {
        y,
        x: { field: "value", type: "quantitative" },
        color: { field: "outlier", type: "nominal", title: null, scale: { domain: ["value", "outlier"], range: ["#333", OUTLIER_RED] } },
      },
    },
    ...intervalLayer(means, y),
  ];
}

/** Quartiles, median and whiskers of one instance's values; the whiskers end at the furthest values that are not outliers. */
function boxStatistics(s: InstanceMetricStats): { q1: number; median: number; q3: number; whiskerLow: number; whiskerHigh: number } {
  const sorted = [...s.values].sort((a, b) => a - b);
  const inside = s.values.filter((_, i) => !s.outliers.includes(i));
  return {
    q1: percentileSorted(sorted, 0.25),
    median: percentileSorted(sorted, 0.5),
    q3: percentileSorted(sorted, 0.75),
    whiskerLow: Math.min(...inside),
    whiskerHigh: Math.max(...inside),
  };
}

function boxLayers(summarized: readonly InstanceMetricStats[], y: Spec, title: string): Spec[] {
  // One row per instance for the box, the mean and its interval: one data set for those layers, not one each.
  const boxes = summarized.map((s) => ({ ...meanRows([s])[0], ...boxStatistics(s) }));
  const outliers = summarized.flatMap((s) => s.outliers.map((i) => ({ instance: instanceName(s), value: s.values[i] as number, repetition: i + 1 })));
  const layers: Spec[] = [
    {
      data: { values: boxes },
      layer: [
        { mark: { type: "rule", color: "#555" }, encoding: { y, x: { field: "whiskerLow", type: "quantitative", title }, x2: { field: "whiskerHigh" } } },
        { mark: { type: "bar", color: "#c6dbef", stroke: "#555", size: 14 }, encoding: { y, x: { field: "q1", type: "quantitative" }, x2: { field: "q3" } } },
        { mark: { type: "tick", color: "#222", thickness: 2, size: 14 }, encoding: { y, x: { field: "median", type: "quantitative" } } },
        // A row without an interval (one value) has `low: null`, which vega-lite leaves out of this layer.
        { mark: { type: "rule", color: "#08519c", strokeWidth: 2 }, encoding: { y, x: { field: "low", type: "quantitative" }, x2: { field: "high" } } },
        { mark: { type: "point", shape: "diamond", filled: true, color: "#08519c", size: 50 }, encoding: { y, x: { field: "mean", type: "quantitative" } } },
      ],
    },
  ];
  if (outliers.length > 0)
    layers.push({ data: { values: outliers }, mark: { type: "point", filled: true, size: 30, color: OUTLIER_RED }, encoding: { y, x: { field: "value", type: "quantitative" } } });
  return layers;
}

function panel(stats: readonly InstanceMetricStats[], boxes: boolean): Spec | null {
  const summarized = stats.filter((s) => s.summary !== undefined).sort((a, b) => a.column - b.column);
  const first = summarized[0];
  if (first === undefined) return null;
  const y = { field: "instance", type: "nominal", sort: null, title: null };
  const title = metricTitle(first.role, summarized.map((s) => s.unit));
  return { width: 420, layer: boxes ? boxLayers(summarized, y, title) : dotLayers(summarized, y, title) };
}

const DOTS_CAPTION = "Bars: mean over measured repetitions; error bars: 95% confidence interval of the mean; dots: each repetition (outliers by Tukey's fences in red, kept in the mean).";
const BOX_CAPTION =
  `Box plots (more than ${DOTS_MAX_N} repetitions per instance): box from the first to the third quartile, tick at the median, whiskers to the furthest values within Tukey's fences (1.5 IQR); ` +
  "red dots: the outliers beyond them (kept in the mean); diamond: the mean, with its 95% confidence interval as a dark line.";

function instanceChart(c: ReportCase): ChartSpec | null {
  if (!c.instances.some((s) => s.values.length >= 2)) return null;
  // One style for the whole chart, so that its caption holds for every panel.
  const boxes = c.instances.some((s) => s.values.length > DOTS_MAX_N);
  const panels = ROW_SPECS.map(({ role }) => panel(c.instances.filter((s) => s.role === role), boxes)).filter((p): p is Spec => p !== null);
  if (panels.length === 0) return null;
  return {
    id: `instances:${c.id}`,
    title: `Per instance: ${c.label}`,
    caption: boxes ? BOX_CAPTION : DOTS_CAPTION,
    cases: [c.id],
    spec: topLevel(panels.length === 1 ? (panels[0] as Spec) : { vconcat: panels }),
  };
}

export function instanceCharts(model: ChartInput): ChartSpec[] {
  return model.cases.map(instanceChart).filter((c): c is ChartSpec => c !== null);
}
