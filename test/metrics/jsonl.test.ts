import { describe, expect, it } from "vitest";
import { getParser } from "../../src/metrics/parsers/index.js";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import { fixture } from "./helpers.js";

describe("jsonl parser", () => {
  it("reads the built-in workload's log as the runtime writes it", async () => {
    const result = await parseLogFile("jsonl", fixture("cpu-matmul.txt"));
    expect(result.parser).toBe("jsonl");
    expect(result.complete).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.lines).toBe(6);
    expect(result.final.items_per_second).toEqual({ value: 700.757, line: 6 });
    expect(result.final.latency_ms_p99).toEqual({ value: 1.9668, line: 6 });
    expect(result.final.latency_ms).toEqual({ value: 1.4465, line: 4 });
    // Progress samples carry their step and the time the runtime stamped on the line.
    const progress = result.samples.filter((s) => s.name === "items_per_second");
    expect(progress.map((s) => [s.value, s.step, s.line])).toEqual([
      [687.925, 173, 2],
      [689.753, 346, 4],
      [700.757, undefined, 6],
    ]);
    expect(progress[0]?.at).toBe(Date.parse("2026-11-25T14:00:00.352Z"));
    // The event and step fields are not metrics.
    expect(result.final.event).toBeUndefined();
    expect(result.final.step).toBeUndefined();
  });

  it("reads a plain Python log: progress bars, NaN/Infinity, nested fields, a malformed and a truncated line", async () => {
    const result = await parseLogFile("jsonl", fixture("python-jsonl.txt"));
    expect(result.problems).toEqual([
      { line: 5, message: 'malformed JSON: expected "}" at column 25' },
      { line: 9, message: expect.stringMatching(/truncated/) },
    ]);
    expect(result.complete).toBe(true);
    expect(result.final["gpu.mem_gb"]).toEqual({ value: 3.2, line: 2 });
    expect(result.final["gpu.util"]).toEqual({ value: 97, line: 2 });
    expect(result.final.throughput).toEqual({ value: null, line: 6 });
    expect(result.final.samples_per_second).toEqual({ value: 412.5, line: 8 });
    expect(result.final.loss).toEqual({ value: 1.7, line: 8 });
    expect(result.samples.filter((s) => s.name === "loss").map((s) => [s.step, s.value])).toEqual([
      [1, 2.5],
      [2, null],
      [4, null],
      [undefined, 1.7],
    ]);
    // Arrays, booleans and strings are not metrics.
    expect(Object.keys(result.final)).not.toContain("tags");
    expect(Object.keys(result.final)).not.toContain("ok");
    // Plain logs have no timestamps.
    expect(result.samples.every((s) => s.at === undefined)).toBe(true);
  });

  it("is incomplete when the summary never came", () => {
    const result = parseLines("jsonl", ['{"event":"start","pid":1}', '{"event":"progress","step":1,"items_per_second":5}']);
    expect(result.complete).toBe(false);
    expect(result.final.items_per_second?.value).toBe(5);
  });

  it("takes its summary event, step key and ignored fields from options", () => {
    const lines = ['{"kind":"tick","iter":[0,3],"fps":10,"pid":7}', '{"kind":"done","fps":12,"pid":7}'];
    const result = parseLines("jsonl", lines, { summaryEvent: "done", eventKey: "kind", stepKey: "iter", ignore: ["pid"] });
    expect(result.complete).toBe(true);
    expect(result.samples).toEqual([
      { name: "fps", value: 10, step: [0, 3], line: 1 },
      { name: "fps", value: 12, line: 2 },
    ]);
  });

  it("rejects unknown options with the parser's name", () => {
    expect(() => getParser("jsonl").create({ summary: "x" })).toThrow(/invalid options for parser jsonl/);
  });

  it("ignores ordinary output and JSON that is not an object", () => {
    const result = parseLines("jsonl", ["hello", "[1, 2]", "", "  ", "42", "null"]);
    expect(result).toMatchObject({ samples: [], problems: [], complete: false, lines: 6 });
  });
});

describe("jsonl problem columns", () => {
  it("count from the start of the line, indentation included", () => {
    const result = parseLines("jsonl", ['   {"a": 1 "b": 2}']);
    expect(result.problems).toEqual([{ line: 1, message: 'malformed JSON: expected "}" at column 12' }]);
  });
});
