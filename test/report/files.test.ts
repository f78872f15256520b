/**
 * What reports read from a run directory besides the manifest: latency samples (streamed, bounded) and
 * telemetry CSV (downsampled), checked against the statistics computed directly from the same values.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/report/index.js";
import { latencySampleName, readLatency } from "../../src/report/latency.js";
import { readTelemetrySeries } from "../../src/report/telemetry-series.js";
import { executionRelativePath, type RunManifest, type TelemetrySummary } from "../../src/results/index.js";
import { mulberry32, percentile } from "../../src/stats/index.js";
import { makeManifest } from "../results/fixtures.js";
import { tempDir, writeRun } from "./helpers.js";

/** Request latencies of one execution: a seeded skewed distribution, so percentiles differ from the mean. */
function latencies(seed: number, n: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => 2 + 10 * random() ** 4);
}

/** A two-instance run whose executions kept samples: per-request `latency_ms` among other samples. */
function runWithSamples(perExecution: number): { dir: string; manifest: RunManifest; values: Map<string, number[]> } {
  const base = makeManifest({ name: "lat", schedule: "parallel", mig: true, instances: 2, repetitions: 2, warmup: 1, metrics: { latency: { key: "latency_ms_avg", unit: "ms", value: () => 5 } } });
  const values = new Map<string, number[]>();
  const executions = base.executions.map((e, k) => {
    const samples = executionRelativePath("samples", e.repetition, e.instanceId);
    const xs = latencies(k + 1, perExecution);
    // Warm-ups are recorded but must not count.
    if (!e.warmup) values.set(e.instanceId, [...(values.get(e.instanceId) ?? []), ...xs]);
    const lines = [
      JSON.stringify({ name: "items_per_second", value: 100, line: 1 }),
      ...xs.map((v, i) => JSON.stringify({ name: "latency_ms", value: v, step: i, line: i + 2 })),
      JSON.stringify({ name: "latency_ms", value: null, line: 0 }),
      "not json at all latency_ms",
      JSON.stringify({ name: "latency_ms_avg", value: 1e6, line: 9999 }),
    ];
    return { ...e, samples, lines, execution: { ...e, parse: { ...e.parse, samples } } };
  });
  const manifest: RunManifest = { ...base, executions: executions.map((e) => e.execution) };
  const dir = writeRun(tempDir("files"), manifest);
  for (const e of executions) {
    mkdirSync(path.dirname(path.join(dir, e.samples)), { recursive: true });
    writeFileSync(path.join(dir, e.samples), `${e.lines.join("\n")}\n`);
  }
  return { dir, manifest, values };
}

