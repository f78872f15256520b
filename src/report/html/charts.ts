/** The charts as figures: the SVG rendered at build time, the caption, and the vega-lite spec kept beside it. */
import type { ChartSpec } from "../model.js";
import { contentText, html, trusted, type Html } from "./escape.js";
import { chartRenderer } from "./svg.js";

export interface RenderedChart {
  readonly chart: ChartSpec;
  /** The SVG, or why it could not be drawn (the rest of the report still renders). */
  readonly svg: { readonly ok: true; readonly markup: string } | { readonly ok: false; readonly error: string };
}

export function renderCharts(charts: readonly ChartSpec[]): Promise<RenderedChart[]> {
  const renderChartSvg = chartRenderer();
  return Promise.all(
    charts.map(async (chart) => {
      try {
        return { chart, svg: { ok: true as const, markup: await renderChartSvg(chart.spec) } };
      } catch (error) {
        return { chart, svg: { ok: false as const, error: error instanceof Error ? error.message : String(error) } };
      }
    }),
  );
}

/** A spec as JSON to read and copy: indented, but each object or array of plain values (a data row, an encoding) on one line. */
export function specText(value: unknown, indent = ""): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  const plain = (v: unknown): boolean => typeof v !== "object" || v === null;
  if (Array.isArray(value) ? value.every(plain) : Object.values(value).every(plain)) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[\n${value.map((v) => inner + specText(v, inner)).join(",\n")}\n${indent}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${specText(v, inner)}`).join(",\n")}\n${indent}}`;
}

function figure({ chart, svg }: RenderedChart, index: number): Html {
  const drawing = svg.ok ? html`<div class="chart">${trusted(svg.markup)}</div>` : html`<p class="warning">This chart could not be drawn: ${svg.error}</p>`;
  return html`<figure id="chart-${index + 1}" data-chart-id="${chart.id}">
<figcaption><strong>${chart.title}</strong> ${chart.caption}</figcaption>
${drawing}
<details class="spec"><summary>vega-lite specification</summary><pre>${contentText(specText(chart.spec))}</pre></details>
</figure>`;
}

export const chartsSection = (rendered: readonly RenderedChart[]): Html | null => (rendered.length === 0 ? null : html`${rendered.map(figure)}`);
