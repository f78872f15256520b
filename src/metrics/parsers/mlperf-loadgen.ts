/**
 * `mlperf-loadgen`: MLPerf Inference LoadGen output (reference/workload-logs.md §5), both files from the
 * same stream:
 *
 * - `mlperf_log_summary.txt` (also printed to stdout): `key : value` lines with irregular padding, split on
 *   the first `:`. Numeric values become samples named as printed (`90th percentile latency (ns)`,
 *   `Samples per second`, `QPS w/o loadgen overhead`), unit from the name's parenthesis or its wording;
 *   the "Test Parameters Used" section gives samples at step "PARAMETER".
 * - `mlperf_log_detail.txt`: `:::MLLOG {json}` lines; numeric `value`s become samples named by `key`
 *   (`result_samples_per_second`, `result_mean_latency_ns`, ...).
 *
 * Validity: `Result is : INVALID` (or `result_validity` INVALID), an unsatisfied constraint
 * (`Min duration satisfied : No`), or reported errors are problems, and `result_valid` (1 or 0) is a
 * sample. `complete` means the result line (or record) was seen.
 */
import { z } from "zod";
import { numberToken, parseOptions, printedName, SampleCollector } from "./common.js";
import { describeJsonError, isJsonObject, parseLenientJson, type JsonValue } from "./lenient-json.js";
import type { LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const optionsSchema = z.strictObject({}).describe("The mlperf-loadgen parser has no options");

const MLLOG = /^\s*:::MLLOG\s+/;
const KEY_VALUE = /^\s*([^:]*[^:\s])\s*:\s*(.*?)\s*$/;
const SECTION_RULE = /^={8,}$/;
const ERRORS = /^(\d+) ERRORS? encountered/i;

/** Units for names that carry none in parentheses, by wording (summary) or suffix (detail keys). */
const UNITS: readonly (readonly [RegExp, string])[] = [
  [/^QPS\b/i, "queries/s"],
  [/samples per second/i, "samples/s"],
  [/_samples_per_second$/, "samples/s"],
  [/_ns$/, "ns"],
  [/_ms$/, "ms"],
];

const unitFor = (name: string): string | undefined => UNITS.find(([re]) => re.test(name))?.[1];

class MlperfSession implements ParserSession {
  private readonly out: SampleCollector;
  /** The title of the summary section being read (the line after a row of `=`). */
  private section = "";
  private afterRule = false;

  constructor(session?: SessionOptions) {
    this.out = new SampleCollector(session);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    const mllog = MLLOG.exec(text);
    if (mllog) return this.detail(text.slice(mllog[0].length), mllog[0].length, lineNumber, at);
    const line = text.trim();
    if (SECTION_RULE.test(line)) {
      this.afterRule = true;
      return;
    }
    if (this.afterRule && line !== "" && !line.includes(":")) this.section = line;
    this.afterRule = false;
    const errors = ERRORS.exec(line);
    if (errors) {
      this.out.problem(lineNumber, `MLPerf LoadGen reported ${errors[1]} error(s); see mlperf_log_detail.txt`);
      return;
    }
    if (line.startsWith("*")) return; // early-stopping notes
    const kv = KEY_VALUE.exec(line);
    if (kv) this.summary(kv[1] as string, kv[2] as string, lineNumber, at);
  }

  finish() {
    return this.out.result("mlperf-loadgen");
  }

  private summary(key: string, raw: string, line: number, at: number | undefined): void {
    if (key === "Result is") return this.validity(raw, line, at);
    if (/satisfied$/i.test(key)) {
      if (/^no$/i.test(raw)) this.out.problem(line, `MLPerf LoadGen: ${key}: No (the result is not valid)`);
      return;
    }
    // Seeds and other integers beyond 2^53 would be stored rounded: they are no metric anyway.
    if (/^\d+$/.test(raw) && !Number.isSafeInteger(Number(raw))) return;
    const value = numberToken(raw);
    if (value === undefined) return;
    const { name, unit } = printedName(key);
    this.add(name, value, unit ?? unitFor(name), this.section === "Test Parameters Used" ? "PARAMETER" : undefined, line, at);
  }

  private validity(raw: string, line: number, at: number | undefined): void {
    const valid = raw.trim().toUpperCase() === "VALID";
    if (!valid) this.out.problem(line, `MLPerf LoadGen result is ${raw.trim() || "not stated"}`);
    this.add("result_valid", valid ? 1 : 0, undefined, undefined, line, at);
    this.out.complete = true;
  }

  private detail(text: string, column: number, line: number, at: number | undefined): void {
    let record: JsonValue;
    try {
      record = parseLenientJson(text);
    } catch (error) {
      this.out.problem(line, `malformed :::MLLOG record: ${describeJsonError(error, column)}`);
      return;
    }
    if (!isJsonObject(record) || typeof record.key !== "string") return;
    const { key, value } = record;
    const metadata = isJsonObject(record.metadata ?? null) ? (record.metadata as { [k: string]: JsonValue }) : {};
    if (key === "result_validity" && typeof value === "string") return this.validity(value, line, at);
    if (key === "error" || metadata.is_error === true) {
      this.out.problem(line, `MLPerf LoadGen error: ${typeof value === "string" ? value : JSON.stringify(value)}`);
      return;
    }
    if (typeof value === "number") this.add(key, Number.isFinite(value) ? value : null, unitFor(key), undefined, line, at);
  }

  private add(name: string, value: number | null, unit: string | undefined, step: string | undefined, line: number, at: number | undefined): void {
    const sample: Sample = { name, value, line };
    if (unit !== undefined) sample.unit = unit;
    if (step !== undefined) sample.step = step;
    if (at !== undefined) sample.at = at;
    this.out.add(sample);
  }
}

export const mlperfLoadgenParser: LogParser = {
  name: "mlperf-loadgen",
  description:
    "MLPerf Inference LoadGen: mlperf_log_summary.txt `key : value` lines (named as printed, e.g. " +
    "`Samples per second`, `90th percentile latency (ns)`) and mlperf_log_detail.txt `:::MLLOG` records (named by key). " +
    "An INVALID result, an unsatisfied constraint or reported errors are problems; `result_valid` is 1 or 0.",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => {
    parseOptions("mlperf-loadgen", optionsSchema, options);
    return new MlperfSession(session);
  },
};
