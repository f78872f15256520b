/**
 * One case of a report from one manifest: the study table, statistics per instance and per repetition,
 * latency distributions and telemetry series read from the run directory, environment facts, validity.
 */
import { parse as parseYaml } from "yaml";
import type { Execution, RunManifest } from "../results/index.js";
import type { MetricRole } from "../scenario/schema.js";
import { aggregateCase, summarize, tukeyOutliers } from "../stats/index.js";
import { environmentFacts } from "./environment.js";
import { readLatency } from "./latency.js";
import type { CaseOrigin, InstanceMetricStats, ReportCase } from "./model.js";
import type { CaseInput } from "./sources.js";
import { studyTable, type StudyTable } from "./study-table.js";
import { readTelemetrySeries } from "./telemetry-series.js";

/** What a case shows beyond its table; a section left out has no data in the model. */
export interface CaseSections {
  readonly statistics: boolean;
  readonly latency: boolean;
  readonly telemetry: boolean;
  readonly environment: boolean;
  readonly scenario: boolean;
}

/** How a CPU program standing in for a GPU workload is recognised in the recorded scenario text. */
const CPU_STAND_IN = {
  /** The built-in CPU workloads, run as `node .../workloads/cpu-matmul/main.js` (or cpu-standin). */
  command: /(?:^|[\\/])workloads[\\/](?:cpu-matmul|cpu-standin)[\\/]main\.js$/,
  /** Or a scenario that says so: `labels: { stand-in: cpu }`. */
  label: ["stand-in", "cpu"],
} as const;

const valueOf = (e: Execution, role: MetricRole): number | null => (e.status === "ok" ? (e.metrics[role]?.value ?? null) : null);

/** True when any `command:` list of the scenario runs the CPU stand-in, or its labels say it is one. */
export function isCpuStandIn(scenarioText: string): boolean {
  let doc: unknown;
  try {
    doc = parseYaml(scenarioText);
  } catch {
    return false;
  }
  const walk = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(walk);
    if (typeof node !== "object" || node === null) return false;
    return Object.entries(node).some(([key, value]) => {
      if (key === "command" && Array.isArray(value)) return value.some((arg) => typeof arg === "string" && CPU_STAND_IN.command.test(arg));
      if (key === "labels" && typeof value === "object" && value !== null) return (value as Record<string, unknown>)[CPU_STAND_IN.label[0]] === CPU_STAND_IN.label[1];
      return walk(value);
    });
  };
  return walk(doc);
}

function originOf(m: RunManifest): CaseOrigin {
  if (m.origin.kind === "imported") return "imported";
  return m.simulated ? "simulated" : "measured";
}

/** Per instance and role, the values of the measured repetitions, their summary and outliers. */
function instanceStats(m: RunManifest, table: StudyTable): InstanceMetricStats[] {
  const measured = m.executions.filter((e) => !e.warmup).sort((a, b) => a.repetition - b.repetition);
  return table.columns.flatMap((column) =>
    table.rows.map((row) => {
      const values = measured.filter((e) => e.instanceId === column.instanceId).flatMap((e) => {
        const v = valueOf(e, row.role);
        return v === null ? [] : [v];
      });
      return {
        instanceId: column.instanceId,
        column: column.column,
        role: row.role,
        unit: row.unit,
        values,
        ...(values.length > 0 ? { summary: summarize(values) } : {}),
        outliers: tukeyOutliers(values),
      };
    }),
  );
}

/**
 * The case's aggregate in each complete repetition (every instance that reports the role gave a value),
 * by the study's rule: the spread a speedup interval resamples. Mirrors how the table's aggregate is made.
 */
function aggregatesByRepetition(m: RunManifest, table: StudyTable): ReportCase["aggregatesByRepetition"] {
  const measured = m.executions.filter((e) => !e.warmup);
  const repetitions = [...new Set(measured.map((e) => e.repetition))].sort((a, b) => a - b);
  const at = new Map(measured.map((e) => [`${e.repetition}\u0000${e.instanceId}`, e]));
  const result: Partial<Record<MetricRole, number[]>> = {};
  for (const row of table.rows) {
    if (row.aggregate === null) continue;
    const participants = table.columns.filter((c) => m.executions.some((e) => e.instanceId === c.instanceId && e.metrics[row.role] !== undefined));
    const perRepetition: number[] = [];
    for (const rep of repetitions) {
      const values = participants.map((c) => {
        const e = at.get(`${rep}\u0000${c.instanceId}`);
        return e ? valueOf(e, row.role) : null;
      });
      if (values.every((v): v is number => v !== null)) perRepetition.push(aggregateCase(values, row.role, m.plan.schedule).value);
    }
    result[row.role] = perRepetition;
  }
  return result;
}

/** Validity and warnings have sections of their own; the table's notes would repeat them. */
const REPEATED_IN_SECTIONS = /^(?:Validity|Warning): /;

export async function buildCase(input: CaseInput, id: string, label: string, sections: CaseSections): Promise<ReportCase> {
  const { manifest: m, runDir } = input;
  const study = studyTable(m);
  const table: StudyTable = { ...study, title: label, caseLabel: label, notes: study.notes.filter((n) => !REPEATED_IN_SECTIONS.test(n)) };
  const latency = sections.latency && runDir !== null ? await readLatency(runDir, m) : { distributions: [], warnings: [] };
  const telemetry = sections.telemetry && runDir !== null ? await readTelemetrySeries(runDir, m) : { series: [], warnings: [] };
  const cpuStandIn = m.origin.kind === "measured" && isCpuStandIn(m.scenario.text);
  return {
    id,
    label,
    origin: originOf(m),
    ...(cpuStandIn ? { cpuStandIn } : {}),
    runDir,
    runId: m.runId,
    status: m.status,
    gpuModel: m.gpu.model,
    schedule: m.plan.schedule,
    table,
    instances: sections.statistics ? instanceStats(m, table) : [],
    aggregatesByRepetition: aggregatesByRepetition(m, table),
    latency: latency.distributions,
    telemetry: telemetry.series,
    environment: sections.environment ? environmentFacts(m) : [],
    validity: m.validity,
    warnings: [...m.warnings, ...latency.warnings, ...telemetry.warnings],
    scenario: sections.scenario ? { file: m.scenario.file, text: m.scenario.text } : null,
  };
}
