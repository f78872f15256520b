/**
 * The study's Figure 7: how many times better the candidate case is than each other case, for time and
 * throughput (and latency where reported), one bar per metric. Error bars show the 95% interval when the
 * model has one; a diamond marks the published figure where it differs from the recomputed one.
 */
import { formatNumber } from "../markdown.js";
import type { ChartSpec } from "../model.js";
import { caseLabeller, roleName, roleNamesInOrder, topLevel, type ChartInput, type Spec } from "./common.js";

export function speedupCharts(model: ChartInput): ChartSpec[] {
  if (model.speedups.length === 0) return [];
  const label = caseLabeller(model);
  const candidates = [...new Set(model.speedups.map((s) => s.candidate))];
  // With one candidate (the study's case), the bars name only what it is compared against.
  const comparison = (candidate: string, baseline: string): string =>
    candidates.length === 1 ? `vs ${label(baseline)}` : `${label(candidate)} vs ${label(baseline)}`;
  const rows = model.speedups.map((s) => ({
    comparison: comparison(s.candidate, s.baseline),
    metric: roleName(s.role),
    speedup: s.value,
    text: `${formatNumber(s.value)}x`,
    low: s.interval?.[0] ?? null,
    high: s.interval?.[1] ?? null,
    // Rounded as printed: a published 1.48 against a recomputed 1.4817 is the same figure.
    published: s.published !== undefined && formatNumber(s.published) !== formatNumber(s.value) ? s.published : null,
  }));
  const withInterval = rows.filter((r) => r.low !== null && r.high !== null);
  const withPublished = rows.filter((r) => r.published !== null);

  const y = { field: "comparison", type: "nominal", sort: null, title: null };
  const metrics = roleNamesInOrder(model.speedups.map((s) => s.role));
  const yOffset = { field: "metric", type: "nominal", sort: metrics };
  const color = { field: "metric", type: "nominal", title: "metric", scale: { domain: metrics } };
  // Bars and their labels read the rows; the other layers bring their own (subset) data.
  const layers: Spec[] = [
    {
      mark: { type: "bar" },
      encoding: { y, yOffset, color, x: { field: "speedup", type: "quantitative", title: "speedup (x, > 1: better)" } },
    },
    {
      mark: { type: "text", align: "left", dx: 4 },
      encoding: { y, yOffset, x: { field: "speedup", type: "quantitative" }, text: { field: "text" } },
    },
    // Where no comparison is better or worse.
    { data: { values: [{ one: 1 }] }, mark: { type: "rule", strokeDash: [4, 4], color: "#555" }, encoding: { x: { field: "one", type: "quantitative" } } },
  ];
  if (withInterval.length > 0)
    layers.push({
      data: { values: withInterval },
      mark: { type: "rule", color: "#222", strokeWidth: 1.5 },
      encoding: { y, yOffset, x: { field: "low", type: "quantitative" }, x2: { field: "high" } },
    });
  if (withPublished.length > 0)
    layers.push({
      data: { values: withPublished },
      mark: { type: "point", shape: "diamond", filled: true, color: "#000", size: 70 },
      encoding: { y, yOffset, x: { field: "published", type: "quantitative" } },
    });

  const candidateNote = candidates.length === 1 ? ` of ${label(candidates[0] as string)}` : "";
  return [
    {
      id: "speedups",
      title: `Speedup${candidateNote}`,
      caption:
        "Like the study's Figure 7: the candidate's speedup against each case, recomputed from per-instance values (> 1: better)." +
        (withInterval.length > 0 ? " Error bars: 95% interval over repetitions." : "") +
        (withPublished.length > 0 ? " Diamonds: the published figure, where it differs." : ""),
      cases: model.cases.filter((c) => model.speedups.some((s) => s.candidate === c.id || s.baseline === c.id)).map((c) => c.id),
      spec: topLevel({ width: 460, data: { values: rows }, layer: layers }),
    },
  ];
}
