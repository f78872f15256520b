/**
 * Report definitions (`reports/*.yaml`, docs/reports.md): which runs or published tables a report reads,
 * which cases it shows in which order, which speedups it computes, which sections it shows. Loaded like a
 * scenario: YAML with positions, then the zod schema; every problem is reported at once as
 * `file:line:col: message`. Problems found later (a case id no source provides, a missing run directory)
 * are located through `problemAt`, so they point at the line that names them too.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../errors.js";
import { formatProblem, sortProblems } from "../scenario/problems.js";
import { metricRoles } from "../scenario/schema.js";
import type { DocPath, ScenarioProblem } from "../scenario/types.js";
import { parseYamlSource } from "../scenario/yaml-source.js";
import { findingsFromIssues } from "../scenario/zod-issues.js";

const caseId = z.string().min(1).describe("A case id: a scenario's name, or a published table's case");
const ids = z.array(caseId).min(1);

/** Exactly one key of a source says what it is; one object (not a union) so that typos get a "did you mean". */
export const SOURCE_KINDS = ["import", "run", "results"] as const;

const sourceSchema = z
  .strictObject({
    import: z.string().min(1).optional().describe("A published table as CSV (docs/import-format.md), imported in memory"),
    run: z.string().min(1).optional().describe("One run directory"),
    results: z.string().min(1).optional().describe("A folder of run directories (or of study folders holding them): the latest run of each scenario"),
  })
  .refine((s) => SOURCE_KINDS.filter((k) => s[k] !== undefined).length === 1, {
    message: `give exactly one of ${SOURCE_KINDS.join(", ")}`,
    // A misspelled key (`imports:`) is the problem to report, not the kind it leaves missing.
    when: (payload) => payload.issues.length === 0,
  });

const caseSchema = z.union([caseId, z.strictObject({ id: caseId, label: z.string().min(1).optional().describe("Shown instead of the case's title") })]);

const speedupSchema = z
  .strictObject({
    candidate: caseId.optional().describe("This case against each case of `against` (default: every other case)"),
    against: ids.optional(),
    baseline: caseId.optional().describe("Each case of `candidates` (default: every other case) against this one"),
    candidates: ids.optional(),
    roles: z.array(z.enum(metricRoles)).min(1).optional().describe("Metrics to compare; default: those both cases have"),
  })
  .superRefine((s, ctx) => {
    if ((s.candidate === undefined) === (s.baseline === undefined)) ctx.addIssue({ code: "custom", path: [], message: "give either candidate (with against) or baseline (with candidates)" });
    if (s.against !== undefined && s.candidate === undefined) ctx.addIssue({ code: "custom", path: ["against"], message: "against goes with candidate" });
    if (s.candidates !== undefined && s.baseline === undefined) ctx.addIssue({ code: "custom", path: ["candidates"], message: "candidates goes with baseline" });
  });

const shown = z.boolean().optional();

/** Sections a report can leave out; all are shown by default. Hiding one leaves its data out of the model. */
const showSchema = z.strictObject({
  speedups: shown,
  statistics: shown.describe("Per-instance statistics over repetitions"),
  latency: shown.describe("Latency distributions from raw samples"),
  telemetry: shown.describe("GPU telemetry series"),
  environment: shown,
  scenario: shown.describe("The scenario text (HTML)"),
  charts: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).optional().describe("false, or the ids of the charts to show"),
});

export const reportDefinitionSchema = z
  .strictObject({
    $schema: z.string().optional(),
    title: z.string().min(1),
    description: z.string().optional(),
    sources: z.array(sourceSchema).min(1).describe("Where the cases come from: import, run or results entries"),
    cases: z.array(caseSchema).min(1).optional().describe("Case ids in display order; default: every case the sources give"),
    speedups: z.union([speedupSchema, z.array(speedupSchema).min(1)]).optional(),
    show: showSchema.optional(),
    notes: z.array(z.string().min(1)).optional(),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, number>();
    d.cases?.forEach((c, i) => {
      const id = typeof c === "string" ? c : c.id;
      const first = seen.get(id);
      if (first !== undefined) ctx.addIssue({ code: "custom", path: ["cases", i], message: `duplicate case id (first listed as cases[${first}])` });
      else seen.set(id, i);
    });
  });

export type ReportDefinitionDoc = z.output<typeof reportDefinitionSchema>;
export type SourceEntry = ReportDefinitionDoc["sources"][number];
export type SpeedupEntry = z.output<typeof speedupSchema>;
export type ShowOptions = z.output<typeof showSchema>;

export interface ReportDefinition {
  /** The file as given. */
  readonly file: string;
  /** Absolute folder that relative paths in the definition are resolved against. */
  readonly dir: string;
  readonly text: string;
  readonly doc: ReportDefinitionDoc;
  /** `file:line:col: message` for the node at `path` (its key with `at: "key"`). */
  problemAt(path: DocPath, message: string, at?: "key" | "value"): string;
}

/** Report definitions are YAML files; anything else on `bench report`'s command line is a run or a table. */
export const isDefinitionPath = (file: string): boolean => /\.ya?ml$/i.test(file);

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const fail = (problems: readonly ScenarioProblem[]): never => {
  throw new InputError(sortProblems(problems).map(formatProblem).join("\n"));
};

export function parseReportDefinition(text: string, file: string): ReportDefinition {
  const parsed = parseYamlSource(text, file);
  if (!parsed.ok) return fail(parsed.problems);
  const { source } = parsed;
  if (!isMapping(source.data)) return fail([{ file, line: 1, col: 1, message: "expected a report definition: a mapping with title and sources (docs/reports.md)" }]);
  const result = reportDefinitionSchema.safeParse(source.data);
  if (!result.success) {
    const findings = findingsFromIssues(result.error.issues, source.data, reportDefinitionSchema);
    return fail(findings.map((f) => ({ file, ...source.locate(f), message: f.message })));
  }
  return {
    file,
    dir: path.resolve(path.dirname(file)),
    text,
    doc: result.data,
    problemAt: (at, message, where = "value") => formatProblem({ file, ...source.locate({ path: at, at: where, message }), message }),
  };
}

export async function loadReportDefinition(file: string): Promise<ReportDefinition> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a YAML file" : (error as Error).message;
    return fail([{ file, line: 1, col: 1, message: `cannot read the report definition: ${reason}` }]);
  }
  return parseReportDefinition(text, file);
}
