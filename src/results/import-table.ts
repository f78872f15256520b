/**
 * A published table as CSV (docs/import-format.md): one row per case and metric, the per-instance figures
 * in columns named 1..N, the case's metadata (GPU, device, schedule, metric name and unit) in named
 * columns, and `# key: value` lines for where the table came from. Parsed and checked here (zod per row,
 * consistency across a case's rows) into plain cases; `import.ts` turns a case into a run directory.
 */
import { z } from "zod";
import { InputError } from "../errors.js";

export const IMPORT_ROLES = ["time", "throughput", "latency"] as const;
export type ImportRole = (typeof IMPORT_ROLES)[number];

export interface ImportedRow {
  readonly role: ImportRole;
  /** The metric's name in the table (`fine-tuning time`); the role when the table gives none. */
  readonly metric: string;
  readonly unit: string;
  /** By instance column 1..N; null where the table has a blank. */
  readonly values: readonly (number | null)[];
  readonly aggregate?: { readonly value: number; readonly kind?: "Avg" | "Total" };
  readonly note?: string;
  /** 1-based line of the CSV. */
  readonly line: number;
}

export interface ImportedCase {
  /** The `case` column: an identifier, used in the run directory's name. */
  readonly id: string;
  readonly title?: string;
  readonly gpu: string;
  /** What each instance ran on: a MIG profile (`1g.5gb`), or undefined for the whole GPU. */
  readonly migProfile?: string;
  readonly schedule: "parallel" | "serial";
  readonly workload: string;
  readonly rows: readonly ImportedRow[];
  /** The CSV's header and this case's rows, as text (kept in the manifest like a scenario's text). */
  readonly text: string;
}

export interface ImportedTable {
  /** `# key: value` lines before the header. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly cases: readonly ImportedCase[];
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A figure as tables print it: digits, an optional sign and decimals; no thousands separators. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const FULL_GPU = new Set(["", "full-gpu", "gpu", "none"]);

const rowSchema = z.object({
  case: z.string().regex(IDENTIFIER, "case: use letters, digits, '.', '_' and '-' (it names the run directory)"),
  title: z.string().optional(),
  gpu: z.string().min(1, "gpu: name the GPU model, e.g. A100-SXM4-40GB"),
  device: z.string().optional(),
  schedule: z.enum(["parallel", "serial"], { message: "schedule: expected parallel or serial" }),
  role: z.enum(IMPORT_ROLES, { message: "role: expected time, throughput or latency" }),
  metric: z.string().optional(),
  unit: z.string().min(1, "unit: give the metric's unit, e.g. s or sequences/s"),
  workload: z.string().regex(IDENTIFIER, "workload: use letters, digits, '.', '_' and '-'").optional(),
  aggregate: z.string().regex(DECIMAL, "aggregate: expected a number such as 224.04").optional(),
  aggregate_kind: z.enum(["Avg", "Total"], { message: "aggregate_kind: expected Avg or Total" }).optional(),
  note: z.string().optional(),
});

const REQUIRED_COLUMNS = ["case", "gpu", "schedule", "role", "unit"] as const;
const KNOWN_COLUMNS = new Set([...Object.keys(rowSchema.shape)]);

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and newlines. Returns rows with their first line. */
export function parseCsv(text: string): { cells: string[]; line: number }[] {
  const rows: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === "") {
      quoted = true;
      atStart = false;
    } else if (c === ",") {
      cells.push(cell);
      cell = "";
      atStart = false;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      if (!atStart || cell !== "") rows.push({ cells: [...cells, cell], line: rowLine });
      cells = [];
      cell = "";
      atStart = true;
      line++;
      rowLine = line;
    } else {
      cell += c;
      atStart = false;
    }
  }
  if (quoted) throw new InputError(`line ${rowLine}: a quoted field is never closed`);
  if (!atStart || cell !== "") rows.push({ cells: [...cells, cell], line: rowLine });
  return rows;
}

