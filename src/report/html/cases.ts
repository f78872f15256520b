/** Per case: the environment it ran in, its validity verdict and warnings, and the scenario file embedded. */
import type { ReportCase, ReportModel } from "../model.js";
import { html, type Html } from "./escape.js";

function environment(c: ReportCase): Html {
  const run = html`<dl class="env">
<dt>run</dt><dd>${c.runId} (${c.status})</dd>
<dt>run directory</dt><dd>${c.runDir ?? "none (imported in memory)"}</dd>
${c.environment.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}
</dl>`;
  return html`<h3>${c.label}</h3>${run}${c.environment.length === 0 ? html`<p class="hint">No environment recorded for this case.</p>` : null}`;
}

function validity(c: ReportCase): Html {
  const verdict = c.validity.valid
    ? html`<p class="verdict valid">Valid.</p>`
    : html`<p class="verdict invalid">NOT valid${c.validity.reasons.length === 0 ? ": no reason recorded." : ":"}</p>${c.validity.reasons.length > 0 ? html`<ul>${c.validity.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : null}`;
  const warnings = c.warnings.length === 0 ? null : html`<p>Warnings:</p><ul class="warnings">${c.warnings.map((w) => html`<li>${w}</li>`)}</ul>`;
  const notes = c.table.notes.length === 0 ? null : html`<p>Notes:</p><ul>${c.table.notes.map((n) => html`<li>${n}</li>`)}</ul>`;
  return html`<h3>${c.label}</h3>${verdict}${warnings}${notes}`;
}

function scenario(c: ReportCase): Html | null {
  if (c.scenario === null) return null;
  return html`<h3>${c.label}</h3><p class="file">${c.scenario.file}</p><pre class="source">${c.scenario.text}</pre>`;
}

export const environmentSection = (model: ReportModel): Html | null => (model.cases.length === 0 ? null : html`${model.cases.map(environment)}`);

export const validitySection = (model: ReportModel): Html | null => (model.cases.length === 0 ? null : html`${model.cases.map(validity)}`);

export function scenariosSection(model: ReportModel): Html | null {
  const files = model.cases.map(scenario).filter((s): s is Html => s !== null);
  return files.length === 0 ? null : html`${files}`;
}

export function definitionSection(model: ReportModel): Html | null {
  if (model.definition === null) return null;
  return html`<p class="file">${model.definition.file}</p><pre class="source">${model.definition.text}</pre>`;
}

export function notesSection(model: ReportModel): Html | null {
  return model.notes.length === 0 ? null : html`<ul>${model.notes.map((n) => html`<li>${n}</li>`)}</ul>`;
}
