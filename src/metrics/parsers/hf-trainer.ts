/**
 * `hf-trainer`: Hugging Face `Trainer` output (reference/workload-logs.md §4), in the three forms a user
 * may have, from the same stream:
 *
 * - `train_results.json` / `all_results.json` (the file to prefer: raw numbers), pretty-printed one key per
 *   line or on one line; read entry by entry, so a file cut short keeps what it had and says so.
 * - The metrics dict the Trainer prints, a Python dict (single quotes, bare `nan`/`inf`), possibly right
 *   after a progress bar on the same line: `{'train_runtime': 116.19, 'train_samples_per_second': 6.885, ...}`.
 *   Per-step dicts (`{'loss': 2.5, 'learning_rate': 4e-05, 'epoch': 0.05}`) give samples at step = epoch.
 * - The `***** train metrics *****` table of `log_metrics`, where `*_runtime` reads `H:MM:SS.cc` and
 *   `total_flos` reads `<n>GF` (gibi-FLOs).
 *
 * Keys are metric names as the Trainer writes them. `complete` means the summary key (`train_runtime` by
 * default) was seen.
 */
import { z } from "zod";
import { numberToken, parseOptions, SampleCollector } from "./common.js";
import { parsePythonDict, PyLiteralError, type PyScalar } from "./python-literal.js";
import type { LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const optionsSchema = z
  .strictObject({
    summaryKey: z
      .string()
      .min(1)
      .default("train_runtime")
      .describe("The key whose presence marks the final summary (eval_runtime for evaluation-only runs)"),
  })
  .describe("Options of the hf-trainer parser");

type Options = z.output<typeof optionsSchema>;

/** Units by key, first match wins: the Trainer's names say what they count. */
const UNITS: readonly (readonly [RegExp, string])[] = [
  [/_runtime$/, "s"],
  [/_samples_per_second$/, "samples/s"],
  [/_steps_per_second$/, "steps/s"],
  [/_tokens_per_second$/, "tokens/s"],
  [/^total_flos$/, "FLOs"],
];

const unitOf = (key: string): string | undefined => UNITS.find(([re]) => re.test(key))?.[1];

const TABLE_HEADER = /^\*{5} (\w+) metrics \*{5}$/;
const TABLE_ENTRY = /^\s+(\w+)\s*=\s*(\S(?:.*\S)?)\s*$/;
/** `0:01:56.19`, `1 day, 2:03:04.56` (Python's timedelta). */
const DURATION = /^(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/;
/** `total_flos = 1234567GF`: the table shifts FLOs right by 30 bits. */
const GIGA_FLOS = /^(\d+(?:\.\d+)?)GF$/;
/** One entry of a pretty-printed JSON object: `    "train_runtime": 116.1914,`. */
const JSON_ENTRY = /^\s*"((?:[^"\\]|\\.)*)"\s*:\s*(.*?)\s*,?\s*$/;

/** A table or JSON value as a number: durations and GF as the table prints them, NaN/inf as null. */
function tableValue(key: string, raw: string): number | null | undefined {
  const duration = DURATION.exec(raw);
  if (duration) {
    const seconds = Number(duration[1] ?? 0) * 86400 + Number(duration[2]) * 3600 + Number(duration[3]) * 60 + Number(duration[4]);
    // Back to the printed precision: 0:02:21.83 is 141.83 s, not 141.82999999999998.
    return Math.round(seconds * 1e6) / 1e6;
  }
  const flos = key === "total_flos" ? GIGA_FLOS.exec(raw) : null;
  if (flos) return Number(flos[1]) * 2 ** 30;
  return numberToken(raw.replace(/^"(.*)"$/, "$1"));
}

/** A dict value as a sample value; strings holding numbers count (`'6.885'`), other strings do not. */
function dictValue(value: PyScalar | undefined): number | null | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") return numberToken(value);
  return undefined;
}

class HfTrainerSession implements ParserSession {
  private readonly out: SampleCollector;
  /** Inside a `***** x metrics *****` table. */
  private inTable = false;
  /** Inside a multi-line JSON object: the line that opened it, and how deep we are. */
  private jsonOpenedAt: number | undefined;
  private jsonDepth = 0;

