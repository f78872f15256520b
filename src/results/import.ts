/**
 * `bench import`: each case of a published table becomes a run directory whose manifest says it was
 * imported (`origin.kind: "imported"`, with the source file, its sha256 and the table's own aggregates),
 * so that published figures — the study's tables, a T4 measured on another machine — sit beside measured
 * runs in reports. One repetition; one execution per instance column; no logs, host or telemetry.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import type { Plan } from "../plan/types.js";
import { parseImportTable, type ImportedCase } from "./import-table.js";
import type { Execution, RunManifest } from "./manifest.js";
import { createRunDir } from "./run-dir.js";

export interface ImportOptions {
  /** Folder that receives the run directories (created if missing). */
  readonly out: string;
  readonly harness: RunManifest["harness"];
  /** The command line, secrets already masked. */
  readonly command: readonly string[];
  readonly now?: Date;
}

export interface ImportedRun {
  readonly case: string;
  readonly dir: string;
  readonly manifest: RunManifest;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * Devices of an imported case: whole-GPU cases share one device; MIG cases run in parallel on one device
 * per instance, or one after another on a single device (the study's "1 MIG instance, six idle").
 */
function devicesOf(c: ImportedCase, instances: number): Plan["devices"] {
  if (c.migProfile === undefined) return [{ key: "gpu", kind: "gpu", label: c.gpu }];
  if (c.schedule === "serial") return [{ key: "mig1", kind: "mig", label: c.migProfile }];
  return Array.from({ length: instances }, (_, k) => ({ key: `mig${k + 1}`, kind: "mig" as const, label: c.migProfile as string }));
}

export function importedManifest(c: ImportedCase, source: { file: string; sha256: string; metadata: Readonly<Record<string, string>> }, runId: string, options: ImportOptions): RunManifest {
  const at = (options.now ?? new Date()).toISOString();
  const instances = Math.max(...c.rows.map((r) => r.values.length));
  const devices = devicesOf(c, instances);
  const planned = Array.from({ length: instances }, (_, k) => ({
    id: `${c.workload}.${k + 1}`,
    workload: c.workload,
    device: (devices[devices.length === 1 ? 0 : k] as Plan["devices"][number]).key,
    column: k + 1,
  }));
  const scenario = { name: c.id, ...(c.title === undefined ? {} : { title: c.title }), file: source.file, sha256: sha256(c.text) };
  const plan: Plan = {
    scenario,
    gpu: { model: c.gpu, index: 0 },
    mig: null,
    devices,
    instances: planned,
    schedule: c.schedule,
    steps: c.schedule === "parallel" ? [planned.map((i) => i.id)] : planned.map((i) => [i.id]),
    repetitions: 1,
    warmup: 0,
  };
  const executions: Execution[] = planned.map((instance, k) => {
    const metrics: Execution["metrics"] = {};
    for (const row of c.rows) metrics[row.role] = { key: row.metric, value: row.values[k] ?? null, unit: row.unit };
    return {
      repetition: 0,
      warmup: false,
      instanceId: instance.id,
      workload: instance.workload,
      device: instance.device,
      column: instance.column,
      status: "ok",
      exitCode: null,
      signal: null,
      createdAt: null,
      startedAt: null,
      firstOutputAt: null,
      endedAt: null,
      durationSeconds: null,
      log: null,
      metrics,
      parse: { complete: true, problems: 0 },
    };
  });
  const notes = c.rows.flatMap((r) => (r.note === undefined ? [] : [`${r.metric}: ${r.note}`]));
  return {
    schemaVersion: 2,
    runId,
    status: "complete",
    simulated: false,
    origin: {
      kind: "imported",
      importedAt: at,
      source: { file: source.file, sha256: source.sha256, case: c.id, metadata: { ...source.metadata } },
      printedAggregates: c.rows.flatMap((r) => (r.aggregate === undefined ? [] : [{ role: r.role, value: r.aggregate.value, ...(r.aggregate.kind ? { kind: r.aggregate.kind } : {}) }])),
      notes,
    },
    harness: options.harness,
    command: [...options.command],
    // When the figures were measured is not known; the import's own time stands in.
    startedAt: at,
    endedAt: at,
    host: null,
    gpu: { model: c.gpu, name: c.gpu, uuid: "", index: 0 },
    scenario: { file: source.file, name: c.id, ...(c.title === undefined ? {} : { title: c.title }), sha256: scenario.sha256, text: c.text },
    plan,
    devices: devices.map((d) => ({ key: d.key, kind: d.kind, uuid: "", label: d.label, ...(d.kind === "mig" ? { profile: d.label } : {}) })),
    executions,
    images: [],
    telemetry: null,
    warnings: [],
    validity: { valid: true, reasons: [] },
  };
}

/** Imports every case of every file; nothing is written unless every file parses. */
export async function importTables(files: readonly string[], options: ImportOptions): Promise<ImportedRun[]> {
  const tables = [];
  for (const file of files) {
    const text = await readFile(file, "utf8").catch((error: unknown) => {
      throw new InputError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    });
    tables.push({ file, sha256: sha256(text), table: parseImportTable(text, file) });
  }
  const runs: ImportedRun[] = [];
  for (const { file, sha256: hash, table } of tables) {
    for (const c of table.cases) {
      const run = await createRunDir(options.out, c.id, options.now);
      const manifest = importedManifest(c, { file, sha256: hash, metadata: table.metadata }, run.id, options);
      await run.writeManifest(manifest);
      runs.push({ case: c.id, dir: run.dir, manifest });
    }
  }
  return runs;
}
