/**
 * GitHub-flavoured Markdown for a study table (a CI job summary, a PR comment), shaped like the study's
 * tables: case | metric | 1..N | aggregate. Every piece of text that comes from a scenario, a device or a
 * log is escaped: a `|` in a title must not split a cell, a newline must not end the table.
 */
import type { StudyAggregate, StudyCell, StudyTable } from "./study-table.js";

/** ASCII punctuation that Markdown may read as syntax; CommonMark lets a backslash escape each of them. */
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|&~#]/g;

/** Escapes text for inline Markdown (table cells, list items, headings); line breaks become spaces. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, " ")
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
