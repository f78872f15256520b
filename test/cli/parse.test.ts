/** `bench parse` through the real CLI, for every parser in the registry, on the fixture logs. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PARSER_NAMES } from "../../src/metrics/parsers/index.js";
import { bench, tempDir } from "./helpers.js";

const log = (name: string): string => path.join("test", "fixtures", "logs", name);

/** One invocation per parser: the fixture, options, and a final figure it must print. */
const CASES: readonly { format: string; file: string; options?: unknown; metric: string; value: number }[] = [
  { format: "jsonl", file: "cpu-matmul.txt", metric: "items_per_second", value: 700.757 },
  { format: "dllogger", file: "dllogger-console.txt", metric: "e2e_train_time", value: 342.63 },
  { format: "triton-client", file: "triton-client.txt", metric: "Throughput Average (sentences/sec)", value: 247.25 },
  { format: "perf-analyzer", file: "perf-analyzer.csv", options: { concurrency: 2 }, metric: "throughput", value: 89.8 },
  { format: "hf-trainer", file: "hf-all_results.json", metric: "train_runtime", value: 141.8392 },
  { format: "mlperf-loadgen", file: "mlperf_log_summary.txt", metric: "Mean latency (ns)", value: 28426127 },
  { format: "regex", file: "regex-train.txt", options: { patterns: [{ regex: "loss=(?<loss>[\\d.]+)" }] }, metric: "loss", value: 1.0412 },
];

// Each case is its own process: run them side by side.
describe.concurrent("bench parse", () => {
  it("covers every registered parser", () => {
    expect(new Set(CASES.map((c) => c.format))).toEqual(new Set(PARSER_NAMES));
  });

  it.each(CASES)("prints what $format extracts from $file", async ({ format, file, options, metric, value }) => {
    const args = ["parse", "--format", format, log(file), ...(options === undefined ? [] : ["--options", JSON.stringify(options)])];
    const result = await bench(args);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const parsed = JSON.parse(String(result.stdout)) as { parser: string; final: Record<string, { value: number | null }>; samples: unknown[]; complete: boolean };
    expect(parsed.parser).toBe(format);
    expect(parsed.samples.length).toBeGreaterThan(0);
    expect(parsed.final[metric]?.value).toBe(value);
  });

  it("reads options from a file, leaves samples out on request, and lists the parsers", async () => {
    const dir = tempDir("parse");
    const optionsFile = path.join(dir, "options.json");
    writeFileSync(optionsFile, JSON.stringify({ concurrency: 1, latencyUnit: "ms" }));
    const result = await bench(["parse", "--format", "perf-analyzer", "--options", `@${optionsFile}`, "--no-samples", log("perf-analyzer-console.txt")]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const parsed = JSON.parse(String(result.stdout)) as { final: Record<string, { value: number; unit: string }>; samples?: unknown; sampleCount: number };
    expect(parsed.samples).toBeUndefined();
    expect(parsed.sampleCount).toBe(60);
    expect(parsed.final.latency_avg).toEqual({ value: 14.71, unit: "ms", line: 15 });

    const list = await bench(["parse", "--list"]);
    expect(list.exitCode).toBe(0);
    for (const name of PARSER_NAMES) expect(String(list.stdout)).toMatch(new RegExp(`^${name}$`, "m"));
  });

  it("ends quietly, exit 0, when its reader closes the pipe early (`| head`)", async () => {
    const file = path.join(tempDir("parse-pipe"), "long.log");
    const record = (i: number): string => `DLLL {"timestamp": "${1700000000 + i}", "type": "LOG", "step": [0, ${i}], "data": {"step_loss": ${i / 1000}}}`;
    writeFileSync(file, `${Array.from({ length: 20_000 }, (_, i) => record(i)).join("\n")}\n`);
    const child = bench(["parse", "--format", "dllogger", file]);
    // Read one chunk of the JSON (far less than the pipe holds of it), then close the pipe, as `head` does.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const result = await child;
    expect(String(result.stderr)).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("refuses bad input with exit 2 and a message", async () => {
    const unknown = await bench(["parse", "--format", "nope", log("cpu-matmul.txt")]);
    expect(unknown.exitCode).toBe(2);
    expect(String(unknown.stderr)).toMatch(/unknown parser "nope"; known: jsonl, dllogger/);
    const badOptions = await bench(["parse", "--format", "regex", "--options", '{"patterns": [{"regex": "(?<x"}]}', log("regex-train.txt")]);
    expect(badOptions.exitCode).toBe(2);
    expect(String(badOptions.stderr)).toMatch(/invalid options for parser regex[^]*not a valid regular expression[^]*patterns\[0\]\.regex/);
    const badJson = await bench(["parse", "--format", "regex", "--options", "{", log("regex-train.txt")]);
    expect(badJson.exitCode).toBe(2);
    expect(String(badJson.stderr)).toMatch(/--options: not valid JSON/);
    const missing = await bench(["parse", "--format", "jsonl", "no-such-file.txt"]);
    expect(missing.exitCode).toBe(2);
    expect(String(missing.stderr)).toMatch(/no-such-file\.txt: .*ENOENT/);
  });
});
