/**
 * The run manifest (`results/<run-id>/manifest.json`): everything needed to report on a run without the
 * machine it ran on. The format is versioned: `schemaVersion` changes whenever a reader of the previous
 * version would misread a file. Additive fields do not bump it, which is why the objects below are not
 * strict: a reader ignores fields a later writer of the same version added.
 *
 * Version 2 (current) added, as required fields: `origin` (measured here, or imported from a published
 * table), `images`, `telemetry`, a nullable `host` (unknown for imported figures) and a nullable
 * execution `log`. Version 1 files are read by upgrading them (`upgradeV1`); docs/results-format.md
 * describes both, and docs/results.schema.json is generated from `runManifestSchema`.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import type { Plan } from "../plan/types.js";

/** The version this code writes. Readers accept every version in `READERS`. */
export const MANIFEST_SCHEMA_VERSION = 2;

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

/** What a planned GPU instance and a planned compute instance both record: identity, profile, placement. */
const plannedSliceFields = {
  key: z.string().min(1),
  name: z.string().optional(),
  profileId: count,
  profileName: z.string().min(1),
  start: count,
  size: z.number().int().min(1),
};

const plannedComputeInstanceSchema = z.object({ ...plannedSliceFields, isDefault: z.boolean() }).readonly();

const plannedGpuInstanceSchema = z
  .object({
    ...plannedSliceFields,
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

const finiteNumber = z.number().refine(Number.isFinite, { message: "expected a finite number" });

const metricValueSchema = z.object({
  /** The parser's name for it (e.g. `training_sequences_per_second`). */
  key: z.string().min(1),
  /** Null when the log did not yield it. */
  value: finiteNumber.nullable(),
  /** From the scenario, else from the log; absent when neither says (reports then show the role's default). */
  unit: z.string().optional(),
});

/** An image a container ran: the reference the scenario gave, the local image ID, its registry digests. */
export const imageRecordSchema = z.object({
  ref: z.string().min(1).describe("The image as the scenario names it"),
  id: z.string().min(1).describe("Local image ID (sha256:...)"),
  digests: z.array(z.string()).describe("repo@sha256:... digests; empty for an image never pulled from a registry"),
});

const executionMetricsSchema = z.object({
  time: metricValueSchema.optional(),
  throughput: metricValueSchema.optional(),
  latency: metricValueSchema.optional(),
});

const parseSummaryV1 = z.object({ complete: z.boolean(), problems: count });

export const parseSummarySchema = parseSummaryV1.extend({
  parser: z.string().min(1).optional().describe("The parser that read the log"),
  lines: count.optional().describe("Log lines read"),
  sampleCount: count.optional().describe("Samples the parser found (all of them are in `samples`)"),
  samples: runRelativePath.optional().describe("JSON lines file, one sample per line: samples/repNN/<instance>.jsonl"),
  result: runRelativePath.optional().describe("The parser's result without samples (final values, problems): metrics/repNN/<instance>.json"),
});

const executionV1 = z.object({
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
  metrics: executionMetricsSchema,
  parse: parseSummaryV1,
});

export const executionSchema = executionV1.extend({
  /** The raw log (logs/repNN/<instance>.log); null when there is none (imported figures). */
  log: runRelativePath.nullable(),
  parse: parseSummarySchema,
  /** Container runtimes: the image this execution ran. */
  image: imageRecordSchema.optional(),
  /** Container runtimes: how the device was handed over (`nvidia` device request, or `env-only` on the simulator). */
  gpuAccess: z.enum(["nvidia", "env-only"]).optional(),
  /** Only for a workload that took part in its group's start barrier (the scenario's `startBarrier`). */
  barrier: z
    .object({
      readyAt: isoTime.nullable().describe("When it said it was ready; null: never"),
      releasedAt: isoTime.nullable().describe("When the group was released; null: never (cancelled)"),
      firstOutputAt: isoTime.nullable().describe("Its first output at or after the release"),
    })
    .optional(),
});

/** One step of one repetition: the instances started together, and how far apart they really started. */
export const groupRecordSchema = z.object({
  repetition: count,
  step: count,
  warmup: z.boolean(),
  instances: z.array(z.string().min(1)),
  /** Latest start minus earliest start (ms); null when none started. */
  startSkewMs: z.number().min(0).nullable(),
  /** The same for the first output line of each instance. */
  firstOutputSkewMs: z.number().min(0).nullable(),
  /** Start barrier only: when it released the group; null when it never did. */
  barrierReleasedAt: isoTime.nullable().optional(),
  /** Start barrier only: the instances not ready at the release (the timeout released them, or they ended first). */
  notReady: z.array(z.string().min(1)).optional(),
  /** Start barrier only: spread of the first output at or after the release, over the instances ready at it (ms). */
  releasedOutputSkewMs: z.number().min(0).nullable().optional(),
});

// ---- The manifest.

/** `mig.mode.current` in nvidia-smi's words; `N/A` for GPUs without MIG (nvidia-smi prints `[N/A]`). */
const migModeSchema = z.enum(["Enabled", "Disabled", "N/A"]);

export const deviceRecordSchema = z.object({
  /** The plan's device key: `gi0.ci0`, or `gpu`. */
  key: z.string().min(1),
  kind: z.enum(["mig", "gpu"]),
  /** `MIG-...` or `GPU-...`, as the workload saw it; empty for imported figures. */
  uuid: z.string(),
  label: z.string(),
  giId: count.optional(),
  ciId: count.optional(),
  profile: z.string().optional(),
  start: count.optional(),
  size: z.number().int().min(1).optional(),
});

const hostV1 = z.object({
  hostname: z.string(),
  platform: z.string(),
  /** The kernel release (`uname -r`). */
  release: z.string(),
  arch: z.string(),
  cpus: count,
  cpuModel: z.string(),
  memoryBytes: count,
  node: z.string(),
});

export const hostSchema = hostV1.extend({
  kernelVersion: z.string().optional().describe("The kernel build (`uname -v`)"),
  osName: z.string().optional().describe("PRETTY_NAME of /etc/os-release"),
  containerEngine: z
    .object({ name: z.string().min(1), version: z.string().min(1), apiVersion: z.string().optional() })
    .optional()
    .describe("The container engine that answered (docker), when one did"),
});

const gpuV1 = z.object({
  model: z.string().min(1),
  name: z.string(),
  uuid: z.string(),
  index: count,
  driverVersion: z.string().optional(),
  cudaVersion: z.string().optional(),
  migModeBefore: migModeSchema.optional(),
  migModeDuring: migModeSchema.optional(),
});

/** What the driver says about the board, read once before the first step. Absent: the driver could not say. */
export const gpuSchema = gpuV1.extend({
  vbiosVersion: z.string().optional(),
  pciBusId: z.string().optional(),
  computeCap: z.string().optional(),
  eccMode: z.string().optional().describe("ecc.mode.current: Enabled or Disabled"),
  persistenceMode: z.string().optional().describe("Enabled or Disabled"),
  powerLimitW: finiteNumber.optional().describe("power.limit"),
  enforcedPowerLimitW: finiteNumber.optional(),
  defaultPowerLimitW: finiteNumber.optional(),
  clocks: z
    .object({
      maxSmMHz: finiteNumber.optional(),
      maxMemoryMHz: finiteNumber.optional(),
      applicationsGraphicsMHz: finiteNumber.optional(),
      applicationsMemoryMHz: finiteNumber.optional(),
      defaultApplicationsGraphicsMHz: finiteNumber.optional(),
      defaultApplicationsMemoryMHz: finiteNumber.optional(),
      /** True when clocks were pinned (application clocks off their defaults, or the clocks-setting event active); null: unknown. */
      locked: z.boolean().nullable(),
      lockedReason: z.string().optional(),
    })
    .optional(),
  /** Query fields this driver does not know (older drivers lack some). */
  unsupportedFields: z.array(z.string()).optional(),
});

const scenarioRecordSchema = z.object({
  file: z.string(),
  name: z.string().min(1),
  title: z.string().optional(),
  /** Of the file as read (before any redaction of `text`). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256"),
  /** The scenario file's text; secret values masked (then `redacted` is true). */
  text: z.string(),
  redacted: z.boolean().optional(),
});

const statusSchema = z.enum(["running", "complete", "failed", "interrupted"]);
const validitySchema = z.object({ valid: z.boolean(), reasons: z.array(z.string()) });

const manifestV1Object = z.object({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  status: statusSchema,
  /** True when the GPU was the simulator: reports must then say the numbers were not measured. */
  simulated: z.boolean(),
  harness: z.object({ name: z.string().min(1), version: z.string().min(1), gitRevision: z.string().optional() }),
  command: z.array(z.string()),
  startedAt: isoTime,
  endedAt: isoTime.optional(),
  host: hostV1,
  gpu: gpuV1,
  scenario: scenarioRecordSchema,
  plan: planSchema,
  devices: z.array(deviceRecordSchema),
  executions: z.array(executionV1),
  warnings: z.array(z.string()),
  validity: validitySchema,
});

// ---- Telemetry summary (the samples themselves are CSV files in telemetry/).

/** n, mean, min, max of one telemetry column over a run; absent readings (`[N/A]`) are counted, not averaged. */
export const fieldStatsSchema = z.object({
  n: count,
  absent: count,
  mean: finiteNumber.nullable(),
  min: finiteNumber.nullable(),
  max: finiteNumber.nullable(),
});

export const telemetryGpuSchema = z.object({
  index: count,
  file: runRelativePath.describe("telemetry/gpu<N>.csv"),
  samples: count,
  /** By CSV column (utilization_gpu_pct, memory_used_mib, power_draw_w, ...). */
  fields: z.record(z.string(), fieldStatsSchema),
  /** Samples in which each clock event (throttle) reason was active, by reason name. */
  throttleReasons: z.record(z.string(), count),
  /** Trapezoidal integral of power.draw over the whole sampling window; null without two power readings. */
  energyJoules: finiteNumber.nullable(),
  /** Seconds of that window covered by consecutive power readings. */
  energySeconds: finiteNumber,
  /** nvidia-smi query fields this driver does not know: their columns stay empty. */
  unsupportedFields: z.array(z.string()),
});

export const telemetrySummarySchema = z.object({
  source: z.literal("nvidia-smi"),
  intervalMs: z.number().int().min(1),
  migIntervalMs: z.number().int().min(1).nullable(),
  startedAt: isoTime,
  endedAt: isoTime,
  gpus: z.array(telemetryGpuSchema),
  migMemory: z
    .object({
      file: runRelativePath,
      samples: count,
      /** Peak memory used per MIG device, by device UUID (or `gi<G>.ci<C>` when the UUID is unknown). */
      peakUsedMiB: z.record(z.string(), finiteNumber),
    })
    .nullable(),
  dcgm: z.object({ file: runRelativePath, samples: count }).nullable().describe("dcgmi dmon profiling fields, when DCGM is installed"),
  /** Energy and work over the measured (non-warm-up) steps: from each step's first start to its last end. */
  measured: z
    .object({
      /** Wall time the measured executions ran (union of their intervals). */
      seconds: finiteNumber,
      /** Of those seconds, how many consecutive power readings covered. */
      coveredSeconds: finiteNumber,
      /** Average power over the covered time. */
      averagePowerW: finiteNumber.nullable(),
      /** averagePowerW x seconds: the energy of the measured time, estimated where readings did not cover it. */
      energyJoules: finiteNumber.nullable(),
      /** Throughput x time summed over measured executions: the items (samples, sequences) processed. */
      items: finiteNumber.nullable(),
      itemsUnit: z.string().optional(),
      /** Items per joule of whole-GPU energy. */
      samplesPerJoule: finiteNumber.nullable(),
    })
    .nullable(),
  warnings: z.array(z.string()),
});

// ---- Origin: measured by migbench, or imported from a published table (`bench import`).

export const printedAggregateSchema = z.object({
  role: z.enum(["time", "throughput", "latency"]),
  value: finiteNumber,
  kind: z.enum(["Avg", "Total"]).optional(),
});

export const originSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("measured") }),
  z.object({
    kind: z.literal("imported"),
    importedAt: isoTime,
    source: z.object({
      /** The CSV file as given to `bench import`, and its sha256. */
      file: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** The `case` column: which case of the table this run holds. */
      case: z.string().min(1),
      /** `# source:` and other `# key: value` lines of the CSV. */
      metadata: z.record(z.string(), z.string()),
    }),
    /** Aggregates as the table printed them; reports recompute theirs and note a disagreement. */
    printedAggregates: z.array(printedAggregateSchema),
    /** Notes from the table (a blank cell's explanation, ...). */
    notes: z.array(z.string()),
  }),
]);

