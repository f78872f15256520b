/**
 * One self-contained HTML file for a report model: inline CSS, charts drawn to inline SVG at build time,
 * no script, no request for anything outside the file. Sections come from a registry, in reading order;
 * a section with nothing to show is left out (and out of the contents).
 */
import type { ReportModel } from "../model.js";
import { definitionSection, environmentSection, notesSection, scenariosSection, validitySection } from "./cases.js";
import { chartsSection, renderCharts, type RenderedChart } from "./charts.js";
import { html, type Html } from "./escape.js";
import { statisticsSection } from "./statistics.js";
import { STYLE } from "./style.js";
import { speedupsSection, studyTableSection } from "./tables.js";

interface Section {
  readonly id: string;
  readonly title: string;
  readonly render: (model: ReportModel, charts: readonly RenderedChart[]) => Html | null;
}

export const SECTIONS: readonly Section[] = [
  { id: "results", title: "Results", render: studyTableSection },
  { id: "speedups", title: "Speedups", render: speedupsSection },
  { id: "charts", title: "Charts", render: (_model, charts) => chartsSection(charts) },
  { id: "statistics", title: "Per-instance statistics", render: statisticsSection },
  { id: "environment", title: "Environment", render: environmentSection },
  { id: "validity", title: "Validity and warnings", render: validitySection },
  { id: "notes", title: "Notes", render: notesSection },
  { id: "scenarios", title: "Scenario files", render: scenariosSection },
  { id: "definition", title: "Report definition", render: definitionSection },
];

export async function renderHtml(model: ReportModel): Promise<string> {
  const charts = await renderCharts(model.charts);
  const sections = SECTIONS.flatMap((s) => {
    const body = s.render(model, charts);
    return body === null ? [] : [{ ...s, body }];
  });
  const title = model.notice === null ? model.title : `${model.notice} | ${model.title}`;
  // The notice is the body's first line: no excerpt, preview or printout of a simulated or imported report loses it.
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${model.harness.name} ${model.harness.version}">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
${model.notice === null ? null : html`<p class="notice" role="note">${model.notice}</p>`}
<header>
<h1>${model.title}</h1>
${model.description === undefined ? null : html`<p class="description">${model.description}</p>`}
<p class="meta">Generated ${model.generatedAt} by ${model.harness.name} ${model.harness.version}; ${model.cases.length} case(s).</p>
</header>
<nav aria-label="Contents"><ol>${sections.map((s) => html`<li><a href="#${s.id}">${s.title}</a></li>`)}</ol></nav>
<main>
${sections.map((s) => html`<section id="${s.id}">
<h2>${s.title}</h2>
${s.body}
</section>
`)}</main>
</body>
</html>
`;
  return page.value;
}
