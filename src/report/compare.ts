/**
 * `bench compare`: an A/B comparison of two runs, metric by metric, as plain data. Each metric's samples
 * are its per-execution values (every instance × measured repetition with status ok), pooled per
 * workload; `compareSamples` decides SAME / FASTER / SLOWER / UNCERTAIN. What makes the comparison less
 * than like-for-like (another scenario, a simulated GPU, an incomplete run) becomes a note, and a metric
 * that cannot be compared at all (different units) is refused: UNCERTAIN with the reason.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Execution, RunManifest } from "../results/index.js";
import { metricRoles, type MetricRole } from "../scenario/schema.js";
import { BETTER_BY_ROLE, compareSamples, percentile, type SampleComparison, type Verdict } from "../stats/index.js";
import { ROW_SPECS, SIMULATED_NOTICE } from "./study-table.js";

export const DEFAULT_THRESHOLD = 0.05;
export const DEFAULT_ALPHA = 0.05;

export interface CompareRunsOptions {
  /** Smallest relative change of a median that matters (default 5%). */
  readonly threshold?: number;
  /** Significance level of the rank test (default 0.05). */
  readonly alpha?: number;
}

/** One run as the comparison describes it. */
export interface ComparedRun {
  readonly runId: string;
  readonly scenario: string;
  readonly scenarioSha256: string;
  readonly gpuModel: string;
  readonly status: RunManifest["status"];
  readonly valid: boolean;
  readonly simulated: boolean;
  readonly origin: RunManifest["origin"]["kind"];
}

/** One side's samples of one metric. */
export interface MetricSamples {
  /** The parser's names for the metric in this run (normally one). */
  readonly keys: readonly string[];
  /** Units recorded in this run (normally one; the role's default when the run records none). */
  readonly units: readonly string[];
  /** Per-execution values, in manifest order. */
  readonly values: readonly number[];
  /** Measured executions of this workload, counted or not (a failed one gives no value). */
  readonly executions: number;
  /** Null without values. */
  readonly median: number | null;
}

export interface MetricComparison {
  readonly workload: string;
  readonly role: MetricRole;
  /** `throughput`, or `bert-infer throughput` when the runs hold several workloads. */
  readonly label: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  /** What one sample is, in words: which value of which execution. */
  readonly sampleKind: string;
  readonly base: MetricSamples;
  readonly candidate: MetricSamples;
  readonly verdict: Verdict;
  /** Why this verdict, in one sentence. */
  readonly reason: string;
  /** The statistics; null when the metric was refused or a side has no values. */
  readonly result: SampleComparison | null;
}

export interface RunComparison {
  /** First line of any rendering when set: a run used the simulated GPU. */
  readonly notice: string | null;
  readonly base: ComparedRun;
  readonly candidate: ComparedRun;
  readonly threshold: number;
  readonly alpha: number;
  readonly metrics: readonly MetricComparison[];
  /** What a reader must know to trust (or not) the verdicts. */
  readonly notes: readonly string[];
  /** Some metric is SLOWER, or the new run gave no value for a metric the base has: `bench compare` exits 1. */
  readonly regression: boolean;
}

type Better = "higher" | "lower";

/** The `better:` overrides a scenario gives its metrics; anything else in the file is ignored here. */
const betterOverridesSchema = z.object({
  workloads: z.record(
    z.string(),
    z.object({
      metrics: z.partialRecord(z.enum(metricRoles), z.object({ better: z.enum(["higher", "lower"]).optional() }).nullable()).optional(),
    }),
  ),
});

/**
 * Which direction is better for a workload's metric: the scenario's `better:` when its stored text says
 * so, else the role's default. Stored text that does not parse (an old or imported run) gives the default.
 */
function betterOf(manifest: RunManifest, workload: string, role: MetricRole): Better {
  let doc: unknown;
  try {
    doc = parseYaml(manifest.scenario.text);
  } catch {
    return BETTER_BY_ROLE[role];
  }
  const parsed = betterOverridesSchema.safeParse(doc);
  return (parsed.success ? parsed.data.workloads[workload]?.metrics?.[role]?.better : undefined) ?? BETTER_BY_ROLE[role];
}

