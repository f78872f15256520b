/**
 * CSV renderings of a report model, one tidy table each (docs/reports.md): `instances` (one row per case ×
 * instance × metric, the default), `aggregates` (one row per case × metric) and `speedups` (one row per
 * compared pair × metric). Numbers are written in full precision; the notice, when there is one, is a
 * first `# ` comment line (read with `comment="#"` in pandas, `comment.char = "#"` in R).
 *
 * Quoting is RFC 4180 (lines end with LF). Text that comes from scenarios, logs or tables and starts like a spreadsheet
 * formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading `'` so that opening the file in a
 * spreadsheet cannot run it.
 */
import type { InstanceMetricStats, ReportCase, ReportModel, SpeedupRow } from "./model.js";

/** A cell: text (quoted, formula-guarded), a number, a list of numbers (`;`-separated), or empty. */
type Cell = string | number | readonly number[] | null | undefined;

interface CsvTable {
  readonly describe: string;
  readonly columns: readonly string[];
  readonly rows: (model: ReportModel) => Cell[][];
}

const FORMULA_START = /^[=+\-@\t\r]/;

function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvCell(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
  if (typeof cell !== "string") return quote(cell.map(String).join(";"));
  return quote(FORMULA_START.test(cell) ? `'${cell}` : cell);
}

const caseCells = (c: ReportCase): Cell[] => [c.id, c.label, c.origin, c.runId, c.gpuModel, c.schedule];
const CASE_COLUMNS = ["case", "label", "origin", "run_id", "gpu", "schedule"];

function instanceRow(c: ReportCase, s: InstanceMetricStats): Cell[] {
  const m = s.summary;
  return [
    ...caseCells(c),
    s.role,
    s.unit,
    s.column,
    s.instanceId,
    s.values.length,
    m?.mean,
    m?.median,
    // One value shows no spread: leave it empty rather than write 0.
    m && m.n >= 2 ? m.stddev : undefined,
    m && m.n >= 2 ? m.cv : undefined,
    m?.ci95?.[0],
    m?.ci95?.[1],
    m?.medianCi95?.[0],
    m?.medianCi95?.[1],
    m?.min,
    m?.max,
    s.values,
    s.outliers,
  ];
}

const speedupRow = (r: SpeedupRow): Cell[] => [
  r.candidate,
  r.baseline,
  r.role,
  r.better,
  r.value,
  r.interval?.[0],
  r.interval?.[1],
  r.aggregates?.baseline,
  r.aggregates?.candidate,
  r.published,
  r.publishedAggregates?.baseline,
  r.publishedAggregates?.candidate,
];

/** The tables `--table` chooses from; the first is the default. */
export const CSV_TABLES = {
  instances: {
    describe: "one row per case × instance × metric: values over the measured repetitions and their statistics",
    columns: [...CASE_COLUMNS, "role", "unit", "column", "instance", "n", "mean", "median", "stddev", "cv", "ci95_low", "ci95_high", "median_ci95_low", "median_ci95_high", "min", "max", "values", "outlier_indexes"],
    rows: (model) => model.cases.flatMap((c) => c.instances.map((s) => instanceRow(c, s))),
  },
  aggregates: {
    describe: "one row per case × metric: the aggregate by the study's rule",
    columns: [...CASE_COLUMNS, "role", "unit", "kind", "value", "stddev", "repetitions", "makespan", "per_repetition"],
    rows: (model) =>
      model.cases.flatMap((c) =>
        c.table.rows.map((r) => [...caseCells(c), r.role, r.unit, r.aggregate?.kind, r.aggregate?.mean, r.aggregate?.stddev, r.aggregate?.n, r.aggregate?.makespan, c.aggregatesByRepetition[r.role] ?? []]),
      ),
  },
  speedups: {
    describe: "one row per compared pair × metric (value > 1: the candidate is better)",
    columns: ["candidate", "baseline", "role", "better", "speedup", "interval_low", "interval_high", "baseline_aggregate", "candidate_aggregate", "published", "published_baseline", "published_candidate"],
    rows: (model) => model.speedups.map(speedupRow),
  },
} as const satisfies Record<string, CsvTable>;

export type CsvTableName = keyof typeof CSV_TABLES;
export const CSV_TABLE_NAMES = Object.keys(CSV_TABLES) as CsvTableName[];

export function renderCsv(model: ReportModel, table: CsvTableName = "instances"): string {
  const spec: CsvTable = CSV_TABLES[table];
  const lines: string[] = [];
  if (model.notice !== null) lines.push(`# ${model.notice.replace(/[\r\n]+/g, " ")}`);
  lines.push(spec.columns.map((c) => csvCell(c)).join(","));
  for (const row of spec.rows(model)) lines.push(row.map(csvCell).join(","));
  return `${lines.join("\n")}\n`;
}
