/**
 * GPU telemetry over time for charts: each column of `telemetry/gpu<N>.csv` (docs/results-format.md)
 * as a series of at most `MAX_POINTS` points. The file is streamed; readings are averaged into equal time
 * buckets over the sampling window the manifest records, so memory stays bounded by the number of points
 * whatever the run's length. Empty cells (a reading the driver could not give) are skipped, never read as 0.
 */
import path from "node:path";
import { createInterface } from "node:readline";
import { openRunDataFile, type RunManifest, type TelemetrySummary } from "../results/index.js";
import type { TelemetrySeries } from "./model.js";

export const MAX_POINTS = 300;

/** The columns charted, in display order, with their units. */
export const TELEMETRY_FIELDS: readonly { readonly field: string; readonly unit: string }[] = [
  { field: "utilization_gpu_pct", unit: "%" },
  { field: "utilization_memory_pct", unit: "%" },
  { field: "memory_used_mib", unit: "MiB" },
  { field: "power_draw_w", unit: "W" },
  { field: "sm_clock_mhz", unit: "MHz" },
  { field: "mem_clock_mhz", unit: "MHz" },
  { field: "temperature_c", unit: "°C" },
];

interface Bucket {
  seconds: number;
  value: number;
  n: number;
}

export interface TelemetryResult {
  readonly series: TelemetrySeries[];
  readonly warnings: string[];
}

async function readGpu(file: string, gpu: TelemetrySummary["gpus"][number], startMs: number, bucketMs: number): Promise<TelemetrySeries[]> {
  const lines = createInterface({ input: await openRunDataFile(file), crlfDelay: Infinity });
  let columns: { field: string; unit: string; k: number }[] | null = null;
  let epochColumn = -1;
  const buckets = new Map<string, Map<number, Bucket>>();
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const cells = line.split(",");
    if (columns === null) {
      const names = cells.map((c) => c.trim());
      epochColumn = names.indexOf("epoch_ms");
      columns = TELEMETRY_FIELDS.flatMap((f) => (names.includes(f.field) ? [{ ...f, k: names.indexOf(f.field) }] : []));
      continue;
    }
    const epoch = Number(cells[epochColumn]);
    if (!Number.isFinite(epoch)) continue;
    const slot = Math.max(0, Math.floor((epoch - startMs) / bucketMs));
    for (const c of columns) {
      const cell = (cells[c.k] ?? "").trim();
      const value = cell === "" ? NaN : Number(cell);
      if (!Number.isFinite(value)) continue;
      const series = buckets.get(c.field) ?? new Map<number, Bucket>();
      buckets.set(c.field, series);
      const bucket = series.get(slot) ?? { seconds: 0, value: 0, n: 0 };
      series.set(slot, bucket);
      bucket.seconds += (epoch - startMs) / 1000;
      bucket.value += value;
      bucket.n++;
    }
  }
  return (columns ?? []).flatMap(({ field, unit }) => {
    const series = buckets.get(field);
    if (!series || series.size === 0) return [];
    const points = [...series.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => [b.seconds / b.n, b.value / b.n] as const);
    return [{ gpu: gpu.index, field, unit, points }];
  });
}

export async function readTelemetrySeries(runDir: string, manifest: RunManifest, maxPoints = MAX_POINTS): Promise<TelemetryResult> {
  const telemetry = manifest.telemetry;
  if (telemetry === null) return { series: [], warnings: [] };
  const startMs = Date.parse(telemetry.startedAt);
  const spanMs = Math.max(1, Date.parse(telemetry.endedAt) - startMs);
  // Readings after the recorded end (a late last sample) land in one extra bucket at most.
  const bucketMs = Math.max(telemetry.intervalMs, spanMs / maxPoints);
  const series: TelemetrySeries[] = [];
  const warnings: string[] = [];
  for (const gpu of telemetry.gpus) {
    const file = path.join(runDir, ...gpu.file.split("/"));
    try {
      series.push(...(await readGpu(file, gpu, startMs, bucketMs)));
    } catch (error) {
      warnings.push(`Telemetry of GPU ${gpu.index} (${gpu.file}) could not be read: ${(error as Error).message}`);
    }
  }
  return { series, warnings };
}
