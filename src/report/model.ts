/**
 * The report model: everything a report shows, as plain data, decided once. Renderers (Markdown, HTML,
 * CSV, JSON) only format it; no renderer computes a statistic. Built by `buildReport` (build.ts) from run
 * directories, study directories, imported tables and report definitions (`reports/*.yaml`).
 */
import type { RunManifest } from "../results/index.js";
import type { MetricRole } from "../scenario/schema.js";
import type { LatencyPercentiles, Summary } from "../stats/index.js";
import type { StudyTable } from "./study-table.js";

/** Where a case's figures came from. */
export type CaseOrigin = "measured" | "simulated" | "imported";

/** One metric of one instance over the measured repetitions, with the statistics a reader checks. */
export interface InstanceMetricStats {
  readonly instanceId: string;
  readonly column: number;
  readonly role: MetricRole;
  readonly unit: string;
  /** Values of the measured repetitions that gave one, in repetition order. */
  readonly values: readonly number[];
  /** Absent when no repetition gave a value. */
  readonly summary?: Summary;
  /** Indexes into `values` of the outliers (Tukey fences, 1.5 IQR); flagged, never dropped. */
  readonly outliers: readonly number[];
}

/** Request latencies from raw samples (ms), where a workload logs them. */
export interface LatencyDistribution extends LatencyPercentiles {
  readonly instanceId: string;
  /** A bounded, evenly spaced subset of the sorted samples, for the distribution chart. */
  readonly sample: readonly number[];
}

/** One telemetry column of one GPU over time, downsampled for charts. */
export interface TelemetrySeries {
  readonly gpu: number;
  /** CSV column: utilization_gpu_pct, memory_used_mib, power_draw_w, ... */
  readonly field: string;
  readonly unit: string;
  /** Seconds since the run's telemetry began (`telemetry.startedAt`), and the reading. */
  readonly points: readonly (readonly [seconds: number, value: number])[];
}

/** What the environment panel shows for a case: label → value, in display order. */
export type EnvironmentFacts = readonly (readonly [label: string, value: string])[];

export interface ReportCase {
  /** The case's id: the scenario name, or the imported table's case id. Unique within a report. */
  readonly id: string;
  readonly label: string;
  readonly origin: CaseOrigin;
  /** The workloads were CPU programs standing in for GPU ones (the built-in cpu-matmul or cpu-standin, or `labels: { stand-in: cpu }`). */
  readonly cpuStandIn?: boolean;
  /** The run directory read; null for figures imported in memory from a table. */
  readonly runDir: string | null;
  readonly runId: string;
  readonly status: RunManifest["status"];
  readonly gpuModel: string;
  readonly schedule: StudyTable["schedule"];
  /** The study-style table of this case (cells, Avg/Total aggregates, notes). */
  readonly table: StudyTable;
  readonly instances: readonly InstanceMetricStats[];
  /** Per repetition aggregate (by role) of this case, for intervals on speedups. */
  readonly aggregatesByRepetition: Readonly<Partial<Record<MetricRole, readonly number[]>>>;
  readonly latency: readonly LatencyDistribution[];
  readonly telemetry: readonly TelemetrySeries[];
  readonly environment: EnvironmentFacts;
  readonly validity: RunManifest["validity"];
  readonly warnings: readonly string[];
  /** The scenario file as recorded (secrets already masked), embedded in HTML. */
  readonly scenario: { readonly file: string; readonly text: string } | null;
}

/** How much better a candidate case is than a baseline case on one metric (> 1: better). */
export interface SpeedupRow {
  readonly candidate: string;
  readonly baseline: string;
  readonly role: MetricRole;
  /** Recomputed from per-instance values (the aggregate by the study's rule). */
  readonly value: number;
  /** 95% interval when both cases have at least two complete repetitions. */
  readonly interval?: readonly [number, number];
  /** From the aggregates an imported table printed, when both cases have one. */
  readonly published?: number;
  /** The two recomputed aggregates `value` is the ratio of. */
  readonly aggregates?: { readonly baseline: number; readonly candidate: number };
  /** The two printed aggregates `published` is the ratio of. */
  readonly publishedAggregates?: { readonly baseline: number; readonly candidate: number };
  /** "higher" → candidate/baseline; "lower" → baseline/candidate. Latency reads as "at N x the latency". */
  readonly better: "higher" | "lower";
}

/** A chart: a vega-lite specification (data inlined), rendered to SVG by the HTML renderer. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** Which figure of the study it mirrors, or what it adds (for the caption). */
  readonly caption: string;
  /** The ids of the cases whose data it draws, in the report's order: what `show.charts` selects by `<kind>:<case id>`. */
  readonly cases: readonly string[];
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface ReportModel {
  /** First line of every rendering when set: simulated GPU, CPU stand-in, imported figures. */
  readonly notice: string | null;
  readonly title: string;
  readonly description?: string;
  readonly generatedAt: string;
  readonly harness: { readonly name: string; readonly version: string };
  /** The report definition that produced this report, when there was one. */
  readonly definition: { readonly file: string; readonly text: string } | null;
  readonly cases: readonly ReportCase[];
  /** The case speedups are computed against, or the one whose speedup is reported. */
  readonly speedups: readonly SpeedupRow[];
  readonly charts: readonly ChartSpec[];
  readonly notes: readonly string[];
}
