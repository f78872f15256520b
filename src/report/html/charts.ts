/** The charts as figures: the SVG rendered at build time, the caption, and the vega-lite spec kept beside it. */
import type { ChartSpec } from "../model.js";
import { html, trusted, type Html } from "./escape.js";
import { renderChartSvg } from "./svg.js";

export interface RenderedChart {
  readonly chart: ChartSpec;
  /** The SVG, or why it could not be drawn (the rest of the report still renders). */
  readonly svg: { readonly ok: true; readonly markup: string } | { readonly ok: false; readonly error: string };
}

export function renderCharts(charts: readonly ChartSpec[]): Promise<RenderedChart[]> {
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

function figure({ chart, svg }: RenderedChart, index: number): Html {
  const drawing = svg.ok ? html`<div class="chart">${trusted(svg.markup)}</div>` : html`<p class="warning">This chart could not be drawn: ${svg.error}</p>`;
  return html`<figure id="chart-${index + 1}" data-chart-id="${chart.id}">
<figcaption><strong>${chart.title}</strong> ${chart.caption}</figcaption>
${drawing}
<details class="spec"><summary>vega-lite specification</summary><pre>${JSON.stringify(chart.spec, null, 2)}</pre></details>
</figure>`;
}

export const chartsSection = (rendered: readonly RenderedChart[]): Html | null => (rendered.length === 0 ? null : html`${rendered.map(figure)}`);
