/**
 * Report models for the renderer tests: the study's Table 1 imported from reports/data/seed-table1.csv
 * (through the real import and study-table code), and a small measured model carrying every optional
 * part (repetitions, outliers, intervals, latency samples, telemetry) with hostile text in every field
 * that comes from a scenario, a log or a run directory.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MetricRole } from "../../src/scenario/schema.js";
import { buildCharts } from "../../src/report/charts/index.js";
import type { InstanceMetricStats, ReportCase, ReportModel, SpeedupRow } from "../../src/report/model.js";
import { studyTable, type StudyTable } from "../../src/report/study-table.js";
import { importedManifest, parseImportTable } from "../../src/results/index.js";
import { BETTER_BY_ROLE, speedup, summarize } from "../../src/stats/index.js";

export const SEED_TABLE1 = fileURLToPath(new URL("../../reports/data/seed-table1.csv", import.meta.url));
const HARNESS = { name: "migbench", version: "0.1.0-test" };

export const HOSTILE = `<script>alert(1)</script> "quotes" & </svg>`;

function instancesOf(table: StudyTable): InstanceMetricStats[] {
  return table.rows.flatMap((row) =>
    table.columns.map((col, k) => {
      const cell = row.cells[k];
      const values = cell?.kind === "value" ? [cell.mean] : [];
      return { instanceId: col.instanceId, column: col.column, role: row.role, unit: row.unit, values, ...(values.length > 0 ? { summary: summarize(values) } : {}), outliers: [] };
    }),
  );
}

/** The four cases of the study's Table 1, the MIG case's speedups against the other three, and charts. */
export function seedTable1Model(): ReportModel {
  const text = readFileSync(SEED_TABLE1, "utf8");
  const table = parseImportTable(text, "reports/data/seed-table1.csv");
  const source = { file: "reports/data/seed-table1.csv", sha256: "0".repeat(64), metadata: table.metadata };
  const cases: ReportCase[] = table.cases.map((c) => {
    const manifest = importedManifest(c, source, `imported-${c.id}`, { out: "", harness: HARNESS, command: ["bench", "import"], now: new Date("2026-11-25T12:00:00Z") });
    const t = studyTable(manifest);
    return {
      id: c.id,
      label: t.caseLabel,
      origin: "imported",
      runDir: null,
      runId: manifest.runId,
      status: manifest.status,
      gpuModel: t.gpuModel,
      schedule: t.schedule,
      table: t,
      instances: instancesOf(t),
      aggregatesByRepetition: Object.fromEntries(t.rows.flatMap((r) => (r.aggregate ? [[r.role, [r.aggregate.mean]]] : []))),
      latency: [],
      telemetry: [],
      environment: [
        ["Origin", "imported from a published table"],
        ["GPU", t.gpuModel],
      ],
      validity: manifest.validity,
      warnings: manifest.warnings,
      scenario: { file: manifest.scenario.file, text: manifest.scenario.text ?? "" },
    };
  });
  const [candidate, ...baselines] = cases;
  if (!candidate) throw new Error("seed-table1.csv has no cases");
  const printed = (c: ReportCase, role: MetricRole): number | undefined =>
    table.cases.find((t) => t.id === c.id)?.rows.find((r) => r.role === role)?.aggregate?.value;
  const speedups: SpeedupRow[] = baselines.flatMap((base) =>
    (["time", "throughput"] as const).map((role) => {
      const mean = (c: ReportCase): number => c.table.rows.find((r) => r.role === role)?.aggregate?.mean ?? NaN;
      const [pb, pc] = [printed(base, role), printed(candidate, role)];
      return {
        candidate: candidate.id,
        baseline: base.id,
        role,
        value: speedup(mean(base), mean(candidate), role),
        ...(pb !== undefined && pc !== undefined ? { published: speedup(pb, pc, role) } : {}),
        better: BETTER_BY_ROLE[role],
      };
    }),
  );
  const model = {
    notice: "Imported: these figures come from a published table (reports/data/seed-table1.csv), not from a migbench measurement.",
    title: "Table 1: fine-tuning BERT-base, MIG against the alternatives",
    description: "The study's Table 1, imported and recomputed.",
    generatedAt: "2026-11-25T12:00:00.000Z",
    harness: HARNESS,
    definition: null,
    cases,
    speedups,
    notes: ["Speedups recomputed from per-instance values."],
  };
  return { ...model, charts: buildCharts(model) };
}

