/**
 * `dllogger`: NVIDIA DLLogger, as written by DeepLearningExamples (the study's BERT fine-tunes). Reads both
 * forms (see reference/workload-logs.md §1), line by line, from the same stream:
 *
 * - JSON lines `DLLL {...}`: METADATA records give units, LOG records carry `data` at a `step` that is
 *   "PARAMETER", `[epoch, iteration]`, or `[]` for a final summary. Values may be NaN / Infinity.
 * - Console lines `DLL <date> <time> - <step> key : value [unit] ...`, where the step is "PARAMETER",
 *   `Training Epoch: 0 Training Iteration: 50`, or nothing for a final summary.
 *
 * Either prefix (`DLL` or `DLLL`) is accepted with either form. `complete` means a final summary with data
 * was seen. Timestamps come from the records: `timestamp` (epoch seconds as a string), else `datetime`,
 * else the console date; DLLogger prints local time without an offset, which is read as UTC (what
 * containers run in).
 */
import { z } from "zod";
import { parseOptions, sampleValue, SampleCollector } from "./common.js";
import { describeJsonError, isJsonObject, parseLenientJson, type JsonValue } from "./lenient-json.js";
import type { LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const optionsSchema = z.strictObject({}).describe("The dllogger parser has no options");

/** `DLL`/`DLLL`, then either `{json}` or `<timestamp> - <body>`. */
const PREFIX = /^\s*DLLL? +/;
const CONSOLE = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?) - ([^]*)$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/;
/** A float as Python prints it (`5.123`, `2.9e-05`, `1e+20`). */
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Non-finite floats as Python (`nan`, `inf`) or json (`NaN`, `Infinity`) print them. */
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
/** `Training Epoch: 0 Training Iteration: 50`: labels followed by integers. */
const LABELLED_STEP = /^(?:[A-Za-z][A-Za-z ]*?:\s*-?\d+\s*)+$/;

type Step = NonNullable<Sample["step"]>;

/** Epoch ms of `2026-11-25 13:40:09.230846[+00:00]`, keeping the microseconds as a fraction. */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (fraction) ms += Number(`0.${fraction}`) * 1000;
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : toMicroseconds(ms);
}

/** A console value: a number, null for NaN/inf, undefined for text (a path, `True`) that is no metric. */
function consoleValue(token: string): number | null | undefined {
  if (FLOAT.test(token)) return sampleValue(Number(token));
  if (NON_FINITE.test(token)) return null;
  return undefined;
}

function consoleStep(text: string): Step {
  if (text === "") return [];
  if (LABELLED_STEP.test(text)) return [...text.matchAll(/:\s*(-?\d+)/g)].map((m) => Number(m[1]));
  return text;
}

function jsonStep(step: JsonValue | undefined): Step | undefined {
  if (typeof step === "string" || typeof step === "number") return step;
  if (Array.isArray(step)) {
    return step.every((v) => typeof v === "number") ? (step as number[]) : step.map((v) => String(v)).join(" ");
  }
  return undefined;
}

const isFinalSummary = (step: Step | undefined) => Array.isArray(step) && step.length === 0;

class DlloggerSession implements ParserSession {
  private readonly out: SampleCollector;
  /** Units declared by METADATA records, by metric. */
  private readonly units = new Map<string, string>();

  constructor(session?: SessionOptions) {
    this.out = new SampleCollector(session);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    // The JSON form as DLLogger writes it, without a regex match per line.
    if (text.startsWith("DLLL {")) {
      this.json(text.slice(5), 5, lineNumber, at);
      return;
    }
    const prefix = PREFIX.exec(text);
    if (!prefix) return;
    const rest = text.slice(prefix[0].length);
    if (rest.startsWith("{")) this.json(rest, prefix[0].length, lineNumber, at);
    else this.console(rest, lineNumber, at);
  }

  finish() {
    this.out.applyUnits((name) => this.units.get(name));
    return this.out.result("dllogger");
  }

