/**
 * Summaries of a GPU's telemetry CSV, streamed (a long run at a fine interval can hold millions of rows):
 * per column n / absent / mean / min / max, how often each clock event reason was active, and energy as
 * the trapezoidal integral of power over time — over the whole file and within given windows (the
 * measured steps of a run).
 */
import { readCsvRows } from "./csv.js";
import { clockEventReasons, GPU_TELEMETRY_FIELDS, POWER_COLUMN, REASONS_COLUMN } from "./fields.js";

export interface FieldStats {
  n: number;
  absent: number;
  mean: number | null;
  min: number | null;
  max: number | null;
}

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

export interface GpuCsvSummary {
  samples: number;
  firstMs: number | null;
  lastMs: number | null;
  fields: Record<string, FieldStats>;
  throttleReasons: Record<string, number>;
  /** Null without two consecutive power readings. */
  energyJoules: number | null;
  /** Time covered by consecutive power readings. */
  energySeconds: number;
  /** Energy within each window (same order); null where no power reading pair overlaps it. */
  windows: { energyJoules: number | null; coveredSeconds: number }[];
}

/** ∫ of the line through (t0, p0), (t1, p1) over [u, v] ⊆ [t0, t1], in W·ms. */
function segment(t0: number, p0: number, t1: number, p1: number, u: number, v: number): number {
  const at = (t: number): number => (t1 === t0 ? p0 : p0 + ((p1 - p0) * (t - t0)) / (t1 - t0));
  return ((v - u) * (at(u) + at(v))) / 2;
}

/**
 * Trapezoidal energy of power samples `(ms, watts)` in order, optionally clipped to windows. Pairs with a
 * missing reading on either side are skipped (a gap in the data is not zero power).
 */
export class EnergyIntegrator {
  private last: { t: number; p: number } | undefined;
  private joules = 0;
  private coveredMs = 0;
  private pairs = 0;
  readonly windows: { joules: number; coveredMs: number; pairs: number }[];

  constructor(private readonly clip: readonly Window[] = []) {
    this.windows = clip.map(() => ({ joules: 0, coveredMs: 0, pairs: 0 }));
  }

  add(t: number, p: number | undefined): void {
    if (p === undefined || !Number.isFinite(p)) {
      this.last = undefined;
      return;
    }
    const last = this.last;
    this.last = { t, p };
    if (!last || t <= last.t) return;
    this.pairs++;
    this.joules += segment(last.t, last.p, t, p, last.t, t) / 1000;
    this.coveredMs += t - last.t;
    this.clip.forEach((w, k) => {
      const u = Math.max(last.t, w.startMs);
      const v = Math.min(t, w.endMs);
      if (v <= u) return;
      const acc = this.windows[k] as { joules: number; coveredMs: number; pairs: number };
      acc.joules += segment(last.t, last.p, t, p, u, v) / 1000;
      acc.coveredMs += v - u;
      acc.pairs++;
    });
  }

  get energyJoules(): number | null {
    return this.pairs > 0 ? this.joules : null;
  }

  get energySeconds(): number {
    return this.coveredMs / 1000;
  }
}

const NUMERIC_COLUMNS = GPU_TELEMETRY_FIELDS.filter((f) => f.kind === "number").map((f) => f.column);

export async function summarizeGpuCsv(file: string, windows: readonly Window[] = []): Promise<GpuCsvSummary> {
  const acc = new Map(NUMERIC_COLUMNS.map((c) => [c, { n: 0, absent: 0, sum: 0, min: Infinity, max: -Infinity }]));
  const reasons: Record<string, number> = {};
  const energy = new EnergyIntegrator(windows);
  let samples = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  for await (const row of readCsvRows(file)) {
    samples++;
    const t = Number(row.epoch_ms);
    if (Number.isFinite(t)) {
      firstMs ??= t;
      lastMs = t;
    }
    for (const [column, a] of acc) {
      const text = row[column] ?? "";
      const value = text === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) {
        a.absent++;
        continue;
      }
      a.n++;
      a.sum += value;
      a.min = Math.min(a.min, value);
      a.max = Math.max(a.max, value);
    }
    for (const reason of clockEventReasons(row[REASONS_COLUMN] ?? "")) reasons[reason] = (reasons[reason] ?? 0) + 1;
    const power = row[POWER_COLUMN] ?? "";
    if (Number.isFinite(t)) energy.add(t, power === "" ? undefined : Number(power));
  }
  const fields: Record<string, FieldStats> = {};
  for (const [column, a] of acc) {
    fields[column] = a.n === 0 ? { n: 0, absent: a.absent, mean: null, min: null, max: null } : { n: a.n, absent: a.absent, mean: a.sum / a.n, min: a.min, max: a.max };
  }
  return {
    samples,
    firstMs,
    lastMs,
    fields,
    throttleReasons: reasons,
    energyJoules: energy.energyJoules,
    energySeconds: energy.energySeconds,
    windows: energy.windows.map((w) => ({ energyJoules: w.pairs > 0 ? w.joules : null, coveredSeconds: w.coveredMs / 1000 })),
  };
}