/** A measured two-case model with every optional part present, and hostile text wherever text comes from outside. */
export function hostileModel(): ReportModel {
  const column = { column: 1, instanceId: `inst-${HOSTILE}`, workload: "w", device: "mig1", deviceLabel: "1g.5gb" };
  const values = [10, 11, 12, 30];
  const table: StudyTable = {
    notice: null,
    origin: "measured",
    title: `case ${HOSTILE}`,
    caseLabel: `case ${HOSTILE}`,
    runId: "run-1",
    runStatus: "complete",
    gpuModel: "A100-SXM4-40GB",
    schedule: "parallel",
    measuredRepetitions: 4,
    warmupRepetitions: 0,
    columns: [column],
    rows: [
      { role: "throughput", label: "throughput (req/s)", unit: "req/s", cells: [{ kind: "value", mean: 15.75, stddev: 9.5, n: 4, of: 4 }], aggregate: { kind: "Total", mean: 15.75, stddev: 9.5, n: 4 } },
      { role: "latency", label: "latency (ms)", unit: "ms", cells: [{ kind: "value", mean: 6.47, n: 1, of: 4 }], aggregate: { kind: "Avg", mean: 6.47, n: 1 } },
    ],
    notes: [`table note ${HOSTILE}`],
  };
  const measured: ReportCase = {
    id: "measured-case",
    label: `case ${HOSTILE}`,
    origin: "measured",
    runDir: `/runs/${HOSTILE}`,
    runId: "run-1",
    status: "complete",
    gpuModel: "A100-SXM4-40GB",
    schedule: "parallel",
    table,
    instances: [
      { instanceId: column.instanceId, column: 1, role: "throughput", unit: "req/s", values, summary: summarize(values), outliers: [3] },
      { instanceId: column.instanceId, column: 1, role: "latency", unit: "ms", values: [6.47], summary: summarize([6.47]), outliers: [] },
    ],
    aggregatesByRepetition: { throughput: values },
    latency: [{ instanceId: column.instanceId, count: 1000, p50: 6.1, p90: 7.2, p95: 7.9, p99: 9.4, max: 12.5, sample: [4.2, 5.5, 6.1, 6.8, 7.9, 9.4, 12.5] }],
    telemetry: [
      { gpu: 0, field: "utilization_gpu_pct", unit: "%", points: [[0, 5], [1, 93], [2, 97], [3, 40]] },
      { gpu: 0, field: "power_draw_w", unit: "W", points: [[0, 60], [1, 310], [2, 330], [3, 120]] },
      { gpu: 0, field: "memory_used_mib", unit: "MiB", points: [] },
    ],
    environment: [
      ["Driver", `535.104 ${HOSTILE}`],
      [`label ${HOSTILE}`, "value"],
    ],
    validity: { valid: false, reasons: [`reason ${HOSTILE}`] },
    warnings: [`warning ${HOSTILE}`],
    scenario: { file: `scenarios/${HOSTILE}.yaml`, text: `name: x\ntitle: "${HOSTILE}"\n` },
  };
  const baseline: ReportCase = {
    ...measured,
    id: "baseline-case",
    label: "baseline",
    instances: [],
    latency: [],
    telemetry: [],
    environment: [],
    validity: { valid: true, reasons: [] },
    warnings: [],
    scenario: null,
    table: { ...table, caseLabel: "baseline", title: "baseline", rows: table.rows.map((r) => ({ ...r, aggregate: r.aggregate && { ...r.aggregate, mean: r.aggregate.mean / 2 } })) },
  };
  const model = {
    notice: `Simulated GPU ${HOSTILE}`,
    title: `Report ${HOSTILE}`,
    description: `Description ${HOSTILE}`,
    generatedAt: "2026-11-25T12:00:00.000Z",
    harness: HARNESS,
    definition: { file: `reports/${HOSTILE}.yaml`, text: `title: "${HOSTILE}"\n` },
    cases: [measured, baseline],
    speedups: [
      { candidate: "measured-case", baseline: "baseline-case", role: "throughput" as const, value: 2, interval: [1.5, 2.6] as const, published: 1.9, better: "higher" as const },
      { candidate: "measured-case", baseline: "baseline-case", role: "latency" as const, value: 0.58, better: "lower" as const },
    ],
    notes: [`note ${HOSTILE}`],
  };
  return { ...model, charts: buildCharts(model) };
}
