/**
 * GitHub-flavoured Markdown for a study table (a CI job summary, a PR comment), shaped like the study's
 * tables: case | metric | 1..N | aggregate; and for a whole report model (`renderReportMarkdown`). Every piece of text that comes from a scenario, a device or a
 * log is escaped: a `|` in a title must not split a cell, a newline must not end the table.
 */
import type { MetricRole } from "../scenario/schema.js";
import type { ReportModel, SpeedupRow } from "./model.js";
import type { StudyAggregate, StudyCell, StudyTable } from "./study-table.js";

/** ASCII punctuation that Markdown may read as syntax; CommonMark lets a backslash escape each of them. */
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|&~#]/g;

/** Control characters other than line breaks: an escape sequence in a title must not reach a terminal. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * Escapes text for inline Markdown (table cells, list items, headings); line breaks become spaces and
 * other control characters U+FFFD, since the same text is printed on terminals.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, " ")
    .replace(CONTROL, "\uFFFD")
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .trim();
}

export const formatNumber = (x: number): string => x.toFixed(2);

/** How a cell without a value reads. */
const EMPTY_CELL: Readonly<Record<Exclude<StudyCell["kind"], "value">, string>> = {
  failed: "failed",
  "no-value": "—",
  "not-run": "not run",
};

export function formatCell(cell: StudyCell): string {
  if (cell.kind !== "value") return EMPTY_CELL[cell.kind];
  const spread = cell.stddev !== undefined ? ` ± ${formatNumber(cell.stddev)}` : "";
  // Fewer values than repetitions: say so in the cell, where a reader compares the numbers.
  const partial = cell.n < cell.of ? ` (n=${cell.n}/${cell.of})` : "";
  return `${formatNumber(cell.mean)}${spread}${partial}`;
}

export function formatAggregate(aggregate: StudyAggregate | null): string {
  if (aggregate === null) return "n/a";
  const spread = aggregate.stddev !== undefined ? ` ± ${formatNumber(aggregate.stddev)}` : "";
  return `${formatNumber(aggregate.mean)}${spread} (${aggregate.kind})`;
}

const tableRow = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function renderMarkdown(model: StudyTable): string {
  const lines: string[] = [];
  // The notice goes first so that no excerpt of a simulated report (a summary line, a preview) loses it.
  if (model.notice !== null) lines.push(`> **${escapeMarkdown(model.notice)}**`, "");
  lines.push(`## ${escapeMarkdown(model.title)}`, "");
  const warmups = model.warmupRepetitions > 0 ? `, ${plural(model.warmupRepetitions, "warm-up")} not counted` : "";
  lines.push(
    escapeMarkdown(
      `Run ${model.runId} (${model.runStatus}) on ${model.gpuModel}, ${model.schedule} schedule, ` +
        `${plural(model.measuredRepetitions, "measured repetition")}${warmups}.`,
    ),
    "",
  );

  lines.push(tableRow(["case", "metric", ...model.columns.map((c) => String(c.column)), "aggregate"]));
  lines.push(tableRow(["---", "---", ...model.columns.map(() => "---:"), "---:"]));
  model.rows.forEach((row, i) => {
    // Like the study: the case is named on its first row only.
    const caseCell = i === 0 ? escapeMarkdown(model.caseLabel) : "";
    lines.push(tableRow([caseCell, escapeMarkdown(row.label), ...row.cells.map(formatCell), formatAggregate(row.aggregate)]));
  });
  if (model.rows.length === 0) lines.push("", "No metrics were recorded.");

  lines.push("", "Columns:", "");
  for (const c of model.columns) {
    const uuid = c.deviceUuid ? ` (${c.deviceUuid})` : "";
    lines.push(`- ${escapeMarkdown(`${c.column}: ${c.instanceId} on ${c.deviceLabel}${uuid}`)}`);
  }

  if (model.notes.length > 0) {
    lines.push("", "Notes:", "");
    for (const note of model.notes) lines.push(`- ${escapeMarkdown(note)}`);
  }
  return `${lines.join("\n")}\n`;
}

// ---- The whole report (`bench report --format md`).

const fixed = (x: number): string => x.toFixed(2);

