/**
 * What every parser session does alike: keep samples, the last value of each metric, problems, and the
 * line count; validate options. Parsers only decide what a line means.
 */
import { z } from "zod";
import type { FinalValue, ParseProblem, ParseResult, Sample, SessionOptions } from "./types.js";

/**
 * A log full of garbage must not grow memory without bound through its problems: past this many, only a
 * count is kept.
 */
export const MAX_PROBLEMS = 200;

/**
 * Nor through the names it gives: a log that prints a new metric name on every line (`{"k1": 1}`,
 * `{"k2": 1}`, ...) would grow the final values, in memory and in metrics/*.json, with every line (45 MB
 * of heap per 200,000 names). Past this many names, new ones are still sampled but get no final value.
 */
export const MAX_METRIC_NAMES = 10_000;

export class SampleCollector {
  private readonly samples: Sample[] = [];
  // A Map, not an object: metric names come from logs and may be "__proto__" or "constructor". Each
  // metric's entry is updated in place with the number of the sample that last set it (`seq`), so that a
  // sample costs no allocation here; `result` orders the metrics by it.
  private readonly last = new Map<string, { value: number | null; unit: string | undefined; line: number; seq: number }>();
  private readonly problems: ParseProblem[] = [];
  private droppedProblems = 0;
  /** Samples of names beyond MAX_METRIC_NAMES, and the line of the first. */
  private readonly unnamed = { samples: 0, line: 0 };
  private readonly onSample: ((sample: Sample) => void) | undefined;
  private readonly keep: boolean;
  private count = 0;
  lines = 0;
  complete = false;

  constructor(options: SessionOptions = {}) {
    this.onSample = options.onSample;
    this.keep = options.keepSamples ?? true;
  }

  /** Samples added so far (kept or streamed). */
  get sampleCount(): number {
    return this.count;
  }

  /** False when nobody keeps or receives samples: a parser may then call `addValue` and build none. */
  get wantsSamples(): boolean {
    return this.keep || this.onSample !== undefined;
  }

  add(sample: Sample): void {
    if (this.keep) this.samples.push(sample);
    this.onSample?.(sample);
    this.addValue(sample.name, sample.value, sample.unit, sample.line);
  }

  /** A sample's effect on the counts and final values, without the sample. */
  addValue(name: string, value: number | null, unit: string | undefined, line: number): void {
    this.count++;
    const last = this.last.get(name);
    if (last === undefined) {
      if (this.last.size >= MAX_METRIC_NAMES) {
        if (this.unnamed.samples++ === 0) this.unnamed.line = line;
        return;
      }
      this.last.set(name, { value, unit, line, seq: this.count });
    } else {
      last.value = value;
      last.unit = unit;
      last.line = line;
      last.seq = this.count;
    }
  }

  /** The last value of each metric, in the order of their last appearance. */
  private finals(): Map<string, FinalValue> {
    const entries = [...this.last].sort((a, b) => a[1].seq - b[1].seq);
    return new Map(entries.map(([name, { value, unit, line }]) => [name, unit === undefined ? { value, line } : { value, line, unit }]));
  }

  problem(line: number, message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line, message });
    else this.droppedProblems++;
  }

  /** Fills units learned late (a unit declared after the first values) into samples and finals. */
  applyUnits(unitOf: (name: string) => string | undefined): void {
    for (const sample of this.samples) {
      if (sample.unit === undefined) {
        const unit = unitOf(sample.name);
        if (unit !== undefined) sample.unit = unit;
      }
    }
    for (const [name, final] of this.last) {
      if (final.unit === undefined) {
        const unit = unitOf(name);
        if (unit !== undefined) final.unit = unit;
      }
    }
  }

  /**
   * The result. `final` replaces the default "last value of each metric" where a parser picks its figures
   * otherwise (perf_analyzer: the values of one concurrency level).
   */
  result(parser: string, final?: ReadonlyMap<string, FinalValue>): ParseResult {
    const problems = [...this.problems];
    if (this.unnamed.samples > 0) {
      problems.push({ line: this.unnamed.line, message: `more than ${MAX_METRIC_NAMES} metric names: ${this.unnamed.samples} samples of later names have no final value` });
    }
    if (this.droppedProblems > 0) {
      const last = problems[problems.length - 1]?.line ?? 0;
      problems.push({ line: last, message: `${this.droppedProblems} more problems not listed` });
    }
    return {
      parser,
      samples: [...this.samples],
      sampleCount: this.count,
      final: Object.fromEntries([...(final ?? this.finals())].map(([name, value]) => [name, { ...value }])),
      problems,
      complete: this.complete,
      lines: this.lines,
    };
  }
}

/** A FinalValue from a sample. */
export function finalOf(sample: Sample): FinalValue {
  const final: FinalValue = { value: sample.value, line: sample.line };
  if (sample.unit !== undefined) final.unit = sample.unit;
  return final;
}

/** A metric value as a sample holds it: finite numbers as they are, NaN and ±Infinity as null. */
export function sampleValue(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A float as Python, C printf or JSON print it (`5.123`, `2.9e-05`, `1e+20`, `-.5`). */
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Non-finite floats as Python (`nan`, `inf`), JSON writers (`NaN`, `Infinity`) or C (`-nan`) print them. */
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * A printed value as a sample value: a number; null for NaN/inf (a value the log gave, but no finite
 * number); undefined for text that is no number at all (a path, `True`, `VALID`). Quotes around a number
 * (`'6.885'`) and thousands separators are not numbers here: callers strip quotes first where a format has them.
 */
export function numberToken(token: string): number | null | undefined {
  const t = token.trim();
  if (FLOAT.test(t)) return sampleValue(Number(t));
  if (NON_FINITE.test(t)) return null;
  return undefined;
}

/**
 * `Latency Average (ms)` → unit `ms`: the unit a printed name carries in a trailing parenthesis or bracket.
 * Names stay as printed (a scenario's `key` is what the user sees in the log); whitespace runs collapse
 * to one space so that irregular padding does not make two names.
 */
export function printedName(raw: string): { name: string; unit?: string } {
  const name = raw.trim().replace(/\s+/g, " ");
  const unit = /[([]([^()[\]]+)[)\]]$/.exec(name)?.[1]?.trim();
  return unit ? { name, unit } : { name };
}

/** `Server Compute Infer` → `server_compute_infer`: a name for columns and fields that have no canonical one. */
export const slug = (text: string): string =>
  text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");

/** Validates parser options against the parser's schema; the error names the parser and the option. */
export function parseOptions<T extends z.ZodType>(parser: string, schema: T, options: unknown): z.output<T> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new Error(`invalid options for parser ${parser}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
