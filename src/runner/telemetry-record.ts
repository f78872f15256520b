/**
 * The manifest's `telemetry` from what the samplers recorded: per-GPU summaries of the CSV files, and the
 * energy and work of the measured executions — energy over the union of the times measured executions
 * ran (warm-ups, partitioning and idle gaps excluded; average power over the covered part x that time),
 * work as throughput x time summed over them, and their ratio, samples per joule of whole-GPU energy.
 */
import path from "node:path";
import { DEFAULT_INTERVAL_MS, DEFAULT_MIG_INTERVAL_MS, startTelemetry, summarizeGpuCsv, type TelemetryRecording, type TelemetrySession, type Window } from "../metrics/telemetry/index.js";
import { TELEMETRY_DIR, type DeviceRecord, type Execution, type TelemetrySummary } from "../results/index.js";

/** Sampling intervals; MIGBENCH_TELEMETRY_MS / MIGBENCH_MIG_MEMORY_MS override them, 0 turns telemetry off. */
function intervalFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === "" ? fallback : Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

/**
 * Starts telemetry of the run's GPU: the nvidia-smi sampler, per-MIG-device memory when MIG is on, DCGM
 * when installed. Undefined when turned off; failures to start are the session's warnings, never an error.
 */
export async function startRunTelemetry(
  runDir: string,
  gpuIndex: number,
  mig: boolean,
  devices: readonly Pick<DeviceRecord, "giId" | "ciId" | "uuid">[],
  progress: (line: string) => void,
): Promise<TelemetrySession | undefined> {
  const intervalMs = intervalFromEnv("MIGBENCH_TELEMETRY_MS", DEFAULT_INTERVAL_MS);
  if (intervalMs === 0) return undefined;
  const migIntervalMs = mig ? intervalFromEnv("MIGBENCH_MIG_MEMORY_MS", DEFAULT_MIG_INTERVAL_MS) : 0;
  const devicesByIds = devices.flatMap((d) => (d.giId === undefined || d.ciId === undefined ? [] : [{ giId: d.giId, ciId: d.ciId, uuid: d.uuid }]));
  try {
    const session = await startTelemetry({ dir: path.join(runDir, TELEMETRY_DIR), gpus: [gpuIndex], intervalMs, migIntervalMs: migIntervalMs === 0 ? null : migIntervalMs, devices: devicesByIds });
    progress(`telemetry: sampling GPU ${gpuIndex} every ${intervalMs} ms${migIntervalMs ? `, MIG device memory every ${migIntervalMs} ms` : ""}`);
    return session;
  } catch (error) {
    progress(`telemetry: not recorded: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The union of measured executions' [start, end] intervals, merged where they overlap. */
export function measuredWindows(executions: readonly Execution[]): Window[] {
  const spans = executions
    .filter((e) => !e.warmup && e.startedAt !== null && e.endedAt !== null)
    .map((e) => ({ startMs: Date.parse(e.startedAt as string), endMs: Date.parse(e.endedAt as string) }))
    .filter((w) => Number.isFinite(w.startMs) && Number.isFinite(w.endMs) && w.endMs > w.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  const merged: Window[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.startMs <= last.endMs) merged[merged.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, span.endMs) };
    else merged.push(span);
  }
  return merged;
}

/**
 * Items the measured executions processed: throughput x seconds, the seconds from the time metric when it
 * is in seconds, else the execution's duration. Null when an ok measured execution has no throughput.
 */
export function measuredItems(executions: readonly Execution[]): { items: number | null; unit?: string } {
  const measured = executions.filter((e) => !e.warmup && e.status === "ok");
  if (measured.length === 0) return { items: null };
  let items = 0;
  for (const e of measured) {
    const throughput = e.metrics.throughput?.value;
    const time = e.metrics.time;
    const seconds = time?.value !== null && time?.value !== undefined && time.unit === "s" ? time.value : e.durationSeconds;
    if (throughput === null || throughput === undefined || seconds === null) return { items: null };
    items += throughput * seconds;
  }
  // `sequences/s` counts sequences; `infer/sec` inferences.
  const unit = measured[0]?.metrics.throughput?.unit?.split("/")[0]?.trim();
  return unit ? { items, unit } : { items };
}

export async function telemetrySummary(recording: TelemetryRecording, runDir: string, executions: readonly Execution[]): Promise<TelemetrySummary> {
  const relative = (file: string): string => path.relative(runDir, file).split(path.sep).join("/");
  const windows = measuredWindows(executions);
  const warnings = [...recording.warnings];
  // Integral and covered time within the measured windows, summed over GPUs (null: a GPU had no readings there).
  let coveredJoules: number | null = windows.length > 0 ? 0 : null;
  let coveredSeconds = 0;
  const gpus: TelemetrySummary["gpus"] = [];
  for (const gpu of recording.gpus) {
    const summary = await summarizeGpuCsv(gpu.file, windows).catch((error: unknown) => {
      warnings.push(`telemetry: cannot summarize ${relative(gpu.file)}: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
    if (!summary) continue;
    gpus.push({
      index: gpu.index,
      file: relative(gpu.file),
      samples: summary.samples,
      fields: summary.fields,
      throttleReasons: summary.throttleReasons,
      energyJoules: summary.energyJoules,
      energySeconds: summary.energySeconds,
      unsupportedFields: [...gpu.unsupportedFields],
    });
    const joules = summary.windows.reduce<number | null>((sum, w) => (sum === null || w.energyJoules === null ? sum : sum + w.energyJoules), 0);
    const covered = summary.windows.reduce((sum, w) => sum + w.coveredSeconds, 0);
    coveredJoules = coveredJoules === null || covered === 0 ? null : coveredJoules + (joules ?? 0);
    // Several GPUs run the same windows: coverage is that of the least covered one.
    coveredSeconds = gpus.length === 1 ? covered : Math.min(coveredSeconds, covered);
  }
  if (gpus.length === 0) coveredJoules = null;
  const seconds = windows.reduce((sum, w) => sum + (w.endMs - w.startMs) / 1000, 0);
  const averagePowerW = coveredJoules !== null && coveredSeconds > 0 ? coveredJoules / coveredSeconds : null;
  const energyJoules = averagePowerW === null ? null : averagePowerW * seconds;
  if (seconds > 0 && coveredSeconds < 0.8 * seconds)
    warnings.push(`telemetry: power readings cover ${coveredSeconds.toFixed(1)} s of the ${seconds.toFixed(1)} s measured; energy is extrapolated from their average`);
  const { items, unit } = measuredItems(executions);
  return {
    source: "nvidia-smi",
    intervalMs: recording.intervalMs,
    migIntervalMs: recording.migIntervalMs,
    startedAt: recording.startedAt,
    endedAt: recording.endedAt,
    gpus,
    migMemory: recording.migMemory ? { file: relative(recording.migMemory.file), samples: recording.migMemory.samples, peakUsedMiB: { ...recording.migMemory.peakUsedMiB } } : null,
    dcgm: recording.dcgm ? { file: relative(recording.dcgm.file), samples: recording.dcgm.samples } : null,
    measured:
      windows.length === 0
        ? null
        : {
            seconds,
            coveredSeconds,
            averagePowerW,
            energyJoules,
            items,
            ...(unit ? { itemsUnit: unit } : {}),
            samplesPerJoule: items !== null && energyJoules !== null && energyJoules > 0 ? items / energyJoules : null,
          },
    warnings,
  };
}
