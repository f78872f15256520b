/**
 * The run manifest (`results/<run-id>/manifest.json`): everything needed to report on a run without the
 * machine it ran on. The format is versioned: `schemaVersion` changes whenever a reader of the previous
 * version would misread a file. Additive fields do not bump it, which is why the objects below are not
 * strict: a version-1 reader ignores fields a later version-1 writer added.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import type { Plan } from "../plan/types.js";

/** The version this code writes. Readers accept every version in `READERS`. */
export const MANIFEST_SCHEMA_VERSION = 1;

const isoTime = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");
const count = z.number().int().min(0);

/** A path inside the run directory: relative, `/`-separated, never leaving it. */
const runRelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !/^[A-Za-z]:/.test(p) && !p.includes("\\"), {
    message: "expected a '/'-separated path relative to the run directory",
  })
  .refine((p) => p.split("/").every((part) => part !== "" && part !== "." && part !== ".."), {
    message: "path must stay inside the run directory (no '.', '..' or empty segments)",
  });

// ---- The plan, as stored. Mirrors src/plan/types.ts; `_planMirrorsType` below breaks the build if they drift.

const plannedComputeInstanceSchema = z
  .object({
    key: z.string().min(1),
    name: z.string().optional(),
    profileId: count,
    profileName: z.string().min(1),
    start: count,
    size: z.number().int().min(1),
    isDefault: z.boolean(),
  })
  .readonly();

const plannedGpuInstanceSchema = z
  .object({
    key: z.string().min(1),
    name: z.string().optional(),
    profileId: count,
    profileName: z.string().min(1),
    start: count,
    size: z.number().int().min(1),
    computeInstances: z.array(plannedComputeInstanceSchema).readonly(),
  })
  .readonly();

const plannedDeviceSchema = z
  .object({
    key: z.string().min(1),
    kind: z.enum(["mig", "gpu"]),
    label: z.string(),
    giKey: z.string().optional(),
    ciKey: z.string().optional(),
  })
  .readonly();

const plannedInstanceSchema = z
  .object({
    id: z.string().min(1),
    workload: z.string().min(1),
    device: z.string().min(1),
    column: z.number().int().min(1),
  })
  .readonly();

const migPlanSchema = z
  .object({
    gpuInstances: z.array(plannedGpuInstanceSchema).readonly(),
    creationOrder: z.array(count).readonly(),
    reachedByDefaultPlacement: z.boolean(),
  })
  .readonly();

export const scheduleSchema = z.enum(["parallel", "serial"]);

export const planSchema = z
  .object({
    scenario: z
      .object({ name: z.string().min(1), title: z.string().optional(), file: z.string(), sha256: z.string() })
      .readonly(),
    gpu: z.object({ model: z.string().min(1), index: count, memorySlots: z.number().int().min(1).optional() }).readonly(),
    mig: migPlanSchema.nullable(),
    devices: z.array(plannedDeviceSchema).readonly(),
    instances: z.array(plannedInstanceSchema).readonly(),
    schedule: scheduleSchema,
    steps: z.array(z.array(z.string()).readonly()).readonly(),
    repetitions: z.number().int().min(1),
    warmup: count,
  })
  .readonly()
  .describe("The Plan (src/plan/types.ts) as stored JSON");

type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compile-time guard: a stored plan reads back as a `Plan`, and every `Plan` can be stored. */
const _planMirrorsType: Equals<z.output<typeof planSchema>, Plan> = true;

// ---- Executions: one workload copy in one repetition.

/**
 * How an execution ended, as the runtime reports it (src/runtime/types.ts `InstanceStatus`): ok (exit 0),
 * failed, timeout, oom, cancelled (killed by the harness, e.g. Ctrl-C), error (never ran properly).
 * Only `ok` executions count in reports.
 */
export const executionStatuses = ["ok", "failed", "timeout", "oom", "cancelled", "error"] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

const metricValueSchema = z.object({
  /** The parser's name for it (e.g. `training_sequences_per_second`). */
  key: z.string().min(1),
  /** Null when the log did not yield it. */
  value: z.number().refine(Number.isFinite, { message: "expected a finite number" }).nullable(),
  /** From the scenario, else from the log; absent when neither says (reports then show the role's default). */
  unit: z.string().optional(),
});

export const executionSchema = z.object({
  /** 0-based; warm-ups come first and are included in the numbering. */
  repetition: count,
  warmup: z.boolean(),
  instanceId: z.string().min(1),
  workload: z.string().min(1),
  /** Key into `devices`. */
  device: z.string().min(1),
  column: z.number().int().min(1),
  status: z.enum(executionStatuses),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  createdAt: isoTime.nullable(),
  startedAt: isoTime.nullable(),
  firstOutputAt: isoTime.nullable(),
  endedAt: isoTime.nullable(),
  durationSeconds: z.number().min(0).nullable(),
  message: z.string().optional(),
  log: runRelativePath,
  metrics: z.object({
    time: metricValueSchema.optional(),
    throughput: metricValueSchema.optional(),
    latency: metricValueSchema.optional(),
  }),
  parse: z.object({ complete: z.boolean(), problems: count }),
});

// ---- The manifest.

/** `mig.mode.current` in nvidia-smi's words; `N/A` for GPUs without MIG (nvidia-smi prints `[N/A]`). */
const migModeSchema = z.enum(["Enabled", "Disabled", "N/A"]);

export const deviceRecordSchema = z.object({
  /** The plan's device key: `gi0.ci0`, or `gpu`. */
  key: z.string().min(1),
  kind: z.enum(["mig", "gpu"]),
  /** `MIG-...` or `GPU-...`, as the workload saw it. */
  uuid: z.string().min(1),
  label: z.string(),
  giId: count.optional(),
  ciId: count.optional(),
  profile: z.string().optional(),
  start: count.optional(),
  size: z.number().int().min(1).optional(),
});

