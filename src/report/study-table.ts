/**
 * The study's table for one run, as plain data: one column per planned instance, one row per metric
 * role, each cell the mean over the measured repetitions, and the case's aggregate by the study's rule.
 * Renderers (Markdown, HTML, CSV) only format this model; every number is decided here.
 */
import type { Execution, RunManifest } from "../results/index.js";
import type { MetricRole } from "../scenario/schema.js";
import { AGGREGATION_RULES, aggregateCase, summarize, type AggregateKind, type Schedule } from "../stats/index.js";

export const SIMULATED_NOTICE = "Simulated GPU: these numbers were not measured on a GPU (the run used the migbench simulator).";

/** The first line of a report on figures imported from a published table (`bench import`). */
export const importedNotice = (file: string, caseId: string): string =>
  `Imported: these figures come from a published table (${file}, case ${caseId}), not from a migbench measurement.`;

/** The rows a study table can have, in the study's order, with the unit shown when a run records none. */
export const ROW_SPECS: readonly { readonly role: MetricRole; readonly name: string; readonly defaultUnit: string }[] = [
  { role: "time", name: "time", defaultUnit: "s" },
  { role: "throughput", name: "throughput", defaultUnit: "items/s" },
  { role: "latency", name: "latency", defaultUnit: "ms" },
];

export interface StudyColumn {
  /** The study's column number (the plan's `column`). */
  readonly column: number;
  readonly instanceId: string;
  readonly workload: string;
  readonly device: string;
  readonly deviceLabel: string;
  readonly deviceUuid?: string;
}

/** A cell: a mean over measured repetitions, or why there is none. */
export type StudyCell =
  | {
      readonly kind: "value";
      readonly mean: number;
      /** Present when at least two repetitions gave a value. */
      readonly stddev?: number;
      /** Repetitions that gave a value, of `of` measured ones recorded for this instance. */
      readonly n: number;
      readonly of: number;
    }
  /** Every measured execution of the instance failed. */
  | { readonly kind: "failed" }
  /** It ran, but its log gave no value for this role (or the workload does not report it). */
  | { readonly kind: "no-value" }
  /** No measured execution recorded (an interrupted or still running run). */
  | { readonly kind: "not-run" };

export interface StudyAggregate {
  readonly kind: AggregateKind;
  /** The aggregate computed per repetition, then averaged over the complete repetitions. */
  readonly mean: number;
  readonly stddev?: number;
  /** Complete repetitions used. */
  readonly n: number;
  /** Mean over repetitions of the slowest instance's time (parallel schedule, time row). */
  readonly makespan?: number;
}

export interface StudyRow {
  readonly role: MetricRole;
  /** `time (s)`. */
  readonly label: string;
  readonly unit: string;
  /** Aligned with `StudyTable.columns`. */
  readonly cells: readonly StudyCell[];
  /** Null when no repetition had a value from every instance that reports this role. */
  readonly aggregate: StudyAggregate | null;
}

export interface StudyTable {
  /** First line of any rendering when set. */
  readonly notice: string | null;
  /** Measured by migbench, or imported from a published table. */
  readonly origin: RunManifest["origin"]["kind"];
  readonly title: string;
  /** The "case" cell: the scenario's title, or its name. */
  readonly caseLabel: string;
  readonly runId: string;
  readonly runStatus: RunManifest["status"];
  readonly gpuModel: string;
  readonly schedule: Schedule;
  readonly measuredRepetitions: number;
  readonly warmupRepetitions: number;
  readonly columns: readonly StudyColumn[];
  readonly rows: readonly StudyRow[];
  readonly notes: readonly string[];
}

/** How an execution is named in notes: by the study's column and a 1-based measured repetition. */
function describeExecution(e: Execution, warmups: number): string {
  const rep = e.warmup ? `warm-up ${e.repetition + 1}` : `repetition ${e.repetition - warmups + 1}`;
  return `${rep}, column ${e.column} (${e.instanceId})`;
}

function describeFailure(e: Execution): string {
  const how = [
    e.status,
    e.exitCode !== null ? `exit code ${e.exitCode}` : null,
    e.signal !== null ? `signal ${e.signal}` : null,
  ].filter((part): part is string => part !== null);
  return how.join(", ") + (e.message ? `: ${e.message}` : "");
}

const valueOf = (e: Execution, role: MetricRole): number | null => (e.status === "ok" ? (e.metrics[role]?.value ?? null) : null);