  /** `column`: where the JSON starts in the line, so that errors point at the line's own columns. */
  private json(text: string, column: number, line: number, receivedAt: number | undefined): void {
    let record: JsonValue;
    try {
      record = parseLenientJson(text);
    } catch (error) {
      this.out.problem(line, `malformed DLLogger record: ${describeJsonError(error, column)}`);
      return;
    }
    if (!isJsonObject(record)) return;
    if (record.type === "METADATA") {
      const unit = isJsonObject(record.metadata ?? null) ? (record.metadata as { [k: string]: JsonValue }).unit : undefined;
      if (typeof record.metric === "string" && typeof unit === "string" && unit !== "" && unit !== "None") {
        this.units.set(record.metric, unit);
      }
      return;
    }
    if (record.type !== "LOG") return;
    const data = record.data;
    if (!isJsonObject(data ?? null)) {
      this.out.problem(line, "DLLogger LOG record without a data object");
      return;
    }
    const step = jsonStep(record.step);
    // A record's time only goes into samples: without them (final figures only) it is not worked out.
    const at = this.out.wantsSamples ? (recordTime(record) ?? receivedAt) : undefined;
    const values = data as { [k: string]: JsonValue };
    const names = Object.keys(values);
    for (const name of names) {
      const value = values[name];
      if (typeof value === "number") this.add(name, sampleValue(value), this.units.get(name), step, at, line);
    }
    if (isFinalSummary(step) && names.length > 0) this.out.complete = true;
  }

  private console(text: string, line: number, receivedAt: number | undefined): void {
    const match = CONSOLE.exec(text);
    if (!match) return; // "DLL" starting some other output; not a DLLogger record
    const at = parseDateTime(match[1] as string) ?? receivedAt;
    const tokens = (match[2] as string).split(/\s+/).filter((token) => token !== "");
    const colons = tokens.flatMap((token, i) => (token === ":" && i > 0 && i + 1 < tokens.length ? [i] : []));
    const first = colons[0];
    const step = consoleStep(tokens.slice(0, first === undefined ? tokens.length : first - 1).join(" "));
    colons.forEach((colon, k) => {
      const next = colons[k + 1];
      const name = tokens[colon - 1] as string;
      const value = consoleValue(tokens[colon + 1] as string);
      // Whatever stands between the value and the next key is the unit; "None" is DLLogger's "no unit".
      const unit = tokens.slice(colon + 2, next === undefined ? tokens.length : next - 1).join(" ");
      if (value === undefined) return;
      this.add(name, value, unit === "" || unit === "None" ? undefined : unit, step, at, line);
    });
    if (isFinalSummary(step) && colons.length > 0) this.out.complete = true;
  }

  private add(name: string, value: number | null, unit: string | undefined, step: Step | undefined, at: number | undefined, line: number): void {
    if (!this.out.wantsSamples) {
      this.out.addValue(name, value, unit, line);
      return;
    }
    const sample: Sample = { name, value, line };
    if (unit !== undefined) sample.unit = unit;
    if (step !== undefined) sample.step = step;
    if (at !== undefined) sample.at = at;
    this.out.add(sample);
  }
}

/** Epoch ms rounded to whole microseconds, the records' own precision (no 230.9229 for .230923 s). */
const toMicroseconds = (ms: number) => Math.round(ms * 1000) / 1000;

/** `timestamp` is epoch seconds as a string (exponent notation possible); `datetime` the fallback. */
function recordTime(record: { [key: string]: JsonValue }): number | undefined {
  const { timestamp, datetime } = record;
  if (typeof timestamp === "string" || typeof timestamp === "number") {
    const seconds = Number(timestamp);
    if (String(timestamp).trim() !== "" && Number.isFinite(seconds)) return toMicroseconds(seconds * 1000);
  }
  return typeof datetime === "string" ? parseDateTime(datetime) : undefined;
}

export const dlloggerParser: LogParser = {
  name: "dllogger",
  description: "NVIDIA DLLogger (DeepLearningExamples): DLLL JSON lines and DLL console lines",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => {
    parseOptions("dllogger", optionsSchema, options);
    return new DlloggerSession(session);
  },
};
