/**
 * `buildReport`: the report model from a report definition, from run directories / folders of runs /
 * published tables, or from manifests already in memory. Every figure is decided here (and in the modules
 * it calls); renderers only format the model.
 *
 *   await buildReport({ definition: "reports/table1.yaml" })
 *   await buildReport({ inputs: ["results/20261125-...-quickstart-b412"], baseline: "quickstart" })
 *   await buildReport({ runs: [{ manifest, runDir }] })            // e.g. `bench run` of a multi-case study
 *
 * Bad input (a missing run, an unknown case id, a malformed definition or table) throws an InputError
 * naming the file, and for definitions the line and column.
 */
import path from "node:path";
import { InputError } from "../errors.js";
import { packageIdentity } from "../package-root.js";
import type { RunManifest } from "../results/index.js";
import type { MetricRole } from "../scenario/schema.js";
import type { DocPath } from "../scenario/types.js";
import { didYouMean } from "../scenario/suggest.js";
import { buildCharts, selectCharts } from "./charts/index.js";
import { SOURCE_KINDS, loadReportDefinition, type ReportDefinition, type SourceEntry, type SpeedupEntry } from "./definition.js";
import type { ReportCase, ReportModel } from "./model.js";
import { buildCase, type CaseSections } from "./report-case.js";
import { classifyPath, readSource, type CaseInput, type SourceKind, type SourceOptions } from "./sources.js";
import { computeSpeedups, type PrintedAggregates, type SpeedupRequest } from "./speedups.js";
import { SIMULATED_NOTICE, importedNotice } from "./study-table.js";

export interface BuildInput {
  /** A report definition (reports/*.yaml): its path, or one loaded with `loadReportDefinition`. */
  readonly definition?: string | ReportDefinition;
  /** Run directories, folders of run directories (the latest run of each scenario), or published tables (CSV). */
  readonly inputs?: readonly string[];
  /** Runs already read, shown after those of `inputs`. */
  readonly runs?: readonly CaseInput[];
  /** Speedups of every other case against this case id; replaces the definition's speedups. */
  readonly baseline?: string;
  /** Speedups of this case id against every other case; replaces the definition's speedups. */
  readonly candidate?: string;
  /** Replaces the definition's title (default: the case's title for one case). */
  readonly title?: string;
  /** The report's time (tests); default now. */
  readonly now?: Date;
}

/** A case as found, before selection: where the definition names its source, for messages. */
interface Found {
  readonly input: CaseInput;
  readonly sourcePath?: DocPath;
}

function sourceOf(entry: SourceEntry): { kind: SourceKind; value: string } {
  const kind = SOURCE_KINDS.find((k) => entry[k] !== undefined) as SourceKind;
  return { kind, value: entry[kind] as string };
}

async function definitionCases(def: ReportDefinition, options: SourceOptions, notes: string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const [i, entry] of def.doc.sources.entries()) {
    const { kind, value } = sourceOf(entry);
    const at: DocPath = ["sources", i, kind];
    const source = { kind, path: value, resolved: path.resolve(def.dir, value) };
    const read = await readSource(source, options).catch((error: unknown) => {
      if (error instanceof InputError) throw new InputError(def.problemAt(at, error.message));
      throw error;
    });
    notes.push(...read.notes);
    for (const input of read.cases) {
      const id = input.manifest.scenario.name;
      const earlier = found.find((f) => f.input.manifest.scenario.name === id);
      if (earlier) throw new InputError(def.problemAt(at, `case "${id}" comes from this source and from sources[${earlier.sourcePath?.[1]}]; keep it in one`));
      found.push({ input, sourcePath: at });
    }
  }
  return found;
}

async function inputCases(inputs: readonly string[], options: SourceOptions, notes: string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const given of inputs) {
    const read = await readSource(await classifyPath(given), options);
    notes.push(...read.notes);
    found.push(...read.cases.map((input) => ({ input })));
  }
  return found;
}

/** Case ids: scenario names (a table's case ids); a name given by several runs becomes each run's id. */
function assignIds(found: readonly Found[]): string[] {
  const count = new Map<string, number>();
  for (const f of found) count.set(f.input.manifest.scenario.name, (count.get(f.input.manifest.scenario.name) ?? 0) + 1);
  return found.map((f) => ((count.get(f.input.manifest.scenario.name) ?? 0) > 1 ? f.input.manifest.runId : f.input.manifest.scenario.name));
}

const unknownCase = (id: string, known: readonly string[]): string =>
  `no case "${id}" in the sources${didYouMean(id, known)}; cases: ${known.join(", ") || "none"} (a run's case id is its scenario's name: run the scenario with \`bench run\`, or add the source that holds it)`;
const notShown = (id: string, shown: readonly string[]): string => `no case "${id}" among the report's cases${didYouMean(id, shown)}; cases: ${shown.join(", ")}`;

function speedupRequests(input: BuildInput, def: ReportDefinition | undefined, ids: readonly string[]): SpeedupRequest[] {
  const check = (id: string, where: (message: string) => string): string => {
    if (!ids.includes(id)) throw new InputError(where(notShown(id, ids)));
    return id;
  };
  if (input.baseline !== undefined && input.candidate !== undefined) throw new InputError("give a baseline or a candidate for speedups, not both");
  if (input.baseline !== undefined) return [{ baseline: check(input.baseline, (m) => `baseline: ${m}`) }];
  if (input.candidate !== undefined) return [{ candidate: check(input.candidate, (m) => `candidate: ${m}`) }];
  const entries = def?.doc.speedups;
  if (!def || entries === undefined) return [];
  const list: readonly SpeedupEntry[] = Array.isArray(entries) ? entries : [entries];
  return list.map((entry, i) => {
    const base: DocPath = Array.isArray(entries) ? ["speedups", i] : ["speedups"];
    const at = (key: string, k?: number) => (message: string) => def.problemAt(k === undefined ? [...base, key] : [...base, key, k], message);
    const roles = entry.roles ? { roles: entry.roles } : {};
    if (entry.candidate !== undefined)
      return { candidate: check(entry.candidate, at("candidate")), ...(entry.against ? { against: entry.against.map((id, k) => check(id, at("against", k))) } : {}), ...roles };
    return { baseline: check(entry.baseline as string, at("baseline")), ...(entry.candidates ? { candidates: entry.candidates.map((id, k) => check(id, at("candidates", k))) } : {}), ...roles };
  });
}