/** How a speedup reads, by metric: the ratio shown, the two aggregates it divides, the words around it. */
interface SpeedupWording {
  /** The ratio shown, from the model's "> 1 is better" value. */
  readonly shown: (value: number) => number;
  readonly fraction: (a: { readonly baseline: number; readonly candidate: number }) => readonly [number, number];
  /** In the table's cell. */
  readonly cell: (ratio: string) => string;
  /** In a sentence. */
  readonly phrase: (ratio: string) => string;
}

const AS_IS = (value: number): number => value;

export const SPEEDUP_WORDING: Readonly<Record<MetricRole, SpeedupWording>> = {
  time: { shown: AS_IS, fraction: (a) => [a.baseline, a.candidate], cell: (r) => `${r}x`, phrase: (r) => `${r}x faster` },
  throughput: { shown: AS_IS, fraction: (a) => [a.candidate, a.baseline], cell: (r) => `${r}x`, phrase: (r) => `${r}x the throughput` },
  // Latency reads the study's way: the candidate's latency as a multiple of the baseline's.
  latency: { shown: (v) => 1 / v, fraction: (a) => [a.candidate, a.baseline], cell: (r) => `at ${r}x the latency`, phrase: (r) => `at ${r}x the latency` },
};

const shownRatio = (row: SpeedupRow, value: number): string => fixed(SPEEDUP_WORDING[row.role].shown(value));

function shownInterval(row: SpeedupRow): string {
  if (!row.interval) return "—";
  const [a, b] = row.interval.map((v) => SPEEDUP_WORDING[row.role].shown(v));
  return `${fixed(Math.min(a as number, b as number))}–${fixed(Math.max(a as number, b as number))}`;
}

const fraction = (row: SpeedupRow, a: SpeedupRow["aggregates"]): string => {
  if (!a) return "";
  const [n, d] = SPEEDUP_WORDING[row.role].fraction(a);
  return `${fixed(n)} / ${fixed(d)}`;
};

/** Published and recomputed ratios that read differently at two decimals. */
const disagrees = (row: SpeedupRow): boolean => row.published !== undefined && shownRatio(row, row.published) !== shownRatio(row, row.value);

function labelOf(model: ReportModel): (id: string) => string {
  const labels = new Map(model.cases.map((c) => [c.id, c.label]));
  return (id) => escapeMarkdown(labels.get(id) ?? id);
}

function resultsSection(model: ReportModel): string[] {
  const width = Math.max(0, ...model.cases.map((c) => c.table.columns.length));
  const numbers = Array.from({ length: width }, (_, k) => String(k + 1));
  const lines = ["## Results", "", tableRow(["case", "metric", ...numbers, "aggregate"]), tableRow(["---", "---", ...numbers.map(() => "---:"), "---:"])];
  for (const c of model.cases) {
    const pad = (cells: string[]): string[] => [...cells, ...Array.from({ length: width - cells.length }, () => "")];
    if (c.table.rows.length === 0) lines.push(tableRow([escapeMarkdown(c.label), "no metrics recorded", ...pad([]), ""]));
    c.table.rows.forEach((row, i) => {
      // Like the study: the case is named on its first row only.
      lines.push(tableRow([i === 0 ? escapeMarkdown(c.label) : "", escapeMarkdown(row.label), ...pad(row.cells.map(formatCell)), formatAggregate(row.aggregate)]));
    });
  }
  lines.push("", "Aggregates follow the study's rule: instances run together average their times and add their throughputs; instances run one after another add their times and average their throughputs.", "");
  for (const c of model.cases) {
    const t = c.table;
    const how =
      c.origin === "imported"
        ? `imported from a published table; ${t.gpuModel}, ${t.schedule} schedule`
        : `run ${t.runId} (${t.runStatus}) on ${t.gpuModel}${c.origin === "simulated" ? " (simulated)" : ""}, ${t.schedule} schedule, ${plural(t.measuredRepetitions, "measured repetition")}` +
          (t.warmupRepetitions > 0 ? `, ${plural(t.warmupRepetitions, "warm-up")} not counted` : "");
    lines.push(`- **${escapeMarkdown(c.label)}** (${escapeMarkdown(c.id)}): ${escapeMarkdown(how)}${c.runDir ? `; ${escapeMarkdown(c.runDir)}` : ""}`);
  }
  return lines;
}