const manifestV2Object = manifestV1Object.extend({
  schemaVersion: z.literal(2),
  origin: originSchema,
  /** Null when not recorded: figures imported from a published table. */
  host: hostSchema.nullable(),
  gpu: gpuSchema,
  executions: z.array(executionSchema),
  /** Images the run's containers used (container runtimes); empty for processes. */
  images: z.array(imageRecordSchema),
  /** Selected variables of the harness's environment (CUDA_*, NVIDIA_*, ...), secrets masked. */
  environment: z.record(z.string(), z.string()).optional(),
  /** GPU telemetry; null when none was recorded (imported, or the sampler could not start). */
  telemetry: telemetrySummarySchema.nullable(),
  /** The runtime that launched the workloads (process, docker). */
  runtime: z
    .object({
      name: z.string().min(1),
      gpuAccess: z.enum(["nvidia", "env-only"]).optional(),
      /** Containers waited at a start gate and were released together (docker runtime). */
      startGate: z.boolean().optional(),
    })
    .optional(),
  /** Every group started together, in order, with its start skew. */
  groups: z.array(groupRecordSchema).optional(),
});

type ManifestShape = Pick<z.output<typeof manifestV2Object>, "devices" | "plan" | "executions">;

/**
 * Cross-references the report relies on: every execution names a planned instance (same column) and a
 * recorded device, at most once per repetition, and warm-ups are the first `plan.warmup` repetitions.
 */
