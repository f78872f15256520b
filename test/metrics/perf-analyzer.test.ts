import { describe, expect, it } from "vitest";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import type { Sample } from "../../src/metrics/parsers/index.js";
import { fixture } from "./helpers.js";

const at = (samples: readonly Sample[], name: string, step: number): number | null | undefined => samples.find((s) => s.name === name && s.step === step)?.value;

describe("perf-analyzer parser, console", () => {
  it("reads every level's block, with the level as the step, and takes the last level as final", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-console.txt"));
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(new Set(result.samples.map((s) => s.step))).toEqual(new Set([1, 2, 4]));
    expect(at(result.samples, "throughput", 2)).toBe(89.8);
    expect(at(result.samples, "latency_p99", 1)).toBe(19220);
    expect(at(result.samples, "server_queue", 4)).toBe(33577);
    expect(at(result.samples, "client_response_wait", 2)).toBe(22158);
    // Summary lines repeat the blocks: no duplicate samples.
    expect(result.samples.filter((s) => s.name === "throughput")).toHaveLength(3);
    expect(result.final.throughput).toEqual({ value: 83, unit: "infer/sec", line: 47 });
    expect(result.final.latency_avg).toEqual({ value: 48064, unit: "usec", line: 48 });
    expect(result.final.latency_stddev?.value).toBe(6412);
    expect(result.final.server_compute_infer?.value).toBe(11753);
  });

  it("picks a concurrency level and converts times to ms on request", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-console.txt"), { concurrency: 2, latencyUnit: "ms" });
    expect(result.final.throughput).toEqual({ value: 89.8, unit: "infer/sec", line: 31 });
    expect(result.final.latency_avg).toEqual({ value: 22.28, unit: "ms", line: 32 });
    expect(result.final.request_count?.value).toBe(1347);
  });

  it("reads --percentile runs over gRPC: the summary latency is the percentile", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-console-p95.txt"), { concurrency: 1 });
    expect(result.complete).toBe(true);
    expect(result.final.latency_avg).toBeUndefined();
    expect(result.final.latency_p95?.value).toBe(16650);
    expect(result.final.client_time_avg?.value).toBe(14698);
    expect(result.final.send_request_rate?.value).toBe(67.86);
    // The Prometheus block's per-GPU lines are not client or server metrics.
    expect(Object.keys(result.final).some((k) => k.includes("GPU"))).toBe(false);
  });

  it("reads the oldest summary lines without the throughput word", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-client-summary-oldest.txt"), { concurrency: 2 });
    expect(result.complete).toBe(true);
    expect(result.final).toEqual({ throughput: { value: 290.4, unit: "infer/sec", line: 7 }, latency_avg: { value: 6924, unit: "usec", line: 7 } });
  });

  it("reports an unstable measurement and a run that died before the summary", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-unstable.txt"));
    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([{ line: 28, message: expect.stringMatching(/could not measure stably: Failed to obtain stable measurement/) }]);
    expect(result.final.throughput?.value).toBe(67.8);
  });

  it("says so when the requested level was not measured", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-console.txt"), { concurrency: 8 });
    expect(result.final).toEqual({});
    expect(result.problems.at(-1)?.message).toMatch(/level 8 was not measured \(levels in the log: 1, 2, 4\)/);
  });

  it("validates its options", () => {
    expect(() => parseLines("perf-analyzer", [], { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => parseLines("perf-analyzer", [], { concurrency: 1, requestRate: 5 })).toThrow(/not both/);
    expect(() => parseLines("perf-analyzer", [], { latencyUnit: "s" })).toThrow(/latencyUnit/);
  });
});

describe("perf-analyzer parser, CSV", () => {
  it("reads the study-era header, rows sorted by throughput", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer.csv"), { concurrency: 3 });
    expect(result.complete).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.samples.filter((s) => s.name === "throughput").map((s) => s.step)).toEqual([1, 4, 3, 2]);
    expect(result.final.throughput).toEqual({ value: 84.2, unit: "infer/sec", line: 4 });
    expect(result.final.server_queue?.value).toBe(21673);
    expect(result.final.latency_p95?.value).toBe(47085);
    // The plain CSV has no average latency.
    expect(result.final.latency_avg).toBeUndefined();
  });

  it("reads the oldest header with one Server Compute column", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-client-oldest.csv"), { concurrency: 1 });
    expect(result.final.server_compute).toEqual({ value: 5461, unit: "usec", line: 2 });
    expect(result.final.server_compute_infer).toBeUndefined();
  });

  it("reads the verbose header: request rate levels, response throughput, cache, average latency, GPU lists", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-verbose.csv"), { requestRate: 50, latencyUnit: "ms" });
    expect(result.complete).toBe(true);
    expect(result.final.throughput?.value).toBe(49.9);
    expect(result.final.response_throughput?.value).toBe(49.9);
    expect(result.final.latency_avg).toEqual({ value: 12.53, unit: "ms", line: 2 });
    expect(result.final.client_response_wait?.value).toBe(12.489);
    expect(result.final.server_cache_hit?.value).toBe(0);
    expect(result.final["avg_gpu_power_usage.GPU-0d0831da-0c98-2717-6446-8acd91d39b65"]?.value).toBe(131.2);
    expect(result.final.avg_gpu_utilization?.value).toBe(0.412);
  });

  it("reports a truncated last row with its line number and is then incomplete", async () => {
    const result = await parseLogFile("perf-analyzer", fixture("perf-analyzer-truncated.csv"));
    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([{ line: 3, message: "expected 13 comma-separated values as in the header, got 7 (a truncated line?)" }]);
    expect(result.final.throughput?.value).toBe(69.2);
  });
});
