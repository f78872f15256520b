/**
 * Loads a scenario: YAML with positions, then the schema, then the semantic checks, and reports every
 * problem at once as `file:line:col: message`, sorted by position. On success returns the checked and
 * expanded `Scenario`. Reads the file once; writes nothing.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { checkScenario, type CheckInput } from "./checks.js";
import { sortProblems, type Finding } from "./problems.js";
import { scenarioSchema } from "./schema.js";
import type { LoadResult, ScenarioProblem } from "./types.js";
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
  return {
    ok: true,
    scenario: {
      file,
      text,
      sha256: createHash("sha256").update(text).digest("hex"),
      doc: validated.data,
      model: checked.model,
      gpuInstances: checked.gpuInstances,
    },
  };
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
