import { describe, expect, it } from "vitest";
import { parseDateTime } from "../../src/metrics/parsers/dllogger.js";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import { fixture } from "./helpers.js";

describe("dllogger parser, JSON form", () => {
  it("reads the reference's DLLL lines: units, parameters, steps, final summary, NaN/Infinity", async () => {
    const result = await parseLogFile("dllogger", fixture("dllogger.json"));
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.lines).toBe(5);
    expect(result.samples.slice(0, 6)).toEqual([
      { name: "train_batch_size", value: 4, step: "PARAMETER", at: 1795614009230.846, line: 2 },
      { name: "step_loss", value: 5.123, step: [0, 50], at: 1795614009230.923, line: 3 },
      { name: "learning_rate", value: 2.9e-5, step: [0, 50], at: 1795614009230.923, line: 3 },
      { name: "e2e_train_time", value: 342.63, unit: "s", step: [], at: 1795614009230.971, line: 4 },
      { name: "training_sequences_per_second", value: 517.41, step: [], at: 1795614009230.971, line: 4 },
      { name: "final_loss", value: 0.088, step: [], at: 1795614009230.971, line: 4 },
    ]);
    // Timestamps in exponent notation, and NaN/Infinity values as null.
    expect(result.samples.slice(6)).toEqual([
      { name: "final_loss", value: null, step: [], at: 1795614009500, line: 5 },
      { name: "grad_norm", value: null, step: [], at: 1795614009500, line: 5 },
      { name: "min_scale", value: null, step: [], at: 1795614009500, line: 5 },
    ]);
    expect(result.final.e2e_train_time).toEqual({ value: 342.63, unit: "s", line: 4 });
    expect(result.final.training_sequences_per_second).toEqual({ value: 517.41, line: 4 });
    expect(result.final.final_loss).toEqual({ value: null, line: 5 });
  });

  it("falls back to datetime (with or without offset) and to the receive time", () => {
    const result = parseLines("dllogger", [
      'DLLL {"datetime": "2026-11-25 13:40:09.230846+01:00", "type": "LOG", "step": [1], "data": {"a": 1}}',
      'DLLL {"datetime": "2026-11-25 13:40:09.230846", "type": "LOG", "step": [1], "data": {"a": 2}}',
      '2026-11-25T14:00:00.000Z stdout| DLLL {"type": "LOG", "step": 7, "data": {"a": 3}}',
    ]);
    expect(result.samples.map((s) => [s.at, s.step])).toEqual([
      [Date.parse("2026-11-25T12:40:09.230Z") + 0.846, [1]],
      [Date.parse("2026-11-25T13:40:09.230Z") + 0.846, [1]],
      [Date.parse("2026-11-25T14:00:00.000Z"), 7],
    ]);
  });

  it("takes a unit declared after the first values", () => {
    const result = parseLines("dllogger", [
      'DLLL {"type": "LOG", "step": [0, 1], "data": {"throughput": 10}}',
      'DLLL {"type": "METADATA", "metric": "throughput", "metadata": {"unit": "sequences/s"}}',
    ]);
    expect(result.samples[0]?.unit).toBe("sequences/s");
    expect(result.final.throughput?.unit).toBe("sequences/s");
  });

  it("reports a malformed record with its line and keeps the rest", () => {
    const result = parseLines("dllogger", [
      'DLLL {"type": "LOG", "step": [0, 1], "data": {"loss": 1.5}}',
      'DLLL {"type": "LOG", "step": [0, 2], "data": {"loss": 1.4',
      'DLLL {"type": "LOG", "step": [0, 3]}',
      'DLLL {"type": "LOG", "step": [], "data": {"e2e_train_time": 10}}',
    ]);
    expect(result.problems).toEqual([
      { line: 2, message: expect.stringMatching(/^malformed DLLogger record: .*truncated/) },
      { line: 3, message: "DLLogger LOG record without a data object" },
    ]);
    expect(result.samples.map((s) => s.line)).toEqual([1, 4]);
    expect(result.complete).toBe(true);
  });

  it("needs data in the final summary to be complete", () => {
    expect(parseLines("dllogger", ['DLLL {"type": "LOG", "step": [], "data": {}}']).complete).toBe(false);
  });
});