function cellFor(executions: readonly Execution[], role: MetricRole): StudyCell {
  if (executions.length === 0) return { kind: "not-run" };
  const values = executions.map((e) => valueOf(e, role)).filter((v): v is number => v !== null);
  if (values.length === 0) return executions.every((e) => e.status !== "ok") ? { kind: "failed" } : { kind: "no-value" };
  const s = summarize(values);
  return s.n >= 2 ? { kind: "value", mean: s.mean, stddev: s.stddev, n: s.n, of: executions.length } : { kind: "value", mean: s.mean, n: 1, of: executions.length };
}

/** The units recorded for a role, most frequent first. */
function unitsOf(executions: readonly Execution[], role: MetricRole): string[] {
  const counts = new Map<string, number>();
  for (const e of executions) {
    const unit = e.metrics[role]?.unit;
    if (unit) counts.set(unit, (counts.get(unit) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([unit]) => unit);
}

export function studyTable(manifest: RunManifest): StudyTable {
  const { plan } = manifest;
  const schedule = plan.schedule;
  const notes: string[] = [];
  const deviceByKey = new Map(manifest.devices.map((d) => [d.key, d]));
  const plannedDeviceByKey = new Map(plan.devices.map((d) => [d.key, d]));

  const columns: StudyColumn[] = [...plan.instances]
    .sort((a, b) => a.column - b.column)
    .map((inst) => {
      const recorded = deviceByKey.get(inst.device);
      const label = recorded?.label ?? plannedDeviceByKey.get(inst.device)?.label ?? inst.device;
      return { column: inst.column, instanceId: inst.id, workload: inst.workload, device: inst.device, deviceLabel: label, ...(recorded ? { deviceUuid: recorded.uuid } : {}) };
    });

  const measured = manifest.executions.filter((e) => !e.warmup);
  const repetitions = [...new Set(measured.map((e) => e.repetition))].sort((a, b) => a - b);
  const byInstance = new Map(columns.map((c) => [c.instanceId, measured.filter((e) => e.instanceId === c.instanceId)]));
  const at = new Map(measured.map((e) => [`${e.repetition}\u0000${e.instanceId}`, e]));

  const rows: StudyRow[] = [];
  for (const spec of ROW_SPECS) {
    const reporting = manifest.executions.filter((e) => e.metrics[spec.role] !== undefined);
    if (reporting.length === 0) continue;
    const units = unitsOf(reporting, spec.role);
    const unit = units.length === 0 ? spec.defaultUnit : units.join(", ");
    const cells = columns.map((c) => cellFor(byInstance.get(c.instanceId) ?? [], spec.role));

    // The aggregate sums or averages one repetition's instances. A repetition missing an instance would
    // bias a Total low (and an Avg towards the survivors), so only complete repetitions count.
    const participants = columns.filter((c) => reporting.some((e) => e.instanceId === c.instanceId));
    let aggregate: StudyAggregate | null = null;
    if (units.length > 1) {
      notes.push(`${spec.name}: not aggregated, the instances report different units (${units.join(", ")}).`);
    } else {
      const perRep: { value: number; makespan?: number }[] = [];
      const incomplete: number[] = [];
      for (const rep of repetitions) {
        const values = participants.map((c) => {
          const e = at.get(`${rep}\u0000${c.instanceId}`);
          return e ? valueOf(e, spec.role) : null;
        });
        if (values.every((v): v is number => v !== null)) perRep.push(aggregateCase(values, spec.role, schedule));
        else incomplete.push(rep - plan.warmup + 1);
      }
      if (perRep.length > 0) {
        const value = summarize(perRep.map((r) => r.value));
        const makespans = perRep.map((r) => r.makespan).filter((m): m is number => m !== undefined);
        const makespan = makespans.length === perRep.length ? summarize(makespans).mean : undefined;
        aggregate = {
          kind: AGGREGATION_RULES[schedule][spec.role].kind,
          mean: value.mean,
          ...(value.n >= 2 ? { stddev: value.stddev } : {}),
          n: value.n,
          ...(makespan !== undefined ? { makespan } : {}),
        };
        if (makespan !== undefined) notes.push(`${spec.name} makespan (slowest instance, mean over repetitions): ${makespan.toFixed(2)} ${unit}.`);
      }
      if (incomplete.length > 0)
        notes.push(
          perRep.length === 0
            ? `${spec.name}: no aggregate, no repetition has a value from every instance.`
            : `${spec.name}: aggregate over ${perRep.length} of ${repetitions.length} repetitions; ` +
                `${incomplete.length === 1 ? `repetition ${incomplete[0]} misses` : `repetitions ${incomplete.join(", ")} miss`} an instance's value.`,
        );
    }
    rows.push({ role: spec.role, label: `${spec.name} (${unit})`, unit, cells, aggregate });
  }

  if (manifest.origin.kind === "imported") notes.push(...importNotes(manifest.origin, rows));

  // What was left out, and why: failures first, then executions that ran but did not yield a value.
  for (const e of manifest.executions) {
    if (e.status !== "ok") {
      notes.push(`${e.warmup ? "Failed warm-up" : "Excluded"}: ${describeExecution(e, plan.warmup)}: ${describeFailure(e)}.`);
      continue;
    }
    const missing = ROW_SPECS.filter((s) => e.metrics[s.role] !== undefined && e.metrics[s.role]?.value === null).map((s) => s.name);
    if (missing.length > 0 && !e.warmup)
      notes.push(
        manifest.origin.kind === "imported"
          ? `No ${missing.join(", ")} value in the published table for column ${e.column} (${e.instanceId}).`
          : `No ${missing.join(", ")} value parsed from ${describeExecution(e, plan.warmup)}.`,
      );
    if ((!e.parse.complete || e.parse.problems > 0) && !e.warmup)
      notes.push(`Log of ${describeExecution(e, plan.warmup)} parsed ${e.parse.complete ? "completely" : "incompletely"} with ${e.parse.problems} problem(s).`);
  }

  if (manifest.status !== "complete") notes.push(`Run status: ${manifest.status}; the table may be incomplete.`);
  notes.push(manifest.validity.valid ? "Validity: the run is valid." : `Validity: the run is NOT valid: ${manifest.validity.reasons.join("; ") || "no reason recorded"}.`);
  for (const warning of manifest.warnings) notes.push(`Warning: ${warning}`);

  const caseLabel = manifest.scenario.title ?? manifest.scenario.name;
  return {
    notice: manifest.simulated ? SIMULATED_NOTICE : manifest.origin.kind === "imported" ? importedNotice(manifest.origin.source.file, manifest.origin.source.case) : null,
    origin: manifest.origin.kind,
    title: caseLabel,
    caseLabel,
    runId: manifest.runId,
    runStatus: manifest.status,
    gpuModel: manifest.gpu.model,
    schedule,
    measuredRepetitions: repetitions.length,
    warmupRepetitions: new Set(manifest.executions.filter((e) => e.warmup).map((e) => e.repetition)).size,
    columns,
    rows,
    notes,
  };
}

/**
 * What an imported table said beside its figures: its notes, and its printed aggregates against the ones
 * recomputed here from the per-instance values (tables often aggregate unrounded data: say where they differ).
 */
function importNotes(origin: Extract<RunManifest["origin"], { kind: "imported" }>, rows: readonly StudyRow[]): string[] {
  const notes: string[] = [];
  const source = origin.source.metadata.source;
  notes.push(`Imported ${origin.importedAt.slice(0, 10)} from ${origin.source.file} (sha256 ${origin.source.sha256.slice(0, 12)}…)${source ? `; source: ${source}` : ""}.`);
  for (const printed of origin.printedAggregates) {
    const row = rows.find((r) => r.role === printed.role);
    const name = ROW_SPECS.find((s) => s.role === printed.role)?.name ?? printed.role;
    const kind = printed.kind ? ` (${printed.kind})` : "";
    if (!row?.aggregate) {
      notes.push(`${name}: the table printed ${formatFixed(printed.value)}${kind}; no aggregate could be recomputed.`);
    } else if (printed.kind !== undefined && printed.kind !== row.aggregate.kind) {
      notes.push(`${name}: the table printed a ${printed.kind} (${formatFixed(printed.value)}); the study's rule for this schedule gives ${row.aggregate.kind} ${formatFixed(row.aggregate.mean)}.`);
    } else if (formatFixed(printed.value) !== formatFixed(row.aggregate.mean)) {
      notes.push(
        `${name}: the table printed ${formatFixed(printed.value)}${kind}, recomputed from the per-instance values: ${formatFixed(row.aggregate.mean)} ` +
          `(the table's aggregate was probably computed from unrounded data).`,
      );
    } else {
      notes.push(`${name}: the table printed ${formatFixed(printed.value)}${kind}, as recomputed.`);
    }
  }
  for (const note of origin.notes) notes.push(`From the table: ${note}.`);
  return notes;
}

/** Two decimals, as the study prints its figures. */
const formatFixed = (x: number): string => x.toFixed(2);