function checkReferences(m: ManifestShape, ctx: z.RefinementCtx): void {
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
}

/** The current format: what this code writes, and what every reader returns. */
export const runManifestSchema = manifestV2Object.superRefine(checkReferences).describe("A migbench run manifest (results/<run-id>/manifest.json)");

/** Version 1, as written by migbench before the version-2 fields existed. */
export const runManifestV1Schema = manifestV1Object.superRefine(checkReferences);

export type RunManifest = z.output<typeof runManifestSchema>;
export type RunManifestV1 = z.output<typeof runManifestV1Schema>;
export type Execution = RunManifest["executions"][number];
export type DeviceRecord = RunManifest["devices"][number];
export type MetricValue = z.output<typeof metricValueSchema>;
export type ImageRecord = z.output<typeof imageRecordSchema>;
export type TelemetrySummary = z.output<typeof telemetrySummarySchema>;
export type Origin = z.output<typeof originSchema>;
export type HostRecord = z.output<typeof hostSchema>;
export type GpuRecord = z.output<typeof gpuSchema>;

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

/** A version-1 manifest in the current shape: measured here, no images or telemetry recorded. */
export function upgradeV1(m: RunManifestV1): RunManifest {
  return { ...m, schemaVersion: 2, origin: { kind: "measured" }, images: [], telemetry: null };
}

type ReadResult = { success: true; data: RunManifest } | { success: false; error: z.ZodError };

/**
 * One reader per version this code understands: each validates against its own version's schema and
 * upgrades to the current `RunManifest`, so that reports handle one shape only.
 */
const READERS: Readonly<Record<number, (raw: unknown) => ReadResult>> = {
  1: (raw) => {
    const v1 = runManifestV1Schema.safeParse(raw);
    return v1.success ? { success: true, data: upgradeV1(v1.data) } : v1;
  },
  2: (raw) => runManifestSchema.safeParse(raw),
};

/** Validates a parsed manifest.json of any known version, returning the current shape. `file` names it in errors. */
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

/** The check run before writing: a manifest that would not read back (as the current version) is a bug, caught at the writer. */
export function validateManifest(manifest: RunManifest, file = "manifest.json"): RunManifest {
  if (manifest.schemaVersion !== MANIFEST_SCHEMA_VERSION) throw new ManifestError(file, [`writers write schemaVersion ${MANIFEST_SCHEMA_VERSION} only`]);
  return parseManifest(JSON.parse(JSON.stringify(manifest)), file);
}
