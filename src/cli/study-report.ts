/**
 * The reports of a finished study, written into its directory and summarized on stdout: what a user
 * gets from `bench run` of a multi-case file without a second command.
 */
import type { StudyOutcome } from "../runner/study.js";

/** Writes the study's reports into its directory; returns the Markdown for the terminal. */
export async function writeStudyReports(study: StudyOutcome): Promise<string> {
  const { studyTable, renderMarkdown } = await import("../report/index.js");
  return study.outcomes
    .filter((o) => o.manifest.executions.length > 0)
    .map((o) => renderMarkdown(studyTable(o.manifest)))
    .join("\n");
}
