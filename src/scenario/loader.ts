/**
 * Loads a scenario: YAML with positions, then the schema, then the semantic checks, and reports every
 * problem at once as `file:line:col: message`, sorted by position. On success returns the checked and
 * expanded `Scenario`. Reads the file once; writes nothing.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { checkScenario, unusedWorkloadFindings, type CheckInput } from "./checks.js";
import { sortProblems, type Finding } from "./problems.js";
import { CASE_KEYS, scenarioFileSchema, scenarioSchema, type ScenarioDoc } from "./schema.js";
import type { LoadResult, Scenario, ScenarioProblem } from "./types.js";
import { parseYamlSource, type YamlSource } from "./yaml-source.js";
import { findingsFromIssues } from "./zod-issues.js";

export async function loadScenarioFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String((error as Error).message);
    return { ok: false, problems: [{ file: path, line: 1, col: 1, message: `cannot read the scenario: ${reason}` }] };
  }
  return loadScenarioText(text, path);
}

export function loadScenarioText(text: string, file: string): LoadResult {
  const parsed = parseYamlSource(text, file);
  if (!parsed.ok) return { ok: false, problems: sortProblems(parsed.problems) };
  const { source } = parsed;
  if (isRecord(source.data) && "cases" in source.data) return loadCases(source, text, file);

  const validated = scenarioSchema.safeParse(source.data);
  const schemaFindings = validated.success ? [] : findingsFromIssues(validated.error.issues, source.data, scenarioSchema);
  const checked = checkScenario(validated.success ? validated.data : validSections(source.data), { file });
  const findings = [...schemaFindings, ...checked.findings];

  if (!validated.success || findings.length > 0 || !checked.model || !checked.gpuInstances) {
    const problems = locate(findings, source, file);
    // Unreachable with today's checks; guards a check that forgets to say why it failed.
    if (problems.length === 0) problems.push({ file, line: 1, col: 1, message: "the scenario is not valid" });
    return { ok: false, problems: sortProblems(problems) };
  }
  const scenario: Scenario = { file, text, sha256: sha256Of(text), doc: validated.data, model: checked.model, gpuInstances: checked.gpuInstances };
  return { ok: true, scenario, cases: [scenario] };
}

const sha256Of = (text: string): string => createHash("sha256").update(text).digest("hex");

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A multi-case file: the file as a whole against its schema, then each case as the scenario it stands
 * for (the top level with the case's keys laid over it), each through the same checks as a single-case
 * file. A case's finding points into the case when the case set that key, else at the top level; a
 * problem of the top level that every case inherits is reported once.
 */
function loadCases(source: YamlSource, text: string, file: string): LoadResult {
  const data = source.data as Record<string, unknown>;
  const validated = scenarioFileSchema.safeParse(data);
  if (!validated.success) {
    return { ok: false, problems: sortProblems(locate(findingsFromIssues(validated.error.issues, data, scenarioFileSchema), source, file)) };
  }
  // A case has its own title and description (or none); the file's describe the whole comparison.
  const { cases: rawCases, title: _title, description: _description, ...top } = data;
  const caseDocs = (rawCases as Record<string, unknown>[]) ?? [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const scenarios: Scenario[] = [];
  const runs: { workload: string }[] = [];
  caseDocs.forEach((raw, index) => {
    const name = String(raw.name);
    if (seen.has(name)) findings.push({ path: ["cases", index, "name"], message: `case name "${name}" is used twice; each case needs its own` });
    seen.add(name);
    const merged: Record<string, unknown> = { ...top, ...raw };
    const into = (finding: Finding): Finding => {
      const head = finding.path[0];
      return typeof head === "string" && CASE_KEYS.includes(head) && head in raw ? { ...finding, path: ["cases", index, ...finding.path] } : finding;
    };
    // Counted before any problem can end this case's checks, so that no workload is reported unused by mistake.
    if (Array.isArray(merged.run)) runs.push(...(merged.run as { workload: string }[]));
    const missing = (["layout", "run"] as const).filter((key) => merged[key] === undefined);
    for (const key of missing) findings.push({ path: ["cases", index], message: `case "${name}" has no ${key}: set ${key} in the case or at the top level` });
    if (missing.length > 0) return;
    const doc = scenarioSchema.safeParse(merged);
    if (!doc.success) {
      findings.push(...findingsFromIssues(doc.error.issues, merged, scenarioSchema).map(into));
      return;
    }
    const checked = checkScenario(doc.data, { file, unusedWorkloads: false });
    findings.push(...checked.findings.map(into));
    if (checked.findings.length === 0 && checked.model && checked.gpuInstances)
      scenarios.push(caseScenario(doc.data, checked.model, checked.gpuInstances, { file, text, top: validated.data, index, count: caseDocs.length }));
  });
  if (validated.data.workloads) findings.push(...unusedWorkloadFindings(validated.data.workloads, runs));

  const problems = dedupe(locate(findings, source, file));
  if (problems.length > 0 || scenarios.length !== caseDocs.length) {
    if (problems.length === 0) problems.push({ file, line: 1, col: 1, message: "the scenario is not valid" });
    return { ok: false, problems: sortProblems(problems) };
  }
  const [first] = scenarios;
  if (!first) return { ok: false, problems: [{ file, line: 1, col: 1, message: "cases: define at least one case" }] };
  return { ok: true, scenario: first, cases: scenarios };
}

function caseScenario(
  doc: ScenarioDoc,
  model: Scenario["model"],
  gpuInstances: Scenario["gpuInstances"],
  from: { file: string; text: string; top: { name: string; title?: string | undefined; description?: string | undefined }; index: number; count: number },
): Scenario {
  const { top } = from;
  return {
    file: from.file,
    text: from.text,
    sha256: sha256Of(from.text),
    doc,
    model,
    gpuInstances,
    study: {
      name: top.name,
      ...(top.title !== undefined ? { title: top.title } : {}),
      ...(top.description !== undefined ? { description: top.description } : {}),
      index: from.index,
      count: from.count,
    },
  };
}

function dedupe(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Each top-level section validated on its own, keeping those that pass, so that the semantic checks
 * can still run on the healthy parts of a scenario whose other parts have schema problems.
 */
function validSections(data: unknown): CheckInput {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return {};
  const raw = data as Record<string, unknown>;
  const sections: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(scenarioSchema.shape)) {
    const result = schema.safeParse(raw[key]);
    if (result.success && result.data !== undefined) sections[key] = result.data;
  }
  // Built key by key from the schema's own shape, so each present key holds that section's output type.
  return sections as CheckInput;
}

function locate(findings: readonly Finding[], source: YamlSource, file: string): ScenarioProblem[] {
  return findings.map((finding) => ({ file, ...source.locate(finding), message: finding.message }));
}