/** The first line of every rendering: what the figures are not (measured on a GPU by migbench). */
const NOTICES: readonly { readonly applies: (c: ReportCase) => boolean; readonly text: (cases: readonly ReportCase[], files: readonly string[]) => string }[] = [
  { applies: (c) => c.origin === "simulated", text: () => SIMULATED_NOTICE },
  {
    applies: (c) => c.origin === "imported",
    text: (cases, files) =>
      cases.length === 1 ? importedNotice(files[0] ?? "", cases[0]?.id ?? "") : `Imported: these figures come from a published table (${files.join(", ")}), not from a migbench measurement.`,
  },
  { applies: (c) => c.cpuStandIn === true, text: () => "CPU stand-in: the workloads were CPU programs standing in for GPU workloads; their figures say nothing about GPU performance." },
];

function noticeOf(cases: readonly ReportCase[], manifests: ReadonlyMap<string, RunManifest>): string | null {
  const parts = NOTICES.flatMap(({ applies, text }) => {
    const which = cases.filter(applies);
    if (which.length === 0) return [];
    const files = [...new Set(which.flatMap((c) => { const o = manifests.get(c.id)?.origin; return o?.kind === "imported" ? [o.source.file] : []; }))];
    const partial = which.length < cases.length ? ` Cases: ${which.map((c) => c.id).join(", ")}.` : "";
    return [`${text(which, files)}${partial}`];
  });
  return parts.length > 0 ? parts.join(" ") : null;
}

function printedAggregates(manifests: ReadonlyMap<string, RunManifest>): PrintedAggregates {
  const printed = new Map<string, Partial<Record<MetricRole, number>>>();
  for (const [id, m] of manifests) {
    if (m.origin.kind === "imported") printed.set(id, Object.fromEntries(m.origin.printedAggregates.map((a) => [a.role, a.value])));
  }
  return printed;
}

export async function buildReport(input: BuildInput): Promise<ReportModel> {
  const now = input.now ?? new Date();
  const def = typeof input.definition === "string" ? await loadReportDefinition(input.definition) : input.definition;
  const options: SourceOptions = { harness: packageIdentity(), now };
  const notes: string[] = [];
  const found = [...(def ? await definitionCases(def, options, notes) : []), ...(await inputCases(input.inputs ?? [], options, notes)), ...(input.runs ?? []).map((r) => ({ input: r }))];
  if (found.length === 0) throw new InputError("nothing to report: give run directories, folders of runs, published tables or a report definition");
  const ids = assignIds(found);
  const byId = new Map(found.map((f, i) => [ids[i] as string, f.input]));

  const selected: { id: string; label?: string }[] = def?.doc.cases
    ? def.doc.cases.map((entry, i) => {
        const c = typeof entry === "string" ? { id: entry } : entry;
        if (!byId.has(c.id)) throw new InputError(def.problemAt(typeof entry === "string" ? ["cases", i] : ["cases", i, "id"], unknownCase(c.id, ids)));
        return c;
      })
    : ids.map((id) => ({ id }));

  const show = def?.doc.show ?? {};
  const sections: CaseSections = { statistics: show.statistics ?? true, latency: show.latency ?? true, telemetry: show.telemetry ?? true, environment: show.environment ?? true, scenario: show.scenario ?? true };
  const cases: ReportCase[] = [];
  // One at a time: each case streams its sample and telemetry files, and memory stays bounded.
  for (const { id, label } of selected) {
    const c = byId.get(id) as CaseInput;
    cases.push(await buildCase(c, id, label ?? c.manifest.scenario.title ?? c.manifest.scenario.name, sections));
  }
  const manifests = new Map(selected.map(({ id }) => [id, (byId.get(id) as CaseInput).manifest]));

  const requests = speedupRequests(input, def, selected.map((s) => s.id));
  const speedups = show.speedups === false && input.baseline === undefined && input.candidate === undefined ? { rows: [], notes: [] } : computeSpeedups(cases, requests, printedAggregates(manifests));
  notes.push(...speedups.notes, ...(def?.doc.notes ?? []));

  const base: Omit<ReportModel, "charts"> = {
    notice: noticeOf(cases, manifests),
    title: input.title ?? def?.doc.title ?? (cases.length === 1 ? (cases[0] as ReportCase).label : `migbench report: ${cases.length} cases`),
    ...(def?.doc.description ? { description: def.doc.description } : {}),
    generatedAt: now.toISOString(),
    harness: options.harness,
    definition: def ? { file: def.file, text: def.text } : null,
    cases,
    speedups: speedups.rows,
    notes,
  };
  const wanted = show.charts ?? true;
  if (!Array.isArray(wanted)) return { ...base, charts: wanted ? buildCharts(base) : [] };
  const { charts, missing } = selectCharts(base, wanted);
  return { ...base, notes: [...notes, ...missing.map((id) => `Chart "${id}" was asked for but has no data in this report.`)], charts };
}
