/** The study-style results table of all cases (like the study's Tables 1 and 2) and the speedups table. */
import { formatAggregate, formatCell } from "../markdown.js";
import type { ReportCase, ReportModel } from "../model.js";
import { html, type Html } from "./escape.js";
import { formatInterval, formatSpeedup, SPEEDUP_READING } from "./format.js";

const ORIGIN_TAG: Readonly<Record<ReportCase["origin"], string>> = { measured: "measured", simulated: "simulated GPU", imported: "imported" };

function caseRows(c: ReportCase, columns: readonly number[]): Html {
  const caseCell = html`<th scope="rowgroup" class="case">${c.label}<span class="meta">${c.gpuModel}, ${c.schedule}, <span class="tag tag-${c.origin}">${ORIGIN_TAG[c.origin]}</span></span></th>`;
  if (c.table.rows.length === 0)
    return html`<tbody><tr>${caseCell}<td colspan="${columns.length + 2}">No metrics were recorded.</td></tr></tbody>`;
  const rows = c.table.rows.map((row, i) => {
    const byColumn = new Map(c.table.columns.map((col, k) => [col.column, row.cells[k]]));
    const cells = columns.map((n) => {
      const cell = byColumn.get(n);
      return cell === undefined ? html`<td class="num"></td>` : html`<td class="num ${cell.kind}">${formatCell(cell)}</td>`;
    });
    // Like the study: the case is named on its first row only.
    return html`<tr>${i === 0 ? caseCell : html`<td></td>`}<th scope="row" class="metric">${row.label}</th>${cells}<td class="num aggregate">${formatAggregate(row.aggregate)}</td></tr>`;
  });
  return html`<tbody>${rows}</tbody>`;
}

export function studyTableSection(model: ReportModel): Html | null {
  if (model.cases.length === 0) return null;
  const columns = [...new Set(model.cases.flatMap((c) => c.table.columns.map((col) => col.column)))].sort((a, b) => a - b);
  return html`<table class="study">
<thead><tr><th scope="col">case</th><th scope="col">metric</th>${columns.map((n) => html`<th scope="col" class="num">${n}</th>`)}<th scope="col" class="num">Avg/Total</th></tr></thead>
${model.cases.map((c) => caseRows(c, columns))}
</table>
<p class="hint">Per instance: mean over measured repetitions (± standard deviation when there were several). Avg/Total by the study's rule: simultaneous jobs average their time and add their throughput; serial jobs add their time and average their throughput.</p>`;
}

export function speedupsSection(model: ReportModel): Html | null {
  if (model.speedups.length === 0) return null;
  const label = new Map(model.cases.map((c) => [c.id, c.label]));
  const rows = model.speedups.map((s) => {
    const differs = s.published !== undefined && formatSpeedup(s.published) !== formatSpeedup(s.value);
    const published = s.published === undefined ? "—" : formatSpeedup(s.published);
    return html`<tr><td>${label.get(s.candidate) ?? s.candidate}</td><td>${label.get(s.baseline) ?? s.baseline}</td><td>${s.role}</td><td class="num speedup">${formatSpeedup(s.value)}</td><td class="num">${formatInterval(s.interval, formatSpeedup)}</td><td class="num${differs ? " differs" : ""}">${published}${differs ? " (differs)" : ""}</td><td>${SPEEDUP_READING[s.role](s.value)}</td></tr>`;
  });
  return html`<table class="speedups">
<thead><tr><th scope="col">case</th><th scope="col">against</th><th scope="col">metric</th><th scope="col" class="num">speedup</th><th scope="col" class="num">95% interval</th><th scope="col" class="num">published</th><th scope="col">reads as</th></tr></thead>
<tbody>${rows}</tbody>
</table>
<p class="hint">Speedup &gt; 1: the case is better than the one it is compared against. Recomputed from the per-instance values; the published figure is shown where an imported table printed one.</p>`;
}
