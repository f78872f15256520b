/**
 * `bench compare` output: GitHub-flavoured Markdown for a CI job summary (a table of verdicts, then the
 * reasons and notes), and JSON of the same model. Every number is decided by compare.ts; this only formats.
 */
import type { MetricComparison, RunComparison } from "./compare.js";
import { escapeMarkdown } from "./markdown.js";

const tableRow = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;

/** Two decimals like the study tables; three significant digits for small values, which would read 0.00. */
export function formatMedian(x: number): string {
  return Math.abs(x) >= 1 || x === 0 ? x.toFixed(2) : x.toPrecision(3);
}

const signedPercent = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

export function formatP(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function changeCell(m: MetricComparison): string {
  const r = m.result;
  if (!r || r.change === null) return "n/a";
  const interval = r.changeInterval ? ` [${signedPercent(r.changeInterval[0])}, ${signedPercent(r.changeInterval[1])}]` : "";
  return `${signedPercent(r.change)}${interval}`;
}

const sideCell = (median: number | null, n: number): string => (median === null ? `— (${n})` : `${formatMedian(median)} (${n})`);

/** The verdicts that need a reader's eye stand out. */
const VERDICT_CELL: Readonly<Record<MetricComparison["verdict"], string>> = {
  SAME: "SAME",
  FASTER: "**FASTER**",
  SLOWER: "**SLOWER**",
  UNCERTAIN: "UNCERTAIN",
};

export function renderCompareMarkdown(model: RunComparison): string {
  const lines: string[] = [];
  // First, so that no excerpt of the summary loses it.
  if (model.notice !== null) lines.push(`> **${escapeMarkdown(model.notice)}**`, "");
  lines.push(`## ${escapeMarkdown(`Comparison: ${model.base.runId} → ${model.candidate.runId}`)}`, "");
  const slower = model.metrics.filter((m) => m.verdict === "SLOWER").map((m) => m.label);
  lines.push(
    escapeMarkdown(slower.length > 0 ? `Regression: ${slower.join(", ")} got slower beyond the threshold.` : "No metric got slower beyond the threshold."),
    "",
    escapeMarkdown(
      `Base ${model.base.runId} (${model.base.scenario}, ${model.base.gpuModel}), new ${model.candidate.runId} (${model.candidate.scenario}, ${model.candidate.gpuModel}). ` +
        `Mann–Whitney U on per-execution values at alpha ${model.alpha}; threshold ${(model.threshold * 100).toFixed(1)}% of the base median. ` +
        `Change is new against base, in the metric's own direction, with its bootstrap interval.`,
    ),
    "",
  );
  if (model.metrics.length > 0) {
    lines.push(tableRow(["metric", "unit", "base median (n)", "new median (n)", "change", "p", "verdict"]));
    lines.push(tableRow(["---", "---", "---:", "---:", "---:", "---:", "---"]));
    for (const m of model.metrics)
      lines.push(
        tableRow([
          escapeMarkdown(m.label),
          escapeMarkdown(m.unit),
          sideCell(m.base.median, m.base.values.length),
          sideCell(m.candidate.median, m.candidate.values.length),
          changeCell(m),
          m.result ? formatP(m.result.pValue) : "n/a",
          VERDICT_CELL[m.verdict],
        ]),
      );
    lines.push("", "Verdicts:", "");
    for (const m of model.metrics) lines.push(`- ${escapeMarkdown(`${m.label} (${m.better} is better): ${m.verdict}, ${m.reason}.`)}`);
  }
  if (model.notes.length > 0) {
    lines.push("", "Notes:", "");
    for (const note of model.notes) lines.push(`- ${escapeMarkdown(note)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderCompareJson(model: RunComparison): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