describe("latency distributions", () => {
  it("name the per-request samples after the summary key", () => {
    expect(latencySampleName("latency_ms_avg")).toBe("latency_ms");
    expect(latencySampleName("latency_p99")).toBe("latency");
    expect(latencySampleName("request_latency_ms")).toBe("request_latency_ms");
  });

  it("give the percentiles of every measured request, warm-ups and other samples left out", async () => {
    const { dir, manifest, values } = runWithSamples(500);
    const { distributions, warnings } = await readLatency(dir, manifest);
    expect(warnings).toEqual([]);
    expect(distributions.map((d) => d.instanceId)).toEqual(["bert-base-squad.1", "bert-base-squad.2"]);
    for (const d of distributions) {
      const xs = values.get(d.instanceId)!;
      expect(d.count).toBe(1000);
      expect(d.p50).toBe(percentile(xs, 0.5));
      expect(d.p99).toBe(percentile(xs, 0.99));
      expect(d.max).toBe(Math.max(...xs));
      expect(d.sample).toHaveLength(200);
      expect([...d.sample].sort((a, b) => a - b)).toEqual(d.sample);
    }
  });

  it("keep a bounded number of values, with exact count and max, and say the percentiles are estimated", async () => {
    const { dir, manifest, values } = runWithSamples(3000);
    const { distributions, warnings } = await readLatency(dir, manifest, 500);
    const d = distributions[0]!;
    const xs = values.get(d.instanceId)!;
    expect(d.count).toBe(6000);
    expect(d.max).toBe(Math.max(...xs));
    expect(Math.abs(d.p50 - percentile(xs, 0.5))).toBeLessThan(0.5);
    expect(warnings).toContain("Latency of bert-base-squad.1: 6000 samples; percentiles from a uniform subset of 500.");
  });

  it("warn, and go on, when a samples file is missing", async () => {
    const { dir, manifest } = runWithSamples(10);
    const gone = { ...manifest, executions: manifest.executions.map((e) => (e.instanceId === "bert-base-squad.2" ? { ...e, parse: { ...e.parse, samples: "samples/rep09/missing.jsonl" } } : e)) };
    const { distributions, warnings } = await readLatency(dir, gone);
    expect(distributions.map((d) => d.instanceId)).toEqual(["bert-base-squad.1"]);
    expect(warnings.filter((w) => w.startsWith("Latency samples of bert-base-squad.2 (samples/rep09/missing.jsonl) could not be read"))).toHaveLength(2);
  });

  it("reach the report model and its Markdown", async () => {
    const { dir } = runWithSamples(50);
    const model = await buildReport({ inputs: [dir] });
    expect(model.cases[0]!.latency).toHaveLength(2);
    const { renderReportMarkdown } = await import("../../src/report/index.js");
    expect(renderReportMarkdown(model)).toMatch(/## Latency distributions[\s\S]*\| lat \| bert-base-squad\.1 \| 100 \|/);
  });
});

describe("telemetry series", () => {
  const start = Date.parse("2025-03-01T10:00:00.000Z");
  const rows = 4000;
  const intervalMs = 250;

  function runWithTelemetry(): { dir: string; manifest: RunManifest } {
    const telemetry: TelemetrySummary = {
      source: "nvidia-smi",
      intervalMs,
      migIntervalMs: null,
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + (rows - 1) * intervalMs).toISOString(),
      gpus: [{ index: 0, file: "telemetry/gpu0.csv", samples: rows, fields: {}, throttleReasons: {}, energyJoules: null, energySeconds: 0, unsupportedFields: [] }],
      migMemory: null,
      dcgm: null,
      measured: null,
      warnings: [],
    };
    const manifest = { ...makeManifest({ name: "tel", schedule: "parallel", mig: false, instances: 1, metrics: { time: { key: "t", unit: "s", value: () => 1 } } }), telemetry };
    const dir = writeRun(tempDir("telemetry"), manifest);
    const header = "time,epoch_ms,gpu,utilization_gpu_pct,utilization_memory_pct,memory_used_mib,memory_total_mib,power_draw_w,sm_clock_mhz,mem_clock_mhz,temperature_c,clock_event_reasons";
    const lines = Array.from({ length: rows }, (_, i) => {
      const at = start + i * intervalMs;
      // Power ramps linearly with time; utilization is [N/A] (empty) throughout, as under MIG.
      return [new Date(at).toISOString(), at, 0, "", "", 1024, 40960, (100 + i / 10).toFixed(1), 1410, 1215, 60, "0x0"].join(",");
    });
    mkdirSync(path.join(dir, "telemetry"));
    writeFileSync(path.join(dir, "telemetry", "gpu0.csv"), `${[header, ...lines].join("\n")}\n`);
    return { dir, manifest };
  }

  it("average each column into at most 300 time buckets, skipping empty readings", async () => {
    const { dir, manifest } = runWithTelemetry();
    const { series, warnings } = await readTelemetrySeries(dir, manifest);
    expect(warnings).toEqual([]);
    expect(series.map((s) => s.field)).toEqual(["memory_used_mib", "power_draw_w", "sm_clock_mhz", "mem_clock_mhz", "temperature_c"]);
    const power = series.find((s) => s.field === "power_draw_w")!;
    expect(power.unit).toBe("W");
    expect(power.points.length).toBeGreaterThan(250);
    expect(power.points.length).toBeLessThanOrEqual(301);
    // A linear ramp averages to its value at the bucket's mean time: power = 100 + seconds * 4 / 10.
    for (const [seconds, watts] of power.points) expect(watts).toBeCloseTo(100 + (seconds * 4) / 10, 6);
    expect(power.points[0]![0]).toBeGreaterThanOrEqual(0);
    expect(power.points.at(-1)![0]).toBeCloseTo(((rows - 1) * intervalMs) / 1000, -1);
  });

  it("warn when the file is missing", async () => {
    const { dir, manifest } = runWithTelemetry();
    const moved = { ...manifest, telemetry: { ...manifest.telemetry!, gpus: [{ ...manifest.telemetry!.gpus[0]!, file: "telemetry/gpu7.csv" }] } };
    const { series, warnings } = await readTelemetrySeries(dir, moved);
    expect(series).toEqual([]);
    expect(warnings[0]).toMatch(/^Telemetry of GPU 0 \(telemetry\/gpu7\.csv\) could not be read: /);
  });
});