describe("dllogger parser, console form", () => {
  it("reads the reference's DLL lines: units, None, trailing spaces, epoch/iteration steps, empty-step summaries", async () => {
    const result = await parseLogFile("dllogger", fixture("dllogger-console.txt"));
    const at = (micro: string) => Date.parse(`2026-11-25T13:40:09.${micro.slice(0, 3)}Z`) + Number(micro.slice(3)) / 1000;
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.samples).toEqual([
      { name: "train_batch_size", value: 4, step: "PARAMETER", at: at("230846"), line: 1 },
      { name: "step_loss", value: 5.123, step: [0, 50], at: at("230923"), line: 2 },
      { name: "learning_rate", value: 2.9e-5, step: [0, 50], at: at("230923"), line: 2 },
      { name: "e2e_train_time", value: 342.63, unit: "s", step: [], at: at("230971"), line: 3 },
      { name: "training_sequences_per_second", value: 517.41, unit: "sequences/s", step: [], at: at("230971"), line: 3 },
      { name: "final_loss", value: 0.088, step: [], at: at("230971"), line: 3 },
      { name: "exact_match", value: 80.65, step: [], at: at("231024"), line: 4 },
      { name: "F1", value: 88.13, step: [], at: at("231024"), line: 4 },
    ]);
    expect(result.final.training_sequences_per_second).toEqual({ value: 517.41, unit: "sequences/s", line: 3 });
  });

  it("reads a real-looking run: \\r progress bars, warnings, DLLL console prefix, no final newline", async () => {
    const result = await parseLogFile("dllogger", fixture("dllogger-console-run.txt"));
    expect(result.problems).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.samples.filter((s) => s.name === "step_loss").map((s) => [s.step, s.value, s.line])).toEqual([
      [[0, 50], 5.123, 5],
      [[0, 100], 4.871, 6],
    ]);
    expect(result.final.F1).toEqual({ value: 88.13, line: 9 });
    expect(result.final.e2e_train_time).toEqual({ value: 342.63, unit: "s", line: 8 });
  });

  it("is incomplete for a run that died before its summary", async () => {
    const result = await parseLogFile("dllogger", fixture("dllogger-died.txt"));
    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([]);
    expect(result.final.step_loss?.value).toBe(5.123);
    expect(result.final.e2e_train_time).toBeUndefined();
  });

  it("reads nan/inf values, other step labels, text values, and ignores lines that merely start with DLL", () => {
    const result = parseLines("dllogger", [
      "DLL 2026-11-25 13:40:09 - Epoch: 2 Iteration: 7  loss : nan  scale : inf  speed : -inf it/s",
      "DLL 2026-11-25 13:40:09.5 - PARAMETER output_dir : /results fp16 : True seed : 42 ",
      "DLL is what we call our logger",
      "DLL 2026-11-25 13:40:09 - validation  accuracy : 0.91 ",
    ]);
    expect(result.samples.map((s) => [s.name, s.value, s.unit, s.step])).toEqual([
      ["loss", null, undefined, [2, 7]],
      ["scale", null, undefined, [2, 7]],
      ["speed", null, "it/s", [2, 7]],
      ["seed", 42, undefined, "PARAMETER"],
      ["accuracy", 0.91, undefined, "validation"],
    ]);
    expect(result.complete).toBe(false);
  });
});

describe("parseDateTime", () => {
  it.each([
    ["2026-11-25 13:40:09.230846+00:00", Date.parse("2026-11-25T13:40:09.230Z") + 0.846],
    ["2026-11-25 13:40:09", Date.parse("2026-11-25T13:40:09Z")],
    ["2026-11-25T13:40:09.5-0130", Date.parse("2026-11-25T15:10:09.500Z")],
    ["yesterday", undefined],
  ])("%s", (text, expected) => {
    const value = parseDateTime(text);
    if (expected === undefined) expect(value).toBeUndefined();
    else expect(value).toBeCloseTo(expected, 6);
  });
});