const manifestV1Object = z.object({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  status: z.enum(["running", "complete", "failed", "interrupted"]),
  /** True when the GPU was the simulator: reports must then say the numbers were not measured. */
  simulated: z.boolean(),
  harness: z.object({ name: z.string().min(1), version: z.string().min(1), gitRevision: z.string().optional() }),
  command: z.array(z.string()),
  startedAt: isoTime,
  endedAt: isoTime.optional(),
  host: z.object({
    hostname: z.string(),
    platform: z.string(),
    release: z.string(),
    arch: z.string(),
    cpus: count,
    cpuModel: z.string(),
    memoryBytes: count,
    node: z.string(),
  }),
  gpu: z.object({
    model: z.string().min(1),
    name: z.string(),
    uuid: z.string(),
    index: count,
    driverVersion: z.string().optional(),
    cudaVersion: z.string().optional(),
    migModeBefore: migModeSchema.optional(),
    migModeDuring: migModeSchema.optional(),
  }),
  scenario: z.object({
    file: z.string(),
    name: z.string().min(1),
    title: z.string().optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256"),
    text: z.string(),
  }),
  plan: planSchema,
  devices: z.array(deviceRecordSchema),
  executions: z.array(executionSchema),
  warnings: z.array(z.string()),
  validity: z.object({ valid: z.boolean(), reasons: z.array(z.string()) }),
});

/**
 * Cross-references the report relies on: every execution names a planned instance (same column) and a
 * recorded device, at most once per repetition, and warm-ups are the first `plan.warmup` repetitions.
 */
export const runManifestSchema = manifestV1Object.superRefine((m, ctx) => {
  const deviceKeys = new Set<string>();
  m.devices.forEach((d, i) => {
    if (deviceKeys.has(d.key)) ctx.addIssue({ code: "custom", path: ["devices", i, "key"], message: `duplicate device key '${d.key}'` });
    deviceKeys.add(d.key);
  });
  const instances = new Map(m.plan.instances.map((inst) => [inst.id, inst]));
  const seen = new Set<string>();
  m.executions.forEach((e, i) => {
    const at = (field: string): (string | number)[] => ["executions", i, field];
    const planned = instances.get(e.instanceId);
    if (!planned) ctx.addIssue({ code: "custom", path: at("instanceId"), message: `'${e.instanceId}' is not an instance of the plan` });
    else if (planned.column !== e.column)
      ctx.addIssue({ code: "custom", path: at("column"), message: `instance '${e.instanceId}' is column ${planned.column} in the plan, not ${e.column}` });
    if (!deviceKeys.has(e.device)) ctx.addIssue({ code: "custom", path: at("device"), message: `'${e.device}' is not one of the recorded devices` });
    if (e.warmup !== e.repetition < m.plan.warmup)
      ctx.addIssue({
        code: "custom",
        path: at("warmup"),
        message: `repetition ${e.repetition} ${e.warmup ? "is not" : "is"} a warm-up (the plan has ${m.plan.warmup} warm-up repetitions first)`,
      });
    const id = `${e.repetition}\u0000${e.instanceId}`;
    if (seen.has(id)) ctx.addIssue({ code: "custom", path: at("instanceId"), message: `'${e.instanceId}' appears twice in repetition ${e.repetition}` });
    seen.add(id);
  });
});

export type RunManifest = z.output<typeof runManifestSchema>;
export type Execution = RunManifest["executions"][number];
export type DeviceRecord = RunManifest["devices"][number];
export type MetricValue = z.output<typeof metricValueSchema>;

/** A manifest that cannot be read: names the file and, for schema problems, the path inside it. */
export class ManifestError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `invalid run manifest:\n${problems.map((p) => `  - ${p}`).join("\n")}`}`);
  }
}

/** `executions[3].metrics.time.value`, the way a person would look it up in the file. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/**
 * One reader per version this code understands. A later version adds its own entry, and an older one
 * becomes a function that upgrades the old shape to the current `RunManifest`.
 */
const READERS: Readonly<Record<number, (raw: unknown) => ReturnType<typeof runManifestSchema.safeParse>>> = {
  1: (raw) => runManifestSchema.safeParse(raw),
};

/** Validates a parsed manifest.json. `file` names it in errors. */
export function parseManifest(raw: unknown, file = "manifest.json"): RunManifest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ManifestError(file, ["not a run manifest: expected a JSON object"]);
  const version = (raw as Record<string, unknown>)["schemaVersion"];
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1)
    throw new ManifestError(file, ["not a run manifest: schemaVersion is missing or not a positive integer"]);
  const read = READERS[version];
  if (!read) {
    const newest = Math.max(...Object.keys(READERS).map(Number));
    const hint = version > newest ? "it was written by a newer migbench; upgrade migbench to read it" : "this version is not supported";
    throw new ManifestError(file, [`run manifest schemaVersion ${version} cannot be read: this migbench reads versions up to ${newest}; ${hint}`]);
  }
  const result = read(raw);
  if (!result.success) throw new ManifestError(file, result.error.issues.map((issue) => `at ${formatIssuePath(issue.path)}: ${issue.message}`));
  return result.data;
}

/** The check run before writing: a manifest that would not read back is a bug, caught at the writer. */
export function validateManifest(manifest: RunManifest, file = "manifest.json"): RunManifest {
  return parseManifest(JSON.parse(JSON.stringify(manifest)), file);
}
