/** Builds run manifests in code, valid per the schema, for results and report tests. */
import { createHash } from "node:crypto";
import type { Plan } from "../../src/plan/types.js";
import type { ExecutionStatus, RunManifest } from "../../src/results/index.js";
import { logRelativePath } from "../../src/results/index.js";
import type { MetricRole } from "../../src/scenario/schema.js";

export interface FixtureMetric {
  readonly key: string;
  readonly unit: string;
  /** `repetition` as stored: 0-based, warm-ups first. Null: the log did not yield it. */
  readonly value: (repetition: number, column: number) => number | null;
}

export interface FixtureFailure {
  readonly repetition: number;
  readonly column: number;
  readonly status?: ExecutionStatus;
  readonly exitCode?: number | null;
  readonly message?: string;
}

export interface FixtureOptions {
  readonly name?: string;
  readonly title?: string;
  readonly schedule: "parallel" | "serial";
  readonly mig: boolean;
  readonly instances?: number;
  readonly repetitions?: number;
  readonly warmup?: number;
  readonly simulated?: boolean;
  readonly workload?: string;
  readonly metrics: Partial<Record<MetricRole, FixtureMetric>>;
  readonly failures?: readonly FixtureFailure[];
}

/** Where the driver's default placement puts seven 1g.5gb instances on an empty A100. */
const SEVEN_1G_STARTS = [6, 4, 5, 0, 1, 2, 3];
const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const iso = (offsetSeconds: number): string => new Date(T0 + offsetSeconds * 1000).toISOString();

export function makePlan(o: FixtureOptions): Plan {
  const n = o.instances ?? 7;
  const workload = o.workload ?? "bert-base-squad";
  const gpuInstances = Array.from({ length: n }, (_, i) => ({
    key: `gi${i}`,
    profileId: 19,
    profileName: "1g.5gb",
    start: SEVEN_1G_STARTS[i] ?? i,
    size: 1,
    computeInstances: [{ key: `gi${i}.ci0`, profileId: 0, profileName: "1c.1g.5gb", start: 0, size: 1, isDefault: true }],
  }));
  const devices = o.mig
    ? gpuInstances.map((gi) => ({ key: `${gi.key}.ci0`, kind: "mig" as const, label: `1g.5gb@${gi.start}`, giKey: gi.key, ciKey: `${gi.key}.ci0` }))
    : [{ key: "gpu", kind: "gpu" as const, label: "A100-SXM4-40GB" }];
  const instances = Array.from({ length: n }, (_, i) => ({
    id: `${workload}.${i + 1}`,
    workload,
    device: o.mig ? `gi${i}.ci0` : "gpu",
    column: i + 1,
  }));
  return {
    scenario: { name: o.name ?? "a100-table1", title: o.title, file: "scenarios/a100.yaml", sha256: "0".repeat(64) },
    gpu: { model: "A100-SXM4-40GB", index: 0, memorySlots: 8 },
    mig: o.mig ? { gpuInstances, creationOrder: gpuInstances.map((_, i) => i), reachedByDefaultPlacement: true } : null,
    devices,
    instances,
    schedule: o.schedule,
    steps: o.schedule === "parallel" ? [instances.map((i) => i.id)] : instances.map((i) => [i.id]),
    repetitions: o.repetitions ?? 1,
    warmup: o.warmup ?? 0,
  };
}

export function makeManifest(o: FixtureOptions): RunManifest {
  const plan = makePlan(o);
  const text = `name: ${plan.scenario.name}\n`;
  const total = plan.warmup + plan.repetitions;
  const executions: RunManifest["executions"] = [];
  for (let repetition = 0; repetition < total; repetition++) {
    for (const inst of plan.instances) {
      const failure = o.failures?.find((f) => f.repetition === repetition && f.column === inst.column);
      const metrics: RunManifest["executions"][number]["metrics"] = {};
      for (const role of ["time", "throughput", "latency"] as const) {
        const m = o.metrics[role];
        if (m) metrics[role] = { key: m.key, unit: m.unit, value: failure ? null : m.value(repetition, inst.column) };
      }
      const start = repetition * 10_000 + (plan.schedule === "serial" ? inst.column * 1000 : 0);
      executions.push({
        repetition,
        warmup: repetition < plan.warmup,
        instanceId: inst.id,
        workload: inst.workload,
        device: inst.device,
        column: inst.column,
        status: failure ? (failure.status ?? "failed") : "ok",
        exitCode: failure ? (failure.exitCode === undefined ? 1 : failure.exitCode) : 0,
        signal: null,
        createdAt: iso(start),
        startedAt: iso(start + 1),
        firstOutputAt: iso(start + 2),
        endedAt: iso(start + 900),
        durationSeconds: 899,
        ...(failure?.message !== undefined ? { message: failure.message } : {}),
        log: logRelativePath(repetition, inst.id),
        metrics,
        parse: { complete: !failure, problems: 0 },
      });
    }
  }
  return {
    schemaVersion: 2,
    origin: { kind: "measured" },
    images: [],
    telemetry: null,
    runId: `20250301-100000-${plan.scenario.name}-beef`,
    status: "complete",
    simulated: o.simulated ?? false,
    harness: { name: "migbench", version: "0.1.0" },
    command: ["bench", "run", plan.scenario.file],
    startedAt: iso(0),
    endedAt: iso(total * 10_000),
    host: { hostname: "dgx-a100", platform: "linux", release: "5.15.0", arch: "x64", cpus: 128, cpuModel: "AMD EPYC 7742", memoryBytes: 1_081_000_000_000, node: "v20.19.0" },
    gpu: {
      model: "A100-SXM4-40GB",
      name: "NVIDIA A100-SXM4-40GB",
      uuid: "GPU-5e8b1c2a-0000-0000-0000-000000000000",
      index: 0,
      driverVersion: "535.104.05",
      cudaVersion: "12.2",
      migModeBefore: o.mig ? "Enabled" : "Disabled",
      migModeDuring: o.mig ? "Enabled" : "Disabled",
    },
    scenario: {
      file: plan.scenario.file,
      name: plan.scenario.name,
      ...(o.title !== undefined ? { title: o.title } : {}),
      sha256: createHash("sha256").update(text).digest("hex"),
      text,
    },
    plan,
    devices: plan.devices.map((d, i) =>
      d.kind === "mig"
        ? { key: d.key, kind: "mig" as const, uuid: `MIG-0000000${i}-aaaa-bbbb-cccc-dddddddddddd`, label: d.label, giId: 7 + i, ciId: 0, profile: "1g.5gb", start: SEVEN_1G_STARTS[i] ?? i, size: 1 }
        : { key: d.key, kind: "gpu" as const, uuid: "GPU-5e8b1c2a-0000-0000-0000-000000000000", label: d.label },
    ),
    executions,
    warnings: [],
    validity: { valid: true, reasons: [] },
  };
}
