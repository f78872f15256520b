/**
 * The reports of a finished study, written into its directory: what a user gets from `bench run` of a
 * multi-case file without a second command. The first case is compared against each of the others, the
 * way the study reports MIG against each other way of sharing the GPU.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { StudyOutcome } from "../runner/study.js";

/** Format → file name inside the study directory. */
export const STUDY_REPORT_FILES = { html: "report.html", md: "report.md" } as const;

/** Writes the study's reports; returns the Markdown (for the terminal) and the files written. */
export async function writeStudyReports(study: StudyOutcome): Promise<{ markdown: string; files: Record<string, string> }> {
  const runs = study.outcomes.filter((o) => o.manifest.executions.length > 0).map((o) => ({ manifest: o.manifest, runDir: o.dir }));
  if (runs.length === 0) return { markdown: "", files: {} };
  const { buildReport, renderReport } = await import("../report/index.js");
  const model = await buildReport({
    runs,
    ...(runs.length > 1 ? { candidate: runs[0]!.manifest.scenario.name } : {}),
    title: study.index.title ?? study.index.name,
  });
  const files: Record<string, string> = {};
  let markdown = "";
  for (const [format, name] of Object.entries(STUDY_REPORT_FILES) as [keyof typeof STUDY_REPORT_FILES, string][]) {
    const text = await renderReport(model, format);
    await writeFile(path.join(study.dir, name), text);
    files[format] = name;
    if (format === "md") markdown = text;
  }
  const { recordStudyReports } = await import("../runner/study.js");
  await recordStudyReports(study.dir, study.index, files);
  return { markdown, files };
}
