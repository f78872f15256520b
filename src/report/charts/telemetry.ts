/**
 * GPU telemetry across cases: one chart, a panel per field (utilization, memory, power...) with its own
 * scale, a line per case in the same colour in every panel (dashed by GPU where a case sampled several).
 * One chart rather than one per case: readers compare cases (the power seven MIG slices draw against the
 * full GPU's), and vega's cost is mostly per chart.
 *
 * Each case's time is seconds since its run's telemetry began: once its devices existed, just before its
 * first step. So cases line up at the start of their work, whenever they ran, and a MIG case's partitioning
 * (before the sampling) does not shift it against a case without MIG.
 */
import type { ChartSpec } from "../model.js";
import { TELEMETRY_FIELDS } from "../telemetry-series.js";
import { caseNames, topLevel, type ChartInput, type Spec } from "./common.js";

/** A panel's heading: the field and its unit(s). */
const panelName = (field: string, units: readonly string[]): string => (units.length > 0 ? `${field} (${units.join(", ")})` : field);

/** Fields in the reader's display order, whichever case has them; any other field after those. */
const fieldRank = (field: string): number => {
  const k = TELEMETRY_FIELDS.findIndex((f) => f.field === field);
  return k < 0 ? TELEMETRY_FIELDS.length : k;
};

/** Colours enough for the cases: tableau10 up to ten, which stays distinct, then tableau20. */
const colorScheme = (cases: number): string => (cases <= 10 ? "tableau10" : "tableau20");

export function telemetryCharts(model: ChartInput): ChartSpec[] {
  const names = caseNames(model.cases);
  const shown = model.cases.map((c) => ({ c, series: c.telemetry.filter((s) => s.points.length > 0) })).filter((x) => x.series.length > 0);
  if (shown.length === 0) return [];
  const all = shown.flatMap(({ series }) => series);
  const units = new Map<string, string[]>();
  for (const s of [...all].sort((a, b) => fieldRank(a.field) - fieldRank(b.field))) units.set(s.field, [...new Set([...(units.get(s.field) ?? []), s.unit])]);
  const panels = new Map([...units].map(([field, u]) => [field, panelName(field, u)]));
  const severalGpus = shown.some(({ series }) => new Set(series.map((s) => s.gpu)).size > 1);
  const values = shown.flatMap(({ c, series }) =>
    series.flatMap((s) => s.points.map(([seconds, value]) => ({ panel: panels.get(s.field), case: names.get(c.id), ...(severalGpus ? { gpu: `GPU ${s.gpu}` } : {}), seconds, value }))),
  );
  const caseList = shown.map(({ c }) => names.get(c.id));
  const encoding: Spec = {
    x: { field: "seconds", type: "quantitative", title: "time since the run's telemetry began (s)" },
    y: { field: "value", type: "quantitative", title: null },
    color: { field: "case", type: "nominal", title: null, scale: { domain: caseList, scheme: colorScheme(caseList.length) }, legend: { orient: "bottom", direction: "vertical" } },
    // Several GPUs in a case: a line each, told apart by its dash. Otherwise the dash would only add a legend.
    ...(severalGpus ? { strokeDash: { field: "gpu", type: "nominal", title: null } } : {}),
  };
  return [
    {
      id: "telemetry",
      title: "GPU telemetry per case",
      caption:
        `GPU telemetry sampled during each run (${[...panels.keys()].join(", ")}), downsampled; a line per case, ` +
        "its time counted from the start of its run's sampling (just before its first step). Each panel has its own scale.",
      cases: shown.map(({ c }) => c.id),
      spec: topLevel({
        data: { values },
        facet: { row: { field: "panel", type: "nominal", title: null, sort: [...panels.values()], header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", labelFontSize: 12 } } },
        spec: { width: 460, height: 120, mark: { type: "line", strokeWidth: 1.5 }, encoding },
        resolve: { scale: { y: "independent" } },
      }),
    },
  ];
}
