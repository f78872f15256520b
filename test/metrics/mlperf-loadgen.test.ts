import { describe, expect, it } from "vitest";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import { fixture } from "./helpers.js";

describe("mlperf-loadgen parser", () => {
  it("reads a VALID summary: names as printed, units from parentheses and wording, parameters at step PARAMETER", async () => {
    const result = await parseLogFile("mlperf-loadgen", fixture("mlperf_log_summary.txt"));
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.final.result_valid?.value).toBe(1);
    expect(result.final["90th percentile latency (ns)"]).toEqual({ value: 28453890, unit: "ns", line: 7 });
    expect(result.final["QPS w/o loadgen overhead"]).toEqual({ value: 35.18, unit: "queries/s", line: 21 });
    expect(result.final["Mean latency (ns)"]?.value).toBe(28426127);
    expect(result.samples.find((s) => s.name === "min_duration (ms)")).toMatchObject({ value: 600000, unit: "ms", step: "PARAMETER" });
    // 64-bit seeds would be stored rounded: not metrics.
    expect(result.final.qsl_rng_seed).toBeUndefined();
    expect(result.final.Scenario).toBeUndefined();
  });

  it("surfaces an INVALID result, unmet constraints and reported errors as problems", async () => {
    const result = await parseLogFile("mlperf-loadgen", fixture("mlperf_log_summary-invalid.txt"));
    expect(result.complete).toBe(true);
    expect(result.final.result_valid?.value).toBe(0);
    expect(result.final["Completed samples per second"]).toEqual({ value: 1391.84, unit: "samples/s", line: 7 });
    expect(result.problems.map((p) => p.line)).toEqual([8, 9, 10, 28]);
    expect(result.problems[0]?.message).toBe("MLPerf LoadGen result is INVALID");
    expect(result.problems[2]?.message).toMatch(/Min duration satisfied: No/);
  });

  it("reads :::MLLOG detail records and reports a truncated last record with its line", async () => {
    const result = await parseLogFile("mlperf-loadgen", fixture("mlperf_log_detail.txt"));
    expect(result.complete).toBe(true);
    expect(result.final.result_samples_per_second).toEqual({ value: 35.0436, unit: "samples/s", line: 4 });
    expect(result.final["result_90.00_percentile_latency_ns"]).toEqual({ value: 540123456789, unit: "ns", line: 6 });
    expect(result.final.result_valid?.value).toBe(1);
    expect(result.problems).toEqual([{ line: 9, message: expect.stringMatching(/^malformed :::MLLOG record: unexpected end of line \(truncated\?\) at column \d+$/) }]);
  });

  it("turns error records and an INVALID validity record into problems", async () => {
    const result = await parseLogFile("mlperf-loadgen", fixture("mlperf_log_detail-error.txt"));
    expect(result.problems.map((p) => p.line)).toEqual([2, 4]);
    expect(result.problems[0]?.message).toMatch(/Multiple conf files/);
    expect(result.final.result_valid?.value).toBe(0);
  });

  it("is incomplete when the run ended before the result", () => {
    const result = parseLines("mlperf-loadgen", ["SUT name : PySUT", "Scenario : Offline", "Samples per second: 35.0436"]);
    expect(result.complete).toBe(false);
    expect(result.final["Samples per second"]).toEqual({ value: 35.0436, unit: "samples/s", line: 3 });
  });
});
