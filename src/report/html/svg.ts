/**
 * The one module that touches vega and vega-lite, whose types are loose: a chart's vega-lite spec is
 * compiled and rendered to an SVG string at build time, with a loader that refuses every request. The
 * specs inline their data, so a load attempt is a bug: it fails the chart rather than reaching out.
 *
 * A report draws the same few shapes of chart for every case (per instance, latency, telemetry), and
 * compiling and parsing a spec costs about as much as drawing it. So a renderer compiles each shape once:
 * the spec with its inline data lifted out into named data sets, which each drawing is given.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { textWidth, type TextItem } from "./text-width.js";

// Vega's layout and label truncation measure text through this hook; with no canvas it would estimate.
(vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics.width = textWidth;

/** A loader that answers every request with a refusal, and remembers what was asked. */
function offlineLoader(refused: string[]): vega.Loader {
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new Error(`charts inline their data; refusing to load ${uri}`));
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

type Json = Readonly<Record<string, unknown>>;

/** Names the lifted data sets; no spec of ours uses the prefix. */
const DATA_PREFIX = "migbench_data_";

/** The spec with every inline `data: { values: [...] }` replaced by a named data set, and those sets. */
function liftData(spec: Json): { shape: Json; datasets: Map<string, readonly unknown[]> } {
  const datasets = new Map<string, readonly unknown[]>();
  const lift = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(lift);
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => {
        if (key === "data" && typeof value === "object" && value !== null && Object.keys(value).length === 1 && Array.isArray((value as Json).values)) {
          const name = `${DATA_PREFIX}${datasets.size}`;
          datasets.set(name, (value as Json).values as unknown[]);
          return [key, { name }];
        }
        return [key, lift(value)];
      }),
    );
  };
  return { shape: lift(spec) as Json, datasets };
}

/** Renders a vega-lite spec to an SVG element for inline use (without XML namespace URLs, which HTML does not need). */
export type RenderChart = (spec: Json) => Promise<string>;

/**
 * A renderer for the charts of one report: each shape of chart is compiled and parsed once, and every
 * chart of that shape drawn by a view of its own (a view reused for new data keeps some of the previous
 * chart's layout) that is given the chart's data.
 */
export function chartRenderer(): RenderChart {
  const parsed = new Map<string, vega.Runtime>();
  return async (spec) => {
    const { shape, datasets } = liftData(spec);
    const key = JSON.stringify(shape);
    let runtime = parsed.get(key);
    if (runtime === undefined) {
      runtime = vega.parse(compile(shape as unknown as TopLevelSpec).spec);
      parsed.set(key, runtime);
    }
    const refused: string[] = [];
    const view = new vega.View(runtime, { renderer: "none", loader: offlineLoader(refused), logLevel: vega.Error });
    try {
      // Copies: vega marks the rows it ingests, and the rows are the model's.
      for (const [name, values] of datasets) view.data(name, values.map((row) => (typeof row === "object" && row !== null ? { ...row } : row)));
      const svg = await view.toSVG();
      if (refused.length > 0) throw new Error(`a chart asked for external resources (${refused.join(", ")}); charts must inline their data`);
      // Inline SVG in HTML takes its namespace from the parser; dropping the declarations keeps the page free of URLs.
      return svg.replace(/ xmlns(?::xlink)?="[^"]*"/g, "");
    } finally {
      view.finalize();
    }
  };
}

/** One chart, on its own. */
export const renderChartSvg: RenderChart = (spec) => chartRenderer()(spec);
