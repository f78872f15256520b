/**
 * `triton-client`: the summary of DeepLearningExamples' BERT inference client (TensorFlow BERT, `triton/`
 * scripts and `run_squad.py` inference), the study's Table 2 workload (reference/workload-logs.md §2):
 *
 *     Latency Confidence Level 50 (ms) = 3.7466
 *     Latency Average (ms)  = 3.7712
 *     Throughput Average (sentences/sec) = 247.25
 *
 * Every `<name> = <number>` line is a sample named as printed (padding collapsed), with the unit taken
 * from the name's trailing parenthesis; the scenarios use these names as keys. Lines whose value is not
 * a number (`Precision = fp16`, `Total Inference Time = 12.3 for Sentences = 10833`) are ordinary
 * output. `complete` means the throughput line (the last of the summary) was seen.
 */
import { z } from "zod";
import { numberToken, parseOptions, printedName, SampleCollector } from "./common.js";
import type { LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const optionsSchema = z
  .strictObject({
    summaryPrefix: z
      .string()
      .min(1)
      .default("Throughput Average")
      .describe("A metric whose name starts with this marks the final summary (the client prints it last)"),
  })
  .describe("Options of the triton-client parser");

type Options = z.output<typeof optionsSchema>;

/**
 * Name, `=`, value: split on the first `=` so that irregular padding before it does not matter, the value
 * one token. By hand, not with a regular expression: `^\s*([^=]*[^=\s])\s*=` backtracks quadratically on
 * a long line of blanks, and a 1 MiB line of them (a log does not choose its output) took minutes.
 */
function splitLine(text: string): [name: string, value: string] | null {
  const eq = text.indexOf("=");
  if (eq < 0) return null;
  const name = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  return name === "" || value === "" || /\s/.test(value) ? null : [name, value];
}

class TritonClientSession implements ParserSession {
  private readonly out: SampleCollector;

  constructor(
    private readonly options: Options,
    session?: SessionOptions,
  ) {
    this.out = new SampleCollector(session);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    const split = splitLine(text);
    if (!split) return;
    const value = numberToken(split[1]);
    if (value === undefined) return;
    const { name, unit } = printedName(split[0]);
    const sample: Sample = { name, value, line: lineNumber };
    if (unit !== undefined) sample.unit = unit;
    if (at !== undefined) sample.at = at;
    this.out.add(sample);
    if (name.startsWith(this.options.summaryPrefix)) this.out.complete = true;
  }

  finish() {
    return this.out.result("triton-client");
  }
}

export const tritonClientParser: LogParser = {
  name: "triton-client",
  description:
    "DeepLearningExamples BERT inference client summary: `<name> = <value>` lines, named as printed " +
    "(e.g. `Throughput Average (sentences/sec)`, `Latency Average (ms)`), unit from the name's parenthesis. " +
    "The latency includes client-side queueing (several async requests in flight).",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => new TritonClientSession(parseOptions("triton-client", optionsSchema, options), session),
};