function speedupsSection(model: ReportModel): string[] {
  if (model.speedups.length === 0) return [];
  const label = labelOf(model);
  const anyPublished = model.speedups.some((r) => r.published !== undefined);
  const lines = ["## Speedups", ""];
  lines.push(tableRow(["candidate", "baseline", "metric", "speedup", "95% interval", ...(anyPublished ? ["published"] : [])]));
  lines.push(tableRow(["---", "---", "---", "---:", "---:", ...(anyPublished ? ["---:"] : [])]));
  for (const row of model.speedups) {
    const wording = SPEEDUP_WORDING[row.role];
    const published = row.published !== undefined ? wording.cell(shownRatio(row, row.published)) : "—";
    lines.push(tableRow([label(row.candidate), label(row.baseline), row.role, wording.cell(shownRatio(row, row.value)), shownInterval(row), ...(anyPublished ? [published] : [])]));
  }
  lines.push("", "Speedups divide the aggregates: above 1.00x the candidate is better (less time, more throughput); latency reads as the candidate's latency as a multiple of the baseline's. Intervals: bootstrap over complete repetitions, where both cases have at least two.", "");

  // One sentence per pair, the published figure first where a table printed one.
  const pairs = new Map<string, SpeedupRow[]>();
  for (const row of model.speedups) pairs.set(`${row.candidate}\u0000${row.baseline}`, [...(pairs.get(`${row.candidate}\u0000${row.baseline}`) ?? []), row]);
  for (const rows of pairs.values()) {
    const first = rows[0] as SpeedupRow;
    const phrases = rows.map((r) => {
      const wording = SPEEDUP_WORDING[r.role];
      if (r.published === undefined) return wording.phrase(shownRatio(r, r.value));
      return `${wording.phrase(shownRatio(r, r.published))}${disagrees(r) ? ` (published; ${shownRatio(r, r.value)}x recomputed)` : ""}`;
    });
    lines.push(`- **${label(first.candidate)}** against **${label(first.baseline)}**: ${phrases.join(", ")}.`);
  }
  for (const row of model.speedups.filter(disagrees)) {
    const published = shownRatio(row, row.published as number);
    lines.push(
      `- ${row.role}, ${label(row.candidate)} against ${label(row.baseline)}: the published aggregates give ${fraction(row, row.publishedAggregates)} = ${published}x; ` +
        `recomputed from the per-instance values, ${fraction(row, row.aggregates)} = ${shownRatio(row, row.value)}x. Both are shown because the table's aggregates were computed from unrounded data that its printed per-instance values no longer carry.`,
    );
  }
  return lines;
}

const interval = (ci: readonly [number, number] | undefined): string => (ci ? `${fixed(ci[0])}–${fixed(ci[1])}` : "—");

function statisticsSection(model: ReportModel): string[] {
  const rows = model.cases.flatMap((c) => c.instances.filter((s) => s.summary !== undefined && s.summary.n >= 2).map((s) => ({ c, s })));
  if (rows.length === 0) return [];
  const lines = ["## Per-instance statistics", "", tableRow(["case", "instance", "metric", "n", "mean", "median", "sd", "cv", "95% CI (mean)", "95% CI (median)", "outliers"])];
  lines.push(tableRow(["---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"]));
  for (const { c, s } of rows) {
    const sum = s.summary as NonNullable<typeof s.summary>;
    const outliers = s.outliers.map((k) => `${fixed(s.values[k] as number)} (repetition ${k + 1})`).join(", ") || "none";
    lines.push(
      tableRow([
        escapeMarkdown(c.id),
        escapeMarkdown(s.instanceId),
        `${s.role} (${escapeMarkdown(s.unit)})`,
        String(sum.n),
        fixed(sum.mean),
        fixed(sum.median),
        fixed(sum.stddev),
        `${(sum.cv * 100).toFixed(2)}%`,
        interval(sum.ci95),
        interval(sum.medianCi95),
        outliers,
      ]),
    );
  }
  lines.push("", "Outliers lie beyond Tukey's fences (1.5 IQR; four or more repetitions); they are flagged, never dropped.");
  return lines;
}

