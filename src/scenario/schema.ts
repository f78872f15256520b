/**
 * The scenario language: one YAML file = one experimental condition of a study. This zod schema is the
 * single source of truth; the JSON Schema for editors (`bench schema`) is generated from it.
 */
import { z } from "zod";

// No regex flags: JSON Schema patterns have none, and the generated schema must accept the same names.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Names that end up in paths and container labels: letters, digits, `.`, `_`, `-`; no leading dot. */
export const identifier = z
  .string()
  .regex(NAME, "use letters, digits, '.', '_' and '-' only, starting with a letter or digit")
  .max(64);

const DURATION = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/** Parses `4h`, `30m`, `90s`, `1h30m` or a number of seconds into seconds. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === "number") return value > 0 && Number.isFinite(value) ? value : null;
  const match = DURATION.exec(value.trim());
  if (!match || value.trim() === "") return null;
  const [, h, m, s] = match;
  const seconds = Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  return seconds > 0 ? seconds : null;
}

export const duration = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== null, { message: "expected a duration such as 90s, 30m, 4h or 1h30m" })
  .describe("A duration: seconds as a number, or 90s, 30m, 4h, 1h30m");

const metricRef = z
  .strictObject({
    key: z.string().min(1).describe("The name the parser gives the metric (e.g. training_sequences_per_second)"),
    unit: z.string().min(1).optional().describe("Unit shown in reports (e.g. sequences/s); defaults to what the log says"),
    better: z.enum(["lower", "higher"]).optional().describe("Which direction is an improvement; defaults by role"),
  })
  .describe("Which parsed metric plays this role");

export const metricRoles = ["time", "throughput", "latency"] as const;
export type MetricRole = (typeof metricRoles)[number];

const parserRef = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
]);

const ulimit = z.union([z.number().int(), z.strictObject({ soft: z.number().int(), hard: z.number().int() })]);

const dockerOptions = z
  .strictObject({
    shmSize: z.string().regex(/^\d+[bkmgBKMG]?$/, "expected a size such as 1g or 512m").optional(),
    ulimits: z.record(z.string(), ulimit).optional(),
    mounts: z
      .array(z.strictObject({ source: z.string().min(1), target: z.string().min(1), readOnly: z.boolean().optional() }))
      .optional(),
    user: z.string().optional(),
    memory: z
      .string()
      .regex(/^\d+[bkmgBKMG]?$/, "expected a size such as 512m or 4g")
      .optional()
      .describe("Container (host) memory limit, swap included; the kernel's OOM kill is then reported as oom"),
    network: z.string().min(1).optional().describe("Docker network mode: none, host, bridge or a network's name; default: the engine's"),
    startGate: z
      .boolean()
      .optional()
      .describe("Wait at the group's start gate (a shell reading a FIFO) so that all copies start at once; false for images without /bin/sh. Default true"),
  })
  .describe("Container options (Docker runtime)");

export const workloadSchema = z
  .strictObject({
    description: z.string().optional(),
    image: z.string().min(1).optional().describe("Container image; without it the workload runs as a local process"),
    command: z.array(z.string()).min(1).describe("Argument array; never run through a shell"),
    workdir: z.string().optional().describe("Working directory; for processes, relative to the scenario file"),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not a valid environment variable name"), z.string()).optional(),
    docker: dockerOptions.optional(),
    parser: parserRef.describe("Parser that reads the workload's log: jsonl, dllogger, regex, ..."),
    metrics: z
      .strictObject({ time: metricRef.optional(), throughput: metricRef.optional(), latency: metricRef.optional() })
      .refine((m) => m.time || m.throughput || m.latency, { message: "name at least one of time, throughput, latency" }),
    timeout: duration.optional().describe("Per-copy timeout; defaults to the scenario's"),
    startBarrier: z
      .union([z.boolean(), z.strictObject({ timeout: duration.describe("Release the group anyway after this long from its start; default 10m") })])
      .optional()
      .describe(
        "The workload supports migbench's start barrier (MIGBENCH_READY_FILE, MIGBENCH_GO_FIFO; workloads/README.md): each copy initialises, says it is ready and waits; all are released at once. Default false",
      ),
  })
  .describe("A workload: what to launch and how to read its results");

/** A profile by name, or by the numeric id `nvidia-smi mig -lgip` prints (YAML reads `19` as a number). */
const profileRef = z.union([z.string().min(1), z.number().int().min(0).transform(String)]);

const computeInstanceSchema = z.strictObject({
  name: identifier.optional(),
  profile: profileRef.describe("Compute-instance profile name or id, e.g. 1c.4g.20gb"),
  count: z.number().int().min(1).max(8).default(1),
});

