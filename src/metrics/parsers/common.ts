/**
 * What every parser session does alike: keep samples, the last value of each metric, problems, and the
 * line count; validate options. Parsers only decide what a line means.
 */
import { z } from "zod";
import type { FinalValue, ParseProblem, ParseResult, Sample } from "./types.js";

/**
 * A log full of garbage must not grow memory without bound through its problems: past this many, only a
 * count is kept.
 */
export const MAX_PROBLEMS = 200;

export class SampleCollector {
  private readonly samples: Sample[] = [];
  // A Map, not an object: metric names come from logs and may be "__proto__" or "constructor".
  private readonly final = new Map<string, FinalValue>();
  private readonly problems: ParseProblem[] = [];
  private droppedProblems = 0;
  lines = 0;
  complete = false;

  add(sample: Sample): void {
    this.samples.push(sample);
    const final: FinalValue = { value: sample.value, line: sample.line };
    if (sample.unit !== undefined) final.unit = sample.unit;
    // Re-insert so that the final table lists metrics in the order of their last appearance.
    this.final.delete(sample.name);
    this.final.set(sample.name, final);
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
    for (const [name, final] of this.final) {
      if (final.unit === undefined) {
        const unit = unitOf(name);
        if (unit !== undefined) final.unit = unit;
      }
    }
  }

  result(parser: string): ParseResult {
    const problems = [...this.problems];
    if (this.droppedProblems > 0) {
      const last = problems[problems.length - 1]?.line ?? 0;
      problems.push({ line: last, message: `${this.droppedProblems} more problems not listed` });
    }
    return {
      parser,
      samples: [...this.samples],
      final: Object.fromEntries([...this.final].map(([name, value]) => [name, { ...value }])),
      problems,
      complete: this.complete,
      lines: this.lines,
    };
  }
}

/** A metric value as a sample holds it: finite numbers as they are, NaN and ±Infinity as null. */
export function sampleValue(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Validates parser options against the parser's schema; the error names the parser and the option. */
export function parseOptions<T extends z.ZodType>(parser: string, schema: T, options: unknown): z.output<T> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new Error(`invalid options for parser ${parser}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