function latencySection(model: ReportModel): string[] {
  const rows = model.cases.flatMap((c) => c.latency.map((d) => ({ c, d })));
  if (rows.length === 0) return [];
  const lines = ["## Latency distributions", "", "From the raw samples of the measured repetitions.", "", tableRow(["case", "instance", "samples", "p50", "p90", "p95", "p99", "max"])];
  lines.push(tableRow(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]));
  for (const { c, d } of rows) lines.push(tableRow([escapeMarkdown(c.id), escapeMarkdown(d.instanceId), String(d.count), ...[d.p50, d.p90, d.p95, d.p99, d.max].map(fixed)]));
  return lines;
}

function telemetrySection(model: ReportModel): string[] {
  const withSeries = model.cases.filter((c) => c.telemetry.length > 0);
  if (withSeries.length === 0) return [];
  const lines = ["## Telemetry", "", "Recorded series (charted in the HTML report):", ""];
  for (const c of withSeries) {
    const series = c.telemetry.map((s) => `GPU ${s.gpu} ${s.field} (${s.unit}, ${plural(s.points.length, "point")})`);
    lines.push(`- **${escapeMarkdown(c.label)}**: ${escapeMarkdown(series.join(", "))}`);
  }
  return lines;
}

function environmentSection(model: ReportModel): string[] {
  const cases = model.cases.filter((c) => c.environment.length > 0);
  if (cases.length === 0) return [];
  const labels = [...new Set(cases.flatMap((c) => c.environment.map(([label]) => label)))];
  const lines = ["## Environment", "", tableRow(["", ...cases.map((c) => escapeMarkdown(c.label))]), tableRow(["---", ...cases.map(() => "---")])];
  for (const label of labels) lines.push(tableRow([escapeMarkdown(label), ...cases.map((c) => escapeMarkdown(c.environment.find(([l]) => l === label)?.[1] ?? ""))]));
  return lines;
}

function validitySection(model: ReportModel): string[] {
  const lines = ["## Validity and warnings", ""];
  for (const c of model.cases) {
    const verdict = c.validity.valid ? "valid" : `NOT valid: ${c.validity.reasons.join("; ") || "no reason recorded"}`;
    lines.push(`- **${escapeMarkdown(c.label)}**: ${escapeMarkdown(`${c.status}, ${verdict}.`)}`);
    for (const warning of c.warnings) lines.push(`  - Warning: ${escapeMarkdown(warning)}`);
  }
  return lines;
}

function notesSection(model: ReportModel): string[] {
  const cases = model.cases.filter((c) => c.table.notes.length > 0);
  if (model.notes.length === 0 && cases.length === 0) return [];
  const lines = ["## Notes", ""];
  for (const note of model.notes) lines.push(`- ${escapeMarkdown(note)}`);
  for (const c of cases) {
    lines.push(`- **${escapeMarkdown(c.label)}**`);
    for (const note of c.table.notes) lines.push(`  - ${escapeMarkdown(note)}`);
  }
  return lines;
}

/** The report's sections in order; each returns no lines when it has nothing to show. */
const REPORT_SECTIONS: readonly ((model: ReportModel) => string[])[] = [
  resultsSection,
  speedupsSection,
  statisticsSection,
  latencySection,
  telemetrySection,
  environmentSection,
  validitySection,
  notesSection,
];

export function renderReportMarkdown(model: ReportModel): string {
  const lines: string[] = [];
  // The notice goes first so that no excerpt (a summary line, a preview) loses it.
  if (model.notice !== null) lines.push(`> **${escapeMarkdown(model.notice)}**`, "");
  lines.push(`# ${escapeMarkdown(model.title)}`, "");
  if (model.description) lines.push(escapeMarkdown(model.description), "");
  const from = model.definition ? ` from ${model.definition.file}` : "";
  lines.push(escapeMarkdown(`Generated ${model.generatedAt} by ${model.harness.name} ${model.harness.version}${from}.`));
  for (const section of REPORT_SECTIONS) {
    const part = section(model);
    if (part.length > 0) lines.push("", ...part);
  }
  return `${lines.join("\n")}\n`;
}
