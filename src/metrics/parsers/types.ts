/**
 * What a log parser is: a factory of sessions that are fed a log line by line (live, as the runtime
 * streams it, or from a file afterwards) and finally say which metrics they found.
 */
import type { z } from "zod";

/** One value of one metric at one point of a log. */
export interface Sample {
  name: string;
  /** null: the log gave a value that is not a finite number (NaN, Infinity), which JSON cannot hold. */
  value: number | null;
  unit?: string;
  /** Where in the run: an iteration, `[epoch, iteration]`, `[]` for a final summary, "PARAMETER", ... */
  step?: string | number | readonly number[];
  /** Epoch ms: the record's own timestamp when it has one, else when the line was received. */
  at?: number;
  /** Line of the log it came from (1-based). */
  line: number;
}

export interface ParseProblem {
  line: number;
  message: string;
}

export interface FinalValue {
  value: number | null;
  unit?: string;
  line: number;
}

export interface ParseResult {
  parser: string;
  /** Every sample, in log order; empty when they were streamed to a sink instead (see `SessionOptions`). */
  samples: Sample[];
  /** How many samples the log gave (kept or streamed). */
  sampleCount: number;
  /** The last value seen of each metric, by name: where a scenario's metric roles are looked up. */
  final: Record<string, FinalValue>;
  problems: ParseProblem[];
  /** The workload's final summary was seen; false means the run ended (or the log was cut) before it. */
  complete: boolean;
  /** Lines read. */
  lines: number;
}

export interface ParserSession {
  /** Feeds one line (without its line end). `at`: epoch ms when it was received, if known. */
  push(text: string, lineNumber: number, at?: number): void;
  finish(): ParseResult;
}

/**
 * How a session hands out its samples. A log can be gigabytes with a sample per line: a caller that writes
 * samples to a file (the runner) streams them through `onSample` and keeps none, so memory stays flat.
 */
export interface SessionOptions {
  /** Called with every sample as soon as it is parsed. */
  onSample?: (sample: Sample) => void;
  /** Also keep every sample for `finish().samples` (default true; false with `onSample` keeps memory flat). */
  keepSamples?: boolean;
}

export interface LogParser {
  name: string;
  /** One paragraph for `bench parse --list` and the docs: what it reads, how it names metrics, caveats. */
  description: string;
  /** Validates the `options` a scenario gives (`parser: { name, options }`). */
  optionsSchema: z.ZodType;
  /** Throws an Error naming the bad option when `options` do not fit `optionsSchema`. */
  create(options?: unknown, session?: SessionOptions): ParserSession;
}
