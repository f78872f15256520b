/**
 * `jsonl`: one JSON object per line, the format of the built-in workloads and of many users' own scripts.
 * Every numeric field becomes a sample (nested objects flattened with dots: `{"loss":{"train":1}}` gives
 * `loss.train`); arrays, strings and booleans are not metrics and are skipped. Lines that are not JSON are
 * the workload's ordinary output and are ignored; a line that starts like an object but does not parse is a
 * problem (a truncated write, a crash mid-line).
 */
import { z } from "zod";
import { parseOptions, sampleValue, SampleCollector } from "./common.js";
import { describeJsonError, isJsonObject, parseLenientJson, type JsonValue } from "./lenient-json.js";
import type { LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const optionsSchema = z
  .strictObject({
    summaryEvent: z.string().min(1).default("summary").describe("Value of the event field that marks the final summary"),
    eventKey: z.string().min(1).default("event").describe("Field naming the record type"),
    stepKey: z.string().min(1).default("step").describe("Field holding the step (iteration) of a record"),
    ignore: z.array(z.string()).default([]).describe("Fields (dotted names) that are not metrics, e.g. pid"),
  })
  .describe("Options of the jsonl parser");

type Options = z.output<typeof optionsSchema>;

/** A step as a sample holds it: numbers, strings and lists of numbers; anything else is no step. */
function toStep(value: JsonValue | undefined): Sample["step"] {
  if (typeof value === "number" || typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return value as number[];
  return undefined;
}

class JsonlSession implements ParserSession {
  private readonly out: SampleCollector;
  private readonly ignored: ReadonlySet<string>;

  constructor(
    private readonly options: Options,
    session?: SessionOptions,
  ) {
    this.out = new SampleCollector(session);
    this.ignored = new Set(options.ignore);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    const start = text.search(/\S/);
    if (start < 0 || text[start] !== "{") return;
    let record: JsonValue;
    try {
      record = parseLenientJson(text.slice(start));
    } catch (error) {
      this.out.problem(lineNumber, `malformed JSON: ${describeJsonError(error, start)}`);
      return;
    }
    if (!isJsonObject(record)) return;
    const { eventKey, stepKey, summaryEvent } = this.options;
    const step = toStep(record[stepKey]);
    const visit = (object: { [key: string]: JsonValue }, prefix: string) => {
      for (const [key, value] of Object.entries(object)) {
        const name = prefix + key;
        if (this.ignored.has(name) || (prefix === "" && (key === stepKey || key === eventKey))) continue;
        if (typeof value === "number") {
          const sample: Sample = { name, value: sampleValue(value), line: lineNumber };
          if (step !== undefined) sample.step = step;
          if (at !== undefined) sample.at = at;
          this.out.add(sample);
        } else if (isJsonObject(value)) {
          visit(value, `${name}.`);
        }
      }
    };
    visit(record, "");
    if (record[eventKey] === summaryEvent) this.out.complete = true;
  }

  finish() {
    return this.out.result("jsonl");
  }
}

export const jsonlParser: LogParser = {
  name: "jsonl",
  description: "One JSON object per line; every numeric field is a metric, a summary event marks the end",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => new JsonlSession(parseOptions("jsonl", optionsSchema, options), session),
};
