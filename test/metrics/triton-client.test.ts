import { describe, expect, it } from "vitest";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import { fixture } from "./helpers.js";

describe("triton-client parser", () => {
  it("reads the client's summary from a runtime log with interleaved stderr and progress bars", async () => {
    const result = await parseLogFile("triton-client", fixture("triton-client.txt"));
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.final["Throughput Average (sentences/sec)"]).toEqual({ value: 247.25, unit: "sentences/sec", line: 18 });
    // Irregular padding before `=` does not change the name; the unit comes from the parenthesis.
    expect(result.final["Latency Average (ms)"]).toEqual({ value: 3.7712, unit: "ms", line: 17 });
    expect(result.final["Latency Confidence Level 99 (ms)"]?.value).toBe(4.2302);
    // nan is a value the log gave, but no number.
    expect(result.final["Latency Confidence Level 100 (ms)"]?.value).toBeNull();
    // Text values and `x = 1 for y = 2` lines are ordinary output, not metrics.
    expect(Object.keys(result.final)).not.toContain("Precision");
    expect(Object.keys(result.final).some((k) => k.startsWith("Total Inference Time"))).toBe(false);
    // The runtime's timestamps travel with the samples.
    expect(result.samples.find((s) => s.name === "Latency Average (ms)")?.at).toBe(Date.parse("2026-11-25T14:00:16.116Z"));
  });

  it("says when the client died before its summary", async () => {
    const result = await parseLogFile("triton-client", fixture("triton-client-died.txt"));
    expect(result.complete).toBe(false);
    expect(result.final["Throughput Average (sentences/sec)"]).toBeUndefined();
  });

  it("takes another summary marker as an option, and rejects unknown options", () => {
    expect(parseLines("triton-client", ["Throughput (seq/s) = 12"], { summaryPrefix: "Throughput (seq/s)" }).complete).toBe(true);
    expect(() => parseLines("triton-client", [], { summary: "x" })).toThrow(/invalid options for parser triton-client/);
  });
});
