/**
 * A multi-case scenario file, run: every case one after another, each with its own run directory
 * inside one study directory, and `study.json` rewritten after each case so that a study stopped half
 * way keeps (and says) what it finished. A case that fails does not stop the others; an interrupt stops
 * the study after the case it hit has been cleaned up.
 */
import path from "node:path";
import { EXIT, MigbenchError } from "../errors.js";
import { createUniqueDir, writeStudyIndex, type StudyIndex } from "../results/index.js";
import type { Scenario } from "../scenario/types.js";
import { runScenario, type RunOptions, type RunOutcome } from "./index.js";

export interface StudyOptions extends Omit<RunOptions, "scenario"> {
  /** The cases of one file, in the file's order. */
  readonly cases: readonly Scenario[];
}

export interface StudyOutcome {
  readonly dir: string;
  readonly index: StudyIndex;
  readonly outcomes: readonly RunOutcome[];
  readonly exitCode: number;
}

type CaseStatus = StudyIndex["cases"][number]["status"];

/** A case's status from its exit code; the run's own status (in its manifest) has the details. */
const CASE_STATUS: Readonly<Record<number, CaseStatus>> = { [EXIT.ok]: "complete", [EXIT.interrupted]: "interrupted" };

export async function runStudy(options: StudyOptions): Promise<StudyOutcome> {
  const [first] = options.cases;
  const study = first?.study;
  if (!first || !study) throw new Error("runStudy needs the cases of a multi-case scenario file");
  const { dir } = await createUniqueDir(options.resultsRoot, study.name);
  options.progress(`study ${study.name}: ${options.cases.length} cases, results in ${dir}`);

  let index: StudyIndex = {
    schemaVersion: 1,
    name: study.name,
    ...(study.title !== undefined ? { title: study.title } : {}),
    ...(study.description !== undefined ? { description: study.description } : {}),
    scenario: { file: first.file, sha256: first.sha256 },
    status: "running",
    startedAt: new Date().toISOString(),
    cases: options.cases.map((c) => ({ name: c.doc.name, ...(c.doc.title !== undefined ? { title: c.doc.title } : {}), run: null, status: "pending", exitCode: null })),
    reports: {},
  };
  const update = async (change: Partial<StudyIndex>): Promise<void> => {
    index = { ...index, ...change };
    await writeStudyIndex(dir, index);
  };
  const setCase = (i: number, value: StudyIndex["cases"][number]): StudyIndex["cases"] => index.cases.map((c, k) => (k === i ? value : c));
  await update({});

  const outcomes: RunOutcome[] = [];
  let exitCode: number = EXIT.ok;
  for (const [i, scenario] of options.cases.entries()) {
    const entry = index.cases[i]!;
    if (options.signal.aborted) {
      await update({ cases: setCase(i, { ...entry, status: "not-run", message: "the study was interrupted before this case" }) });
      continue;
    }
    options.progress(`case ${i + 1}/${options.cases.length}: ${scenario.doc.name}`);
    try {
      const outcome = await runScenario({ ...options, scenario, resultsRoot: dir });
      outcomes.push(outcome);
      await update({ cases: setCase(i, { ...entry, run: path.basename(outcome.dir), status: CASE_STATUS[outcome.exitCode] ?? "failed", exitCode: outcome.exitCode }) });
      if (exitCode === EXIT.ok || outcome.exitCode === EXIT.interrupted) exitCode = outcome.exitCode;
    } catch (error) {
      // The harness could not run this case (GPU refused, engine gone): record it, keep the finished ones.
      const code = error instanceof MigbenchError ? error.exitCode : EXIT.environment;
      const message = error instanceof Error ? error.message : String(error);
      await update({
        cases: index.cases.map((c, k) =>
          k === i ? { ...entry, status: "failed", exitCode: code, message } : k > i ? { ...c, status: "not-run", message: `the study stopped at case ${entry.name}` } : c,
        ),
        status: "failed",
        endedAt: new Date().toISOString(),
      });
      throw error;
    }
  }
  const interrupted = index.cases.some((c) => c.status === "interrupted" || c.status === "not-run");
  await update({ status: interrupted ? "interrupted" : exitCode === EXIT.ok ? "complete" : "failed", endedAt: new Date().toISOString() });
  return { dir, index, outcomes, exitCode };
}

/** Records the reports written into the study directory (format → file name). */
export async function recordStudyReports(dir: string, index: StudyIndex, reports: Readonly<Record<string, string>>): Promise<StudyIndex> {
  const next = { ...index, reports: { ...index.reports, ...reports } };
  await writeStudyIndex(dir, next);
  return next;
}
