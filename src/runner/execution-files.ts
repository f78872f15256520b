/**
 * The per-execution files besides the raw log: every parsed sample, streamed to
 * samples/repNN/<instance>.jsonl as the parser finds it (a long run's samples never pile up in memory),
 * and the parser's result without its samples — final values, problems, completeness — in
 * metrics/repNN/<instance>.json.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import type { ParseResult, Sample } from "../metrics/parsers/index.js";
import { writeJsonAtomic, type Execution, type RunDir } from "../results/index.js";

export class ExecutionFiles {
  private readonly samples: WriteStream;
  private error: Error | null = null;
  readonly samplesFile: string;
  readonly metricsFile: string;

  constructor(
    private readonly run: RunDir,
    repetition: number,
    instanceId: string,
  ) {
    this.samplesFile = run.executionPath("samples", repetition, instanceId);
    this.metricsFile = run.executionPath("metrics", repetition, instanceId);
    this.samples = createWriteStream(this.samplesFile, { encoding: "utf8" });
    this.samples.on("error", (error) => {
      this.error ??= error;
    });
  }

  /** One sample as one JSON line. */
  sample(sample: Sample): void {
    if (!this.error) this.samples.write(`${JSON.stringify(sample)}\n`);
  }

  /** Closes the samples file, writes the result file; returns the manifest's `parse` record. */
  async finish(parsed: ParseResult): Promise<Execution["parse"]> {
    await new Promise<void>((resolve) => {
      if (this.samples.closed) return resolve();
      this.samples.once("close", () => resolve());
      this.samples.end();
    });
    const { samples: _samples, ...result } = parsed;
    await writeJsonAtomic(this.metricsFile, result);
    const relative = (file: string): string => path.relative(this.run.dir, file).split(path.sep).join("/");
    return {
      complete: parsed.complete,
      problems: parsed.problems.length,
      parser: parsed.parser,
      lines: parsed.lines,
      sampleCount: parsed.sampleCount,
      ...(this.error ? {} : { samples: relative(this.samplesFile) }),
      result: relative(this.metricsFile),
    };
  }
}