const measured = (manifest: RunManifest, workload: string): Execution[] => manifest.executions.filter((e) => !e.warmup && e.workload === workload);

/** Distinct entries, most frequent first. */
function byFrequency(items: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([item]) => item);
}

function samplesOf(manifest: RunManifest, workload: string, role: MetricRole): MetricSamples | null {
  const executions = measured(manifest, workload);
  const reporting = executions.flatMap((e) => (e.metrics[role] ? [{ e, metric: e.metrics[role] }] : []));
  if (reporting.length === 0) return null;
  const defaultUnit = ROW_SPECS.find((s) => s.role === role)?.defaultUnit ?? "";
  const values = reporting.flatMap(({ e, metric }) => (e.status === "ok" && metric.value !== null ? [metric.value] : []));
  return {
    keys: byFrequency(reporting.map(({ metric }) => metric.key)),
    units: byFrequency(reporting.map(({ metric }) => metric.unit ?? defaultUnit)),
    values,
    executions: executions.length,
    median: values.length === 0 ? null : percentile(values, 0.5),
  };
}

const describeRun = (m: RunManifest): ComparedRun => ({
  runId: m.runId,
  scenario: m.scenario.name,
  scenarioSha256: m.scenario.sha256,
  gpuModel: m.gpu.model,
  status: m.status,
  valid: m.validity.valid,
  simulated: m.simulated,
  origin: m.origin.kind,
});

/** Why a metric cannot be compared at all, or null when it can. */
function refusal(role: MetricRole, base: MetricSamples, candidate: MetricSamples, betterBase: Better, betterCandidate: Better): string | null {
  if (base.units.length > 1) return `the base run records it in several units (${base.units.join(", ")})`;
  if (candidate.units.length > 1) return `the new run records it in several units (${candidate.units.join(", ")})`;
  if (base.units[0] !== candidate.units[0]) return `the units differ (${base.units[0]} in the base run, ${candidate.units[0]} in the new run)`;
  // Two latency keys are two kinds of figure (a mean, a p99): comparing them would mislead.
  if (role === "latency" && base.keys.join() !== candidate.keys.join())
    return `the latency figures differ in kind (${base.keys.join(", ")} in the base run, ${candidate.keys.join(", ")} in the new run)`;
  if (betterBase !== betterCandidate) return `the scenarios disagree on which direction is better (${betterBase} in the base run, ${betterCandidate} in the new run)`;
  return null;
}

function sampleKind(role: MetricRole, keys: readonly string[]): string {
  const named = keys.join(", ");
  return role === "latency"
    ? `per-execution values of ${named} (one figure per execution, not per-request samples)`
    : `per-execution values of ${named}`;
}

interface MetricToCompare {
  readonly workload: string;
  readonly role: MetricRole;
  readonly label: string;
  readonly b: MetricSamples;
  readonly c: MetricSamples;
}

function compareMetric(base: RunManifest, candidate: RunManifest, { workload, role, label, b, c }: MetricToCompare, options: Required<CompareRunsOptions>): MetricComparison {
  const betterBase = betterOf(base, workload, role);
  const refused = refusal(role, b, c, betterBase, betterOf(candidate, workload, role));
  const common = { workload, role, label, unit: b.units[0]!, better: betterBase, sampleKind: sampleKind(role, b.keys), base: b, candidate: c };
  if (refused) return { ...common, verdict: "UNCERTAIN", reason: `not compared: ${refused}`, result: null };
  const empty = [b.values.length === 0 ? "base" : null, c.values.length === 0 ? "new" : null].filter((s) => s !== null);
  if (empty.length > 0) return { ...common, verdict: "UNCERTAIN", reason: `not compared: no value in the ${empty.join(" or the ")} run (every execution failed or gave none)${c.values.length === 0 && b.values.length > 0 ? "; counted as a regression" : ""}`, result: null };
  const result = compareSamples(b.values, c.values, { better: betterBase, threshold: options.threshold, alpha: options.alpha });
  return { ...common, verdict: result.verdict, reason: result.reason, result };
}

