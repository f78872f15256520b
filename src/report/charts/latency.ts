/**
 * Request latency across cases, on one shared axis, where workloads logged raw samples: a band per case
 * (in the report's order) holding one line per instance (in column order, top down), from the least to
 * the greatest latency logged, with its p50, p90, p95 and p99 marked.
 *
 * Why this shape: readers compare cases (seven MIG slices against the full GPU), which a band per case on
 * one axis shows at a glance, and the lines inside a band show whether a case's instances agree (one slice
 * slower than its neighbours). One labelled row per case and instance would be 70 rows for 10 cases of 7
 * instances, pushing the cases to be compared a page apart; cumulative distributions per instance would be
 * 70 crossing lines. The instances are named in the per-instance charts and the statistics table.
 *
 * The axis is logarithmic when every latency is positive: cases differ by factors (the report reads them as
 * "at 1.7x the latency"), and a tail's maximum far above the median would otherwise squeeze the medians
 * of the faster cases into a corner.
 */
import type { ChartSpec } from "../model.js";
import { caseNames, topLevel, type ChartInput } from "./common.js";

/** The percentiles marked, each with its colour and shape: a legend that reads without colour too. */
const PERCENTILES = [
  { name: "p50", color: "#1f4e9c", shape: "circle" },
  { name: "p90", color: "#2ca02c", shape: "square" },
  { name: "p95", color: "#ff7f0e", shape: "triangle-up" },
  { name: "p99", color: "#d62728", shape: "diamond" },
] as const;

/** Vertical room per instance line, in pixels; the case bands grow with their instances. */
const LINE_STEP = 7;
/** The least height of a case's band, in pixels, so that a case of one instance still reads as a row. */
const MIN_BAND = 30;

export function latencyCharts(model: ChartInput): ChartSpec[] {
  const names = caseNames(model.cases);
  const cases = model.cases.map((c) => ({ c, distributions: c.latency.filter((d) => d.sample.length > 0) })).filter((x) => x.distributions.length > 0);
  if (cases.length === 0) return [];
  // The model's distributions are in column order; `slot` places each within its case's band. Slots are
  // half a line apart so that a case of fewer instances than the most sits centred in its band.
  const most = Math.max(...cases.map(({ distributions }) => distributions.length));
  const rows = cases.flatMap(({ c, distributions }) =>
    distributions.map((d, k) => ({
      case: names.get(c.id),
      slot: 2 * k + 1 + most - distributions.length,
      // Not drawn: it names the line for whoever reads the spec under the chart.
      instance: d.instanceId,
      // The least of the values kept (all of them up to 100,000 per instance, else a uniform subset).
      least: d.sample[0] as number,
      p50: d.p50,
      p90: d.p90,
      p95: d.p95,
      p99: d.p99,
      max: d.max,
    })),
  );
  const log = rows.every((r) => r.least > 0);
  // No nice domain: on a log scale it rounds out to whole decades, mostly empty.
  const x = { type: "quantitative", title: log ? "latency (ms, log scale)" : "latency (ms)", scale: log ? { type: "log", nice: false } : { zero: false } };
  const y = { field: "case", type: "nominal", title: null, sort: cases.map(({ c }) => names.get(c.id)), scale: { paddingInner: 0.35 } };
  const slots = Array.from({ length: 2 * most - 1 }, (_, k) => k + 1);
  const yOffset = { field: "slot", type: "ordinal", scale: { domain: slots } };
  return [
    {
      id: "latency",
      title: "Latency distribution per case",
      caption:
        "Request latencies from the logged samples, every case on one axis: in each case's band one line per instance (in column order, top down), " +
        `from the least to the greatest latency logged, with p50, p90, p95 and p99 marked${log ? "; logarithmic axis" : ""}.`,
      cases: cases.map(({ c }) => c.id),
      spec: topLevel({
        width: 460,
        height: { step: Math.max(LINE_STEP / 2, MIN_BAND / slots.length), for: "offset" },
        data: { values: rows },
        layer: [
          { mark: { type: "rule", color: "#999" }, encoding: { y, yOffset, x: { field: "least", ...x }, x2: { field: "max" } } },
          {
            transform: [{ fold: PERCENTILES.map((p) => p.name), as: ["percentile", "latency"] }],
            mark: { type: "point", filled: true, size: 28, opacity: 1 },
            encoding: {
              y,
              yOffset,
              x: { field: "latency", ...x },
              color: { field: "percentile", type: "nominal", title: null, scale: { domain: PERCENTILES.map((p) => p.name), range: PERCENTILES.map((p) => p.color) } },
              shape: { field: "percentile", type: "nominal", scale: { domain: PERCENTILES.map((p) => p.name), range: PERCENTILES.map((p) => p.shape) } },
            },
          },
        ],
      }),
    },
  ];
}
