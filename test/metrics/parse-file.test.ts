import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getParser, parseLines, parseLogFile, PARSERS } from "../../src/metrics/parsers/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "migbench-parse-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parser registry", () => {
  it("lists the parsers by name", () => {
    expect(Object.keys(PARSERS).sort()).toEqual(["dllogger", "hf-trainer", "jsonl", "mlperf-loadgen", "perf-analyzer", "regex", "triton-client"]);
    for (const [name, parser] of Object.entries(PARSERS)) {
      expect(parser.name).toBe(name);
      expect(parser.description).not.toBe("");
    }
    expect("toString" in PARSERS).toBe(false);
  });

  it("names the known parsers when asked for an unknown one", () => {
    expect(() => getParser("nope")).toThrow('unknown parser "nope"; known: dllogger, hf-trainer, jsonl, mlperf-loadgen, perf-analyzer, regex, triton-client');
    expect(() => getParser("constructor")).toThrow(/unknown parser/);
  });
});

describe("parseLogFile", () => {
  it("numbers lines as an editor does, even when \\r splits one into several", async () => {
    const file = join(dir, "cr.txt");
    await writeFile(file, 'a\r{"x":1}\r{"x":2\n{"x":3}\r\n{"event":"summary","x":4}');
    const result = await parseLogFile("jsonl", file);
    expect(result.samples.map((s) => [s.value, s.line])).toEqual([
      [1, 1],
      [3, 2],
      [4, 3],
    ]);
    expect(result.problems).toEqual([{ line: 1, message: expect.stringMatching(/malformed JSON/) }]);
    expect(result.complete).toBe(true);
  });

  it("rejects a missing file", async () => {
    await expect(parseLogFile("jsonl", join(dir, "missing.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("streams a long log with flat memory apart from kept samples", async () => {
    const file = join(dir, "long.txt");
    const noise = "x".repeat(200);
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(i % 1000 === 0 ? `{"step":${i},"v":${i}}` : noise);
    await writeFile(file, lines.join("\n") + "\n");
    const result = await parseLogFile("jsonl", file);
    expect(result.lines).toBe(50_000);
    expect(result.samples).toHaveLength(50);
    expect(result.final.v).toEqual({ value: 49_000, line: 49_001 });
  });
});

describe("streaming samples", () => {
  it("hands every sample to a sink and keeps none when asked: memory stays flat however many there are", async () => {
    const file = join(dir, "many.txt");
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`Throughput Average (sentences/sec) = ${i}`);
    await writeFile(file, lines.join("\n"));
    let seen = 0;
    let last: number | null = null;
    const result = await parseLogFile("triton-client", file, undefined, {
      keepSamples: false,
      onSample: (s) => {
        seen++;
        last = s.value;
      },
    });
    expect(result.samples).toEqual([]);
    expect(result.sampleCount).toBe(20_000);
    expect(seen).toBe(20_000);
    expect(last).toBe(19_999);
    expect(result.final["Throughput Average (sentences/sec)"]?.value).toBe(19_999);
  });
});

describe("parseLines", () => {
  it("unwraps lines in the runtime's format and passes their time on", () => {
    const result = parseLines("jsonl", ['2026-11-25T14:00:00.123Z stdout| {"v": 1}', '{"v": 2}']);
    expect(result.samples).toEqual([
      { name: "v", value: 1, at: Date.parse("2026-11-25T14:00:00.123Z"), line: 1 },
      { name: "v", value: 2, line: 2 },
    ]);
  });
});