const quote = (cell: string): string => (/[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** Parses and checks a table; every problem is reported as `file:line: message`, all of them at once. */
export function parseImportTable(text: string, file: string): ImportedTable {
  const problems: string[] = [];
  const metadata: Record<string, string> = {};
  const rows = parseCsv(text.replace(/^\uFEFF/, ""));
  const isComment = (r: { cells: string[] }): boolean => (r.cells[0] ?? "").trimStart().startsWith("#");
  for (const r of rows.filter(isComment)) {
    const m = /^#\s*([A-Za-z][\w -]*?)\s*:\s*(.*)$/.exec(r.cells.join(","));
    if (m) metadata[(m[1] as string).toLowerCase()] = (m[2] as string).trim();
  }
  const data = rows.filter((r) => !isComment(r) && r.cells.some((c) => c.trim() !== ""));
  const header = data[0];
  if (!header) throw new InputError(`${file}: no header line; see docs/import-format.md`);
  const names = header.cells.map((c) => c.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  const instanceColumns = names.flatMap((n, k) => (/^\d+$/.test(n) ? [{ k, column: Number(n) }] : []));
  if (missing.length > 0) problems.push(`${file}:${header.line}: missing column(s) ${missing.join(", ")}`);
  if (instanceColumns.length === 0) problems.push(`${file}:${header.line}: no instance columns (columns named 1, 2, ... hold the per-instance figures)`);
  instanceColumns.forEach((c, i) => {
    if (c.column !== i + 1) problems.push(`${file}:${header.line}: instance columns must be 1, 2, 3, ... in order; found ${c.column} at position ${i + 1}`);
  });
  for (const name of names) {
    if (name !== "" && !/^\d+$/.test(name) && !KNOWN_COLUMNS.has(name)) problems.push(`${file}:${header.line}: unknown column "${name}"; known: ${[...KNOWN_COLUMNS].join(", ")}, 1..N`);
  }
  if (problems.length > 0) throw new InputError(problems.join("\n"));

  const byCase = new Map<string, { first: z.output<typeof rowSchema>; rows: ImportedRow[]; lines: string[]; line: number }>();
  for (const r of data.slice(1)) {
    const at = `${file}:${r.line}`;
    if (r.cells.length > names.length) {
      problems.push(`${at}: ${r.cells.length} cells, the header has ${names.length}`);
      continue;
    }
    const record: Record<string, string> = {};
    names.forEach((n, k) => {
      const cell = (r.cells[k] ?? "").trim();
      if (!/^\d+$/.test(n) && cell !== "") record[n] = cell;
    });
    const parsed = rowSchema.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${at}: ${issue.path.length > 0 && !issue.message.startsWith(String(issue.path[0])) ? `${String(issue.path[0])}: ` : ""}${issue.message}`);
      continue;
    }
    const values = instanceColumns.map(({ k, column }) => {
      const cell = (r.cells[k] ?? "").trim();
      if (cell === "") return null;
      if (!DECIMAL.test(cell)) {
        problems.push(`${at}: column ${column}: "${cell}" is not a number (write figures as 5542.00, blank for none)`);
        return null;
      }
      return Number(cell);
    });
    const row = parsed.data;
    const entry = byCase.get(row.case) ?? { first: row, rows: [], lines: [], line: r.line };
    byCase.set(row.case, entry);
    for (const key of ["title", "gpu", "device", "schedule", "workload"] as const) {
      if ((row[key] ?? "") !== (entry.first[key] ?? "") && !(key === "title" && row.title === undefined))
        problems.push(`${at}: ${key} "${row[key] ?? ""}" differs from "${entry.first[key] ?? ""}" on line ${entry.line} of the same case`);
    }
    if (entry.rows.some((existing) => existing.role === row.role)) problems.push(`${at}: case ${row.case} already has a ${row.role} row`);
    entry.rows.push({
      role: row.role,
      metric: row.metric ?? row.role,
      unit: row.unit,
      values,
      ...(row.aggregate === undefined ? {} : { aggregate: { value: Number(row.aggregate), ...(row.aggregate_kind ? { kind: row.aggregate_kind } : {}) } }),
      ...(row.note === undefined ? {} : { note: row.note }),
      line: r.line,
    });
    entry.lines.push(r.cells.map(quote).join(","));
  }
  if (byCase.size === 0 && problems.length === 0) problems.push(`${file}: no data rows after the header`);
  if (problems.length > 0) throw new InputError(problems.join("\n"));

  const headerText = header.cells.map(quote).join(",");
  const cases = [...byCase.entries()].map(([id, { first, rows: caseRows, lines }]): ImportedCase => {
    const device = first.device ?? "";
    return {
      id,
      ...(first.title === undefined ? {} : { title: first.title }),
      gpu: first.gpu,
      ...(FULL_GPU.has(device.toLowerCase()) ? {} : { migProfile: device }),
      schedule: first.schedule,
      workload: first.workload ?? "published",
      rows: caseRows,
      text: `${[headerText, ...lines].join("\n")}\n`,
    };
  });
  return { metadata, cases };
}
