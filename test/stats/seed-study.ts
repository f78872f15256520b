/**
 * The published figures of NVIDIA's A100 MIG study (shared/reference/seed-study.md), as printed:
 * per-instance values 1..7 and the aggregate the study printed. Fixture data for stats and report tests.
 */
import type { MetricRole } from "../../src/scenario/schema.js";
import type { AggregateKind, Schedule } from "../../src/stats/index.js";

export interface StudyRow {
  readonly role: MetricRole;
  readonly unit: string;
  readonly values: readonly number[];
  /** The aggregate as printed; absent where the table left it blank. */
  readonly printed?: { readonly value: number; readonly kind: AggregateKind };
}

export interface StudyCase {
  readonly title: string;
  readonly schedule: Schedule;
  readonly rows: readonly StudyRow[];
}

export const TABLE1: Readonly<Record<"mig" | "noMigParallel" | "noMigSerial" | "t4Serial", StudyCase>> = {
  mig: {
    title: "A100 MIG: 7 models on 7 MIG devices simultaneously",
    schedule: "parallel",
    rows: [
      { role: "time", unit: "s", values: [5542.0, 5543.1, 5538.96, 5534.97, 5543.1, 5529.51, 5541.51], printed: { value: 5539.02, kind: "Avg" } },
      { role: "throughput", unit: "sequences/s", values: [31.99, 31.98, 32.01, 32.03, 31.98, 32.06, 31.99], printed: { value: 224.04, kind: "Total" } },
    ],
  },
  noMigParallel: {
    title: "A100 no MIG: 7 models in 7 containers simultaneously",
    schedule: "parallel",
    rows: [
      { role: "time", unit: "s", values: [8208.23, 8206.72, 8200.11, 8208.62, 8208.54, 8208.48, 8208.68], printed: { value: 8207.05, kind: "Avg" } },
      { role: "throughput", unit: "sequences/s", values: [21.6, 21.6, 21.6, 21.6, 21.6, 21.6, 21.6], printed: { value: 151.2, kind: "Total" } },
    ],
  },
  noMigSerial: {
    title: "A100 no MIG: 7 models in serial",
    schedule: "serial",
    rows: [
      { role: "time", unit: "s", values: [1485.29, 1474.06, 1469.31, 1472.35, 1489.77, 1478.95, 1490.81], printed: { value: 10360.55, kind: "Total" } },
      { role: "throughput", unit: "sequences/s", values: [119.36, 120.27, 120.66, 120.41, 119.0, 119.87, 118.92], printed: { value: 119.78, kind: "Avg" } },
    ],
  },
  t4Serial: {
    title: "T4: 7 models in serial",
    schedule: "serial",
    rows: [
      { role: "time", unit: "s", values: [3772.47, 3784.15, 3769.82, 3763.7, 3769.9, 3773.79, 3764.5], printed: { value: 26398.34, kind: "Total" } },
      { role: "throughput", unit: "sequences/s", values: [46.99, 46.85, 47.03, 47.1, 47.03, 46.98, 47.09], printed: { value: 47.01, kind: "Avg" } },
    ],
  },
};

export const TABLE2: Readonly<Record<"noMigSerial" | "oneMigSerial" | "migParallel" | "t4Serial", StudyCase>> = {
  noMigSerial: {
    title: "A100 no MIG: 7 models in serial",
    schedule: "serial",
    rows: [
      { role: "throughput", unit: "sentences/s", values: [247.25, 247.45, 246.61, 247.53, 247.66, 247.85, 247.2], printed: { value: 247.36, kind: "Avg" } },
      { role: "latency", unit: "ms", values: [3.77, 3.76, 3.77, 3.75, 3.74, 3.76, 3.76], printed: { value: 3.75, kind: "Avg" } },
    ],
  },
  oneMigSerial: {
    title: "A100 with 1 MIG instance (six idle): 7 models in serial",
    schedule: "serial",
    rows: [
      { role: "throughput", unit: "sentences/s", values: [149.54, 149.78, 149.53, 149.31, 149.79, 149.68, 149.21], printed: { value: 149.54, kind: "Avg" } },
      { role: "latency", unit: "ms", values: [6.38, 6.37, 6.38, 6.39, 6.37, 6.38, 6.39], printed: { value: 6.38, kind: "Avg" } },
    ],
  },
  migParallel: {
    title: "A100 MIG: 7 models in 7 MIG instances in parallel",
    schedule: "parallel",
    rows: [
      { role: "throughput", unit: "sentences/s", values: [147.78, 147.61, 146.68, 147.69, 147.12, 147.82, 147.74], printed: { value: 1032.44, kind: "Total" } },
      { role: "latency", unit: "ms", values: [6.46, 6.47, 6.51, 6.47, 6.5, 6.45, 6.47], printed: { value: 6.47, kind: "Avg" } },
    ],
  },
  t4Serial: {
    title: "T4: 7 models in serial",
    schedule: "serial",
    rows: [
      { role: "throughput", unit: "sentences/s", values: [139.95, 141.65, 139.55, 139.39, 140.77, 139.83, 141.67], printed: { value: 140.46, kind: "Avg" } },
      // The table leaves T4 latency blank; the text gives 6.09 ms.
    ],
  },
};

/** T4 inference latency, from the study's text (the table cell is blank). */
export const T4_LATENCY_MS = 6.09;

export function row(c: StudyCase, role: MetricRole): StudyRow {
  const found = c.rows.find((r) => r.role === role);
  if (!found) throw new Error(`${c.title} has no ${role} row`);
  return found;
}