function runNotes(side: "base" | "new", m: RunManifest): string[] {
  const notes: string[] = [];
  if (m.simulated) notes.push(`The ${side} run (${m.runId}) used the simulated GPU.`);
  if (m.origin.kind === "imported")
    notes.push(`The ${side} run holds figures imported from a published table (${m.origin.source.file}, case ${m.origin.source.case}), not a migbench measurement.`);
  if (m.status !== "complete") notes.push(`The ${side} run is ${m.status}, not complete: its samples may be partial.`);
  if (!m.validity.valid) notes.push(`The ${side} run is not valid: ${m.validity.reasons.join("; ") || "no reason recorded"}.`);
  return notes;
}

function workloadsOf(m: RunManifest): string[] {
  return [...new Set(m.plan.instances.map((i) => i.workload))];
}

/** Compares `candidate` (the new run) with `base`, metric by metric. */
export function compareRuns(base: RunManifest, candidate: RunManifest, options: CompareRunsOptions = {}): RunComparison {
  const settings = { threshold: options.threshold ?? DEFAULT_THRESHOLD, alpha: options.alpha ?? DEFAULT_ALPHA };
  const notes: string[] = [];
  if (base.scenario.name !== candidate.scenario.name)
    notes.push(`The runs are of different scenarios: ${base.scenario.name} (base) and ${candidate.scenario.name} (new).`);
  else if (base.scenario.sha256 !== candidate.scenario.sha256)
    notes.push(`The scenario file changed between the runs (sha256 ${base.scenario.sha256.slice(0, 12)}… → ${candidate.scenario.sha256.slice(0, 12)}…).`);
  if (base.gpu.model !== candidate.gpu.model) notes.push(`The GPUs differ: ${base.gpu.model} (base) and ${candidate.gpu.model} (new).`);
  notes.push(...runNotes("base", base), ...runNotes("new", candidate));

  const baseWorkloads = workloadsOf(base);
  const candidateWorkloads = workloadsOf(candidate);
  const shared = baseWorkloads.filter((w) => candidateWorkloads.includes(w));
  for (const w of baseWorkloads.filter((w) => !shared.includes(w))) notes.push(`Workload ${w} is only in the base run: not compared.`);
  for (const w of candidateWorkloads.filter((w) => !shared.includes(w))) notes.push(`Workload ${w} is only in the new run: not compared.`);
  const several = new Set([...baseWorkloads, ...candidateWorkloads]).size > 1;

  const metrics: MetricComparison[] = [];
  for (const workload of shared) {
    for (const role of metricRoles) {
      const label = several ? `${workload} ${role}` : role;
      const b = samplesOf(base, workload, role);
      const c = samplesOf(candidate, workload, role);
      if (b && c) metrics.push(compareMetric(base, candidate, { workload, role, label, b, c }, settings));
      else if (b || c) notes.push(`${label} is only in the ${b ? "base" : "new"} run: not compared.`);
    }
  }
  for (const row of metrics) {
    if (row.role === "latency") notes.push(`${row.label}: compared ${row.sampleKind}.`);
    for (const [side, s] of [["base", row.base], ["new", row.candidate]] as const)
      if (s.values.length < s.executions) notes.push(`${row.label}: ${s.executions - s.values.length} of ${s.executions} measured executions of the ${side} run gave no value (failed, or none in the log).`);
    if (row.role !== "latency" && row.base.keys.join() !== row.candidate.keys.join())
      notes.push(`${row.label}: the metric is named differently (${row.base.keys.join(", ")} in the base run, ${row.candidate.keys.join(", ")} in the new run); compared as the same.`);
  }
  if (metrics.length === 0) notes.push("No metric is recorded in both runs: nothing was compared.");

  return {
    notice: base.simulated || candidate.simulated ? SIMULATED_NOTICE : null,
    base: describeRun(base),
    candidate: describeRun(candidate),
    ...settings,
    metrics,
    notes,
    // A metric the new run lost (every execution failed) fails a CI gate as surely as one that got slower.
    regression: metrics.some((m) => m.verdict === "SLOWER" || (m.base.values.length > 0 && m.candidate.values.length === 0)),
  };
}