const gpuInstanceSchema = z.strictObject({
  name: identifier.optional().describe("A name `run[].on` can refer to"),
  profile: profileRef.describe("GPU-instance profile name or id, e.g. 1g.5gb or 19"),
  count: z.number().int().min(1).max(8).default(1),
  start: z.number().int().min(0).max(7).optional().describe("Exact memory-slot placement (experts)"),
  computeInstances: z.array(computeInstanceSchema).min(1).optional().describe("Two-level partitioning; default: one CI filling the GI"),
});

const migPartedSchema = z
  .strictObject({
    file: z.string().min(1).describe("A mig-parted config file (version: v1), relative to this scenario"),
    config: z.string().min(1).describe("The config's name under mig-configs"),
  })
  .describe("Take the GPU instances from a config of NVIDIA's mig-parted");

const layoutSchema = z.discriminatedUnion("mig", [
  z.strictObject({ mig: z.literal(false) }),
  z.strictObject({
    mig: z.literal(true),
    gpuInstances: z.array(gpuInstanceSchema).min(1).optional().describe("The GPU instances (or name a mig-parted config with migParted)"),
    migParted: migPartedSchema.optional(),
  }),
]);

export const RUN_TARGETS = ["each-mig-device", "full-gpu"] as const;

const runEntrySchema = z.strictObject({
  workload: identifier,
  on: z
    .union([z.string().min(1), z.array(identifier).min(1)])
    .default("each-mig-device")
    .describe("each-mig-device, full-gpu, or the name(s) of GPU/compute instances"),
  copies: z.number().int().min(1).max(64).default(1).describe("Copies on each target device"),
});

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: identifier.describe("Identifier of this case; used in run directory names"),
    title: z.string().optional(),
    description: z.string().optional(),
    gpu: z.strictObject({
      model: z.string().min(1).describe("Catalog id or nvidia-smi name, e.g. A100-SXM4-40GB"),
      index: z.number().int().min(0).default(0),
    }),
    layout: layoutSchema,
    workloads: z.record(identifier, workloadSchema).refine((w) => Object.keys(w).length > 0, { message: "define at least one workload" }),
    run: z.array(runEntrySchema).min(1),
    schedule: z.enum(["parallel", "serial"]).default("parallel"),
    repetitions: z.number().int().min(1).max(1000).default(1),
    warmup: z.number().int().min(0).max(100).default(0).describe("Runs before the measured repetitions; recorded, not counted"),
    timeout: duration.optional().describe("Per-copy timeout when a workload sets none"),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .describe("A migbench scenario");

/**
 * What one case of a multi-case file sets. Cases share the file's GPU and workloads; each overrides the
 * top-level layout, run list, schedule and the rest, so that one file holds a whole comparison (the
 * study's "7 on MIG slices, 7 at once on the full GPU, 7 in serial").
 */
export const caseSchema = z
  .strictObject({
    name: identifier.describe("Identifier of this case; used in its run directory's name and as its id in reports"),
    title: z.string().optional(),
    description: z.string().optional(),
    layout: layoutSchema.optional().describe("This case's layout; default: the file's"),
    run: z.array(runEntrySchema).min(1).optional().describe("This case's run entries; default: the file's"),
    schedule: z.enum(["parallel", "serial"]).optional(),
    repetitions: z.number().int().min(1).max(1000).optional(),
    warmup: z.number().int().min(0).max(100).optional(),
    timeout: duration.optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .describe("One case of a multi-case scenario file");

/** The keys a case may set: a case's finding at one of these points into the case, others at the top level. */
export const CASE_KEYS: readonly string[] = Object.keys(caseSchema.shape);

/**
 * A scenario file: one case (layout and run at the top level), or several under `cases:`, which then
 * take the top level as their defaults. `bench run` runs every case, one after another, and reports them
 * together.
 */
export const scenarioFileSchema = scenarioSchema
  .extend({
    layout: layoutSchema.optional().describe("The layout (required unless every case sets its own)"),
    run: z.array(runEntrySchema).min(1).optional().describe("What runs where (required unless every case sets its own)"),
    cases: z.array(caseSchema).min(1).optional().describe("Several cases compared in one run; each overrides the fields above"),
  })
  .describe("A migbench scenario file: one case, or several under cases");

export type CaseInput = z.input<typeof caseSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioDoc = z.output<typeof scenarioSchema>;
export type Workload = z.output<typeof workloadSchema>;
export type GpuInstanceSpec = z.output<typeof gpuInstanceSchema>;
export type RunEntry = z.output<typeof runEntrySchema>;
