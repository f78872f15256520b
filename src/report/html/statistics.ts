/** Per-instance statistics of each case: what a reader checks before trusting a mean. */
import { formatNumber } from "../markdown.js";
import type { InstanceMetricStats, ReportCase, ReportModel } from "../model.js";
import { ROW_SPECS } from "../study-table.js";
import { html, type Html } from "./escape.js";
import { formatInterval, formatPercent } from "./format.js";

const roleOrder = (s: InstanceMetricStats): number => ROW_SPECS.findIndex((r) => r.role === s.role);

function valuesCell(s: InstanceMetricStats): Html {
  const values = s.values.map((v, i) =>
    s.outliers.includes(i) ? html`<mark class="outlier" title="outlier (Tukey's fences, 1.5 IQR), kept">${formatNumber(v)} (outlier)</mark>` : html`${formatNumber(v)}`,
  );
  return html`<td class="num values">${values.map((v, i) => (i === 0 ? v : html`, ${v}`))}</td>`;
}

function statsRow(s: InstanceMetricStats): Html {
  const head = html`<td class="num">${s.column}</td><th scope="row">${s.instanceId}</th><td>${s.role} (${s.unit})</td>`;
  const m = s.summary;
  if (m === undefined) return html`<tr>${head}<td class="num">0</td><td colspan="8">no value in any measured repetition</td></tr>`;
  // One value shows no spread: a dash, not a zero that reads like a measured one.
  const spread = (text: string): string => (m.n >= 2 ? text : "—");
  return html`<tr>${head}<td class="num">${m.n}</td><td class="num">${formatNumber(m.mean)}</td><td class="num">${formatNumber(m.median)}</td><td class="num">${spread(formatNumber(m.stddev))}</td><td class="num">${spread(formatPercent(m.cv))}</td><td class="num">${formatInterval(m.ci95)}</td><td class="num">${formatNumber(m.min)}</td><td class="num">${formatNumber(m.max)}</td>${valuesCell(s)}</tr>`;
}

function caseStatistics(c: ReportCase): Html {
  const rows = [...c.instances].sort((a, b) => roleOrder(a) - roleOrder(b) || a.column - b.column).map(statsRow);
  const outliers = c.instances.reduce((n, s) => n + s.outliers.length, 0);
  return html`<h3>${c.label}</h3>
${
  rows.length === 0
    ? html`<p>No per-instance values.</p>`
    : html`<table class="stats">
<thead><tr><th scope="col" class="num">column</th><th scope="col">instance</th><th scope="col">metric</th><th scope="col" class="num">n</th><th scope="col" class="num">mean</th><th scope="col" class="num">median</th><th scope="col" class="num">sd</th><th scope="col" class="num">cv</th><th scope="col" class="num">95% CI</th><th scope="col" class="num">min</th><th scope="col" class="num">max</th><th scope="col" class="num">values by repetition</th></tr></thead>
<tbody>${rows}</tbody>
</table>${outliers > 0 ? html`<p class="warning">${outliers} outlier value(s) flagged; they are kept in every mean.</p>` : null}`
}`;
}

export function statisticsSection(model: ReportModel): Html | null {
  if (model.cases.length === 0) return null;
  return html`${model.cases.map(caseStatistics)}`;
}