  constructor(
    private readonly options: Options,
    session?: SessionOptions,
  ) {
    this.out = new SampleCollector(session);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    if (this.jsonOpenedAt !== undefined) return this.jsonLine(text, lineNumber, at);
    const trimmed = text.trim();
    if (trimmed === "{") {
      this.jsonOpenedAt = lineNumber;
      this.jsonDepth = 1;
      this.inTable = false;
      return;
    }
    if (TABLE_HEADER.test(trimmed)) {
      this.inTable = true;
      return;
    }
    if (this.inTable) {
      const entry = TABLE_ENTRY.exec(text);
      if (entry) {
        const key = entry[1] as string;
        this.add(key, tableValue(key, entry[2] as string), undefined, lineNumber, at);
        return;
      }
      this.inTable = false;
    }
    const start = dictStart(text);
    if (start >= 0) this.dict(text, start, lineNumber, at);
  }

  finish() {
    if (this.jsonOpenedAt !== undefined) {
      this.out.problem(this.out.lines, `the JSON object opened at line ${this.jsonOpenedAt} never closes (a truncated file?)`);
      this.out.complete = false;
    }
    return this.out.result("hf-trainer");
  }

  private jsonLine(text: string, lineNumber: number, at: number | undefined): void {
    const trimmed = text.trim();
    if (trimmed === "") return;
    if (/^}\s*,?$/.test(trimmed) || /^]\s*,?$/.test(trimmed)) {
      if (--this.jsonDepth === 0) this.jsonOpenedAt = undefined;
      return;
    }
    const entry = JSON_ENTRY.exec(text);
    if (!entry) {
      this.out.problem(lineNumber, `malformed JSON entry: ${JSON.stringify(trimmed.slice(0, 80))}`);
      return;
    }
    const raw = entry[2] as string;
    if (raw === "{" || raw === "[") {
      this.jsonDepth++;
      return;
    }
    if (/^[[{].*[}\]]$/.test(raw)) return; // a nested value on one line: no Trainer metric
    if (this.jsonDepth > 1) return; // nested objects hold no Trainer metrics
    const key = JSON.parse(`"${entry[1] as string}"`) as string;
    const value = tableValue(key, raw);
    if (value === undefined && !/^(?:"(?:[^"\\]|\\.)*"|true|false|null)$/.test(raw)) {
      this.out.problem(lineNumber, `malformed JSON value for "${key}": ${JSON.stringify(raw.slice(0, 80))} (a truncated line?)`);
      return;
    }
    this.add(key, value, undefined, lineNumber, at);
  }

  private dict(text: string, start: number, lineNumber: number, at: number | undefined): void {
    let entries: [string, PyScalar | undefined][];
    try {
      entries = parsePythonDict(text, start).entries;
    } catch (error) {
      const reason = error instanceof PyLiteralError ? `${error.reason} at column ${error.offset + 1}` : String(error);
      this.out.problem(lineNumber, `malformed metrics dict: ${reason}`);
      return;
    }
    const epoch = entries.find(([key]) => key === "epoch")?.[1];
    const step = typeof epoch === "number" && Number.isFinite(epoch) ? epoch : undefined;
    for (const [key, raw] of entries) this.add(key, dictValue(raw), step, lineNumber, at);
  }

  private add(name: string, value: number | null | undefined, step: number | undefined, line: number, at: number | undefined): void {
    if (value === undefined) return;
    const sample: Sample = { name, value, line };
    const unit = unitOf(name);
    if (unit !== undefined) sample.unit = unit;
    if (step !== undefined) sample.step = step;
    if (at !== undefined) sample.at = at;
    this.out.add(sample);
    if (name === this.options.summaryKey) this.out.complete = true;
  }
}

/** Where a metrics dict starts in a line (after a progress bar, a logger prefix), or -1. */
function dictStart(text: string): number {
  const single = text.indexOf("{'");
  if (single >= 0) return single;
  const trimmedStart = text.search(/\S/);
  // A one-line JSON object: `{"train_runtime": 116.19, ...}`.
  return trimmedStart >= 0 && text.startsWith('{"', trimmedStart) ? trimmedStart : -1;
}

export const hfTrainerParser: LogParser = {
  name: "hf-trainer",
  description:
    "Hugging Face Trainer: all_results.json / train_results.json (preferred: raw numbers), the printed metrics dict " +
    "(Python literal, nan/inf), and the `***** train metrics *****` table (runtime as H:MM:SS.cc). Caveat: " +
    "train_samples_per_second divides the planned sample count by a wall time that includes evaluation and " +
    "checkpointing, so it understates training throughput; prefer a time-based figure for comparisons.",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => new HfTrainerSession(parseOptions("hf-trainer", optionsSchema, options), session),
};
