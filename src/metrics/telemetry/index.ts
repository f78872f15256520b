/**
 * GPU telemetry for the length of a run: one long-lived nvidia-smi sampler per GPU, per-MIG-device memory
 * from `nvidia-smi -q -x` at a lower rate, and DCGM profiling fields when `dcgmi` is installed. Everything
 * goes to CSV files under the run's telemetry/ folder as it arrives; `stop()` ends every process and
 * returns what was recorded. Telemetry never fails a run: what cannot be sampled becomes a warning.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_TIMEOUT_MS } from "../../gpu/nvidia-smi/client.js";
import type { ExecOptions } from "../../gpu/nvidia-smi/exec.js";
import { DcgmSampler, findDcgmi } from "./dcgm.js";
import { GpuSampler, type GpuSamplerResult } from "./gpu-sampler.js";
import { deviceKey, MigMemoryPoller, type MigMemoryResult } from "./mig-memory.js";

export { summarizeGpuCsv, EnergyIntegrator, type FieldStats, type GpuCsvSummary, type Window } from "./summary.js";
export { clockEventReasons, GPU_TELEMETRY_FIELDS, DCGM_FIELDS } from "./fields.js";
export { DmonParser, findDcgmi } from "./dcgm.js";
export { parseSmiTimestamp } from "./gpu-sampler.js";
export { readCsvRows, splitCsvLine } from "./csv.js";

export const DEFAULT_INTERVAL_MS = 500;
export const DEFAULT_MIG_INTERVAL_MS = 5_000;

export interface TelemetryOptions {
  /** Folder for the CSV files (the run's telemetry/), created if missing. */
  readonly dir: string;
  readonly gpus: readonly number[];
  readonly intervalMs?: number;
  /** Per-MIG-device memory; null: not sampled (MIG off). */
  readonly migIntervalMs?: number | null;
  /** MIG devices by instance ids, so the memory CSV can name their UUIDs. */
  readonly devices?: readonly { readonly giId?: number; readonly ciId?: number; readonly uuid: string }[];
  readonly smi?: Partial<ExecOptions>;
  /** `auto`: DCGM when `dcgmi` is on PATH. */
  readonly dcgm?: "auto" | "off";
}

export interface TelemetryRecording {
  readonly startedAt: string;
  readonly endedAt: string;
  readonly intervalMs: number;
  readonly migIntervalMs: number | null;
  readonly gpus: readonly GpuSamplerResult[];
  readonly migMemory: MigMemoryResult | null;
  readonly dcgm: { readonly file: string; readonly samples: number } | null;
  readonly warnings: readonly string[];
}

export class TelemetrySession {
  private stopped: Promise<TelemetryRecording> | undefined;

  constructor(
    private readonly startedAt: Date,
    private readonly options: { intervalMs: number; migIntervalMs: number | null },
    private readonly gpus: readonly GpuSampler[],
    private readonly mig: MigMemoryPoller | undefined,
    private readonly dcgm: DcgmSampler | undefined,
    private readonly startWarnings: readonly string[],
  ) {}

  /** Ends every sampling process and closes the files. Idempotent: later calls get the same recording. */
  stop(): Promise<TelemetryRecording> {
    this.stopped ??= (async () => {
      const [gpus, migMemory, dcgm] = await Promise.all([Promise.all(this.gpus.map((g) => g.stop())), this.mig?.stop(), this.dcgm?.stop()]);
      return {
        startedAt: this.startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        intervalMs: this.options.intervalMs,
        migIntervalMs: this.options.migIntervalMs,
        gpus,
        migMemory: migMemory ?? null,
        dcgm: dcgm ? { file: dcgm.file, samples: dcgm.samples } : null,
        warnings: [...this.startWarnings, ...gpus.flatMap((g) => g.warnings), ...(migMemory?.warnings ?? []), ...(dcgm?.warnings ?? [])],
      };
    })();
    return this.stopped;
  }
}

/** Starts every sampler; resolves once the nvidia-smi processes run (or failed to start, as warnings). */
export async function startTelemetry(options: TelemetryOptions): Promise<TelemetrySession> {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const migIntervalMs = options.migIntervalMs === undefined ? DEFAULT_MIG_INTERVAL_MS : options.migIntervalMs;
  const smi: ExecOptions = { bin: options.smi?.bin ?? "nvidia-smi", timeoutMs: options.smi?.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.smi?.env ? { env: options.smi.env } : {}) };
  await mkdir(options.dir, { recursive: true });
  const startedAt = new Date();
  const warnings: string[] = [];

  const samplers: GpuSampler[] = [];
  for (const index of options.gpus) {
    const sampler = new GpuSampler({ index, intervalMs, file: path.join(options.dir, `gpu${index}.csv`), smi });
    try {
      await sampler.start();
      samplers.push(sampler);
    } catch (error) {
      warnings.push(`telemetry: GPU ${index} not sampled: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  let mig: MigMemoryPoller | undefined;
  if (migIntervalMs !== null && options.gpus.length > 0) {
    const uuids = new Map((options.devices ?? []).flatMap((d) => (d.giId !== undefined && d.ciId !== undefined ? [[deviceKey(d.giId, d.ciId), d.uuid] as const] : [])));
    mig = new MigMemoryPoller({ gpus: options.gpus, intervalMs: migIntervalMs, file: path.join(options.dir, "mig-memory.csv"), smi, uuids });
    mig.start();
  }

  let dcgm: DcgmSampler | undefined;
  const dcgmi = options.dcgm === "off" ? undefined : await findDcgmi(options.smi?.env?.PATH ?? process.env.PATH);
  if (dcgmi && options.gpus.length > 0) {
    dcgm = new DcgmSampler({ bin: dcgmi, gpus: options.gpus, intervalMs, file: path.join(options.dir, "dcgm.csv") });
    dcgm.start();
  }
  return new TelemetrySession(startedAt, { intervalMs, migIntervalMs }, samplers, mig, dcgm, warnings);
}
