/**
 * Where a report's cases come from, turned into run manifests: one run directory; a folder of run
 * directories (or of study folders holding them, one level down), of which the latest run of each
 * scenario is taken; or a published table (CSV) imported in memory, never written.
 */
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import { MANIFEST_FILE, importedManifest, parseImportTable, readRun, type RunManifest } from "../results/index.js";

export type SourceKind = "run" | "results" | "import";

export interface ReportSource {
  readonly kind: SourceKind;
  /** As written (command line, definition); used in messages and in the report. */
  readonly path: string;
  /** Absolute. */
  readonly resolved: string;
}

/** One case for the report: a manifest, and the run directory its files are in. */
export interface CaseInput {
  readonly manifest: RunManifest;
  /** The run directory as the report shows it; null for a table imported in memory. */
  readonly runDir: string | null;
}

export interface SourceCases {
  readonly cases: readonly CaseInput[];
  /** What a reader should know about the choice (runs skipped, incomplete runs taken). */
  readonly notes: readonly string[];
}

export interface SourceOptions {
  readonly harness: RunManifest["harness"];
  readonly now: Date;
}

/** How a path is shown: relative to the working directory when inside it. */
export function displayPath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolute;
}

const isTable = (file: string): boolean => /\.csv$/i.test(file);

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

/** A command-line argument: a CSV table, a run directory (or its manifest.json), or a folder of runs. */
export async function classifyPath(given: string): Promise<ReportSource> {
  const resolved = path.resolve(given);
  const info = await stat(resolved).catch(() => null);
  if (info === null) throw new InputError(`${given}: not found`);
  if (info.isFile()) return { kind: isTable(given) ? "import" : "run", path: given, resolved };
  return { kind: (await exists(path.join(resolved, MANIFEST_FILE))) ? "run" : "results", path: given, resolved };
}

export async function readSource(source: ReportSource, options: SourceOptions): Promise<SourceCases> {
  return READERS[source.kind](source, options);
}

async function readOneRun(source: ReportSource): Promise<SourceCases> {
  const manifest = await readRun(source.resolved);
  const dir = path.basename(source.resolved) === MANIFEST_FILE ? path.dirname(source.resolved) : source.resolved;
  return { cases: [{ manifest, runDir: displayPath(dir) }], notes: [] };
}

async function importTable(source: ReportSource, options: SourceOptions): Promise<SourceCases> {
  const text = await readFile(source.resolved, "utf8").catch((error: unknown) => {
    throw new InputError(`${source.path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (error as Error).message}`);
  });
  const file = displayPath(source.resolved);
  const table = parseImportTable(text, file);
  const sha256 = createHash("sha256").update(text).digest("hex");
  const cases = table.cases.map((c) => ({
    manifest: importedManifest(c, { file, sha256, metadata: table.metadata }, `imported-${c.id}`, { out: "", harness: options.harness, command: [], now: options.now }),
    runDir: null,
  }));
  return { cases, notes: [] };
}

const subfolders = async (dir: string): Promise<string[]> => {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .sort();
};

/** Run directories in `folder`, and in its subfolders that are not runs themselves (study folders). */
async function runDirectoriesIn(folder: string): Promise<string[]> {
  const runs: string[] = [];
  for (const dir of await subfolders(folder)) {
    if (await exists(path.join(dir, MANIFEST_FILE))) runs.push(dir);
    else for (const inner of await subfolders(dir)) if (await exists(path.join(inner, MANIFEST_FILE))) runs.push(inner);
  }
  return runs;
}

/** Complete runs first, then the latest start; the run id (which starts with the time) breaks ties. */
function preferred(a: RunManifest, b: RunManifest): number {
  const complete = Number(b.status === "complete") - Number(a.status === "complete");
  return complete || b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId);
}

async function readResultsFolder(source: ReportSource): Promise<SourceCases> {
  const info = await stat(source.resolved).catch(() => null);
  if (info === null) throw new InputError(`${source.path}: not found`);
  if (!info.isDirectory()) throw new InputError(`${source.path}: not a folder of run directories`);
  const notes: string[] = [];
  const byScenario = new Map<string, CaseInput[]>();
  for (const dir of await runDirectoriesIn(source.resolved)) {
    // One unreadable run must not hide the others: it is skipped, and the report says so.
    const manifest = await readRun(dir).catch((error: unknown) => {
      notes.push(`Skipped ${displayPath(dir)}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
    if (manifest === null) continue;
    const runs = byScenario.get(manifest.scenario.name) ?? [];
    runs.push({ manifest, runDir: displayPath(dir) });
    byScenario.set(manifest.scenario.name, runs);
  }
  if (byScenario.size === 0) throw new InputError(`${source.path}: no run directories found (a run directory holds ${MANIFEST_FILE})`);
  const cases: CaseInput[] = [];
  for (const [name, runs] of byScenario) {
    const chosen = [...runs].sort((a, b) => preferred(a.manifest, b.manifest))[0] as CaseInput;
    if (chosen.manifest.status !== "complete") notes.push(`${name}: no complete run in ${source.path}; the latest (${chosen.manifest.runId}, ${chosen.manifest.status}) is shown.`);
    cases.push(chosen);
  }
  return { cases, notes };
}

const READERS: Readonly<Record<SourceKind, (source: ReportSource, options: SourceOptions) => Promise<SourceCases>>> = {
  run: readOneRun,
  results: readResultsFolder,
  import: importTable,
};
