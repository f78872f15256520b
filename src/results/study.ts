/**
 * The study directory: what `bench run` writes for a multi-case scenario file. Each case's run
 * directory sits inside it, and `study.json` records the cases in the file's order, which ran, which
 * did not (an interrupted study keeps the cases it finished), and the reports built from them.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "./atomic.js";
import { ManifestError, formatIssuePath } from "./manifest.js";

export const STUDY_FILE = "study.json";
export const STUDY_SCHEMA_VERSION = 1;

const isoTime = z.iso.datetime({ offset: true });

/** A case's run directory name: one path segment inside the study directory. */
const runDirName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a run directory name inside the study directory");

export const studyIndexSchema = z
  .object({
    schemaVersion: z.literal(STUDY_SCHEMA_VERSION),
    name: z.string().min(1),
    title: z.string().optional(),
    description: z.string().optional(),
    scenario: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
    status: z.enum(["running", "complete", "failed", "interrupted"]),
    startedAt: isoTime,
    endedAt: isoTime.optional(),
    cases: z.array(
      z.object({
        name: z.string().min(1),
        title: z.string().optional(),
        /** Null until the case has started (and for a case never reached). */
        run: runDirName.nullable(),
        status: z.enum(["pending", "complete", "failed", "interrupted", "not-run"]),
        exitCode: z.number().int().nullable(),
        message: z.string().optional(),
      }),
    ),
    /** Report files written into the study directory, by format. */
    reports: z.record(z.string(), runDirName),
  })
  .describe("A migbench study index (results/<study-id>/study.json)");

export type StudyIndex = z.output<typeof studyIndexSchema>;

export async function writeStudyIndex(dir: string, index: StudyIndex): Promise<void> {
  await writeJsonAtomic(join(dir, STUDY_FILE), studyIndexSchema.parse(index));
}

/** The study index of `dir`, or null when `dir` is not a study directory. */
export async function readStudyIndex(dir: string): Promise<StudyIndex | null> {
  const file = resolve(dir, STUDY_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw new ManifestError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, [`not JSON: ${(error as Error).message}`]);
  }
  const parsed = studyIndexSchema.safeParse(raw);
  if (!parsed.success) throw new ManifestError(file, parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`));
  return parsed.data;
}
