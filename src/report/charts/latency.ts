/**
 * Request latency distributions where a workload logged raw samples: the cumulative distribution of each
 * instance's samples (the model keeps an evenly spaced subset of the sorted samples), with its p50, p90,
 * p95 and p99 marked.
 */
import type { ChartSpec, LatencyDistribution, ReportCase } from "../model.js";
import { topLevel, type ChartInput } from "./common.js";

/** The sample is sorted and evenly spaced over the distribution: its k-th value sits at quantile k/(n-1). */
function cdfPoints(d: LatencyDistribution): { instance: string; latency: number; fraction: number }[] {
  const n = d.sample.length;
  return d.sample.map((latency, k) => ({ instance: d.instanceId, latency, fraction: n === 1 ? 1 : k / (n - 1) }));
}

const PERCENTILES = [
  ["p50", 0.5],
  ["p90", 0.9],
  ["p95", 0.95],
  ["p99", 0.99],
] as const;

function latencyChart(c: ReportCase): ChartSpec | null {
  const distributions = c.latency.filter((d) => d.sample.length > 0);
  if (distributions.length === 0) return null;
  const percentiles = distributions.flatMap((d) => PERCENTILES.map(([name, fraction]) => ({ instance: d.instanceId, latency: d[name], fraction, percentile: name })));
  const color = { field: "instance", type: "nominal", title: "instance" };
  const x = { field: "latency", type: "quantitative", title: "latency (ms)" };
  return {
    id: `latency:${c.id}`,
    title: `Latency distribution: ${c.label}`,
    caption: "Cumulative distribution of request latencies per instance, from the logged samples; dots mark p50, p90, p95 and p99.",
    spec: topLevel({
      width: 460,
      height: 260,
      layer: [
        {
          data: { values: distributions.flatMap(cdfPoints) },
          mark: { type: "line", interpolate: "step-after" },
          encoding: { x, y: { field: "fraction", type: "quantitative", title: "fraction of requests", scale: { domain: [0, 1] } }, color },
        },
        { data: { values: percentiles }, mark: { type: "point", filled: true, size: 40 }, encoding: { x, y: { field: "fraction", type: "quantitative" }, color } },
      ],
    }),
  };
}

export function latencyCharts(model: ChartInput): ChartSpec[] {
  return model.cases.map(latencyChart).filter((c): c is ChartSpec => c !== null);
}
