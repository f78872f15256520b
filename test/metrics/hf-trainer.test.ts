import { describe, expect, it } from "vitest";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import { parsePythonDict } from "../../src/metrics/parsers/python-literal.js";
import { PARSERS } from "../../src/metrics/parsers/index.js";
import { fixture } from "./helpers.js";

describe("hf-trainer parser", () => {
  it("reads the console: dicts after progress bars, nan/inf, quoted numbers, reprs, and the metrics table", async () => {
    const result = await parseLogFile("hf-trainer", fixture("hf-trainer-console.txt"));
    expect(result.complete).toBe(true);
    // The dict cut short on line 10 is reported; everything else is kept.
    expect(result.problems).toEqual([{ line: 10, message: expect.stringMatching(/^malformed metrics dict: unexpected end of line \(truncated\?\)/) }]);
    const losses = result.samples.filter((s) => s.name === "loss").map((s) => [s.value, s.step]);
    expect(losses).toEqual([
      [0.5621, 0.87],
      [null, 1.74],
      [0.2387, 2.61],
    ]);
    expect(result.samples.find((s) => s.name === "grad_norm" && s.step === 1.74)?.value).toBeNull();
    // `tensor(1.9032, device='cuda:0')` is no number, but the rest of its dict is read.
    expect(result.samples.some((s) => s.name === "grad_norm" && s.step === 2.61)).toBe(false);
    // The printed dict and the table both give the summary; the table (H:MM:SS.cc) comes last.
    const runtimes = result.samples.filter((s) => s.name === "train_runtime").map((s) => s.value);
    expect(runtimes).toEqual([141.8392, 141.83]);
    expect(result.samples.find((s) => s.name === "train_samples_per_second")).toMatchObject({ value: 77.576, unit: "samples/s", step: 3 });
    expect(result.final.train_runtime).toEqual({ value: 141.83, unit: "s", line: 17 });
    expect(result.final.total_flos).toEqual({ value: 2692973 * 2 ** 30, unit: "FLOs", line: 15 });
    expect(result.final.eval_accuracy?.value).toBe(0.8627);
  });

  it("reads all_results.json entry by entry, NaN included", async () => {
    const result = await parseLogFile("hf-trainer", fixture("hf-all_results.json"));
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.final.train_runtime).toEqual({ value: 141.8392, unit: "s", line: 11 });
    expect(result.final.train_samples_per_second).toEqual({ value: 77.576, unit: "samples/s", line: 13 });
    expect(result.final.train_loss).toEqual({ value: null, line: 10 });
    expect(result.final.eval_steps_per_second?.value).toBe(19.539);
  });

  it("reads a one-line results file", async () => {
    const result = await parseLogFile("hf-trainer", fixture("hf-train_results-oneline.json"));
    expect(result.complete).toBe(true);
    expect(result.final.train_steps_per_second).toEqual({ value: 2.066, unit: "steps/s", line: 1 });
  });

  it("keeps what a truncated results file had and says it is incomplete", async () => {
    const result = await parseLogFile("hf-trainer", fixture("hf-train_results-truncated.json"));
    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([{ line: 5, message: "the JSON object opened at line 1 never closes (a truncated file?)" }]);
    expect(result.final.train_loss?.value).toBe(0.3812004852294922);
  });

  it("says when the run died before its summary", async () => {
    const result = await parseLogFile("hf-trainer", fixture("hf-trainer-died.txt"));
    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([]);
    expect(result.final.loss?.value).toBe(0.5621);
  });

  it("reports a malformed JSON entry with its line and reads on", () => {
    const result = parseLines("hf-trainer", ["{", '    "train_loss": 0.5,', '    "train_runtime": 12x,', '    "nested": {"a": 1},', '    "epoch": 1.0', "}"]);
    expect(result.problems).toEqual([{ line: 3, message: 'malformed JSON value for "train_runtime": "12x" (a truncated line?)' }]);
    expect(result.final.epoch?.value).toBe(1);
    expect(result.complete).toBe(false);
  });

  it("states the samples-per-second caveat in its description", () => {
    expect(PARSERS["hf-trainer"]?.description).toMatch(/train_samples_per_second .*includes evaluation and checkpointing/);
  });
});

describe("Python dict literals", () => {
  it("reads quotes, escapes, words and nested values", () => {
    const { entries, end } = parsePythonDict(`x {'a': 1, "b": 'it\\'s', 'c': -inf, 'd': None, 'e': [1, {'f': 2}], 'g': True, 'h': np.float64(0.5),} tail`, 2);
    expect(entries).toEqual([
      ["a", 1],
      ["b", "it's"],
      ["c", Number.NEGATIVE_INFINITY],
      ["d", null],
      ["e", undefined],
      ["g", true],
      ["h", undefined],
    ]);
    expect(end).toBe(100);
  });

  it("fails with an offset on what is not a dict", () => {
    expect(() => parsePythonDict("{'a' 1}")).toThrow(/expected ':' at offset 5/);
    expect(() => parsePythonDict("{'a': @}")).toThrow(/unexpected "@"/);
  });
});
