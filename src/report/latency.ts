/**
 * Latency distributions from the raw samples a run kept (`samples/repNN/<instance>.jsonl`), per instance
 * over its measured repetitions. At most `MAX_VALUES` values per instance are kept (a uniform reservoir
 * sample; count and max stay exact), so a long run's millions of request latencies cost bounded memory.
 * Each file is read whole (readRunDataText), or streamed when too large for that, in execution order: the
 * order the seeded reservoir's choice depends on.
 *
 * Which samples: the latency metric's key names a summary (`latency_ms_avg`, `latency_p50`); the samples
 * of the same name without that suffix (`latency_ms`) are the per-request (or per-interval) values. A key
 * with no such suffix names the samples itself. Fewer than two values give no distribution.
 */
import path from "node:path";
import { createInterface } from "node:readline";
import { openRunDataFile, readRunDataText, type Execution, type RunManifest } from "../results/index.js";
import { DEFAULT_BOOTSTRAP_SEED, latencyPercentiles, mulberry32 } from "../stats/index.js";
import type { LatencyDistribution } from "./model.js";

/** Values kept per instance for the percentiles. */
export const MAX_VALUES = 100_000;
/** Points of the sorted distribution kept for the chart. */
export const SAMPLE_POINTS = 200;

const SUMMARY_SUFFIX = /_(?:avg|mean|median|min|max|p\d{1,2}(?:\.\d+)?)$/i;

/** The sample name holding per-request latencies, for a latency metric key. */
export const latencySampleName = (key: string): string => key.replace(SUMMARY_SUFFIX, "");

/** Algorithm R: every value seen has the same chance to be kept. */
class Reservoir {
  readonly values: number[] = [];
  count = 0;
  max = -Infinity;
  private readonly random = mulberry32(DEFAULT_BOOTSTRAP_SEED);
  constructor(private readonly capacity: number) {}

  add(value: number): void {
    this.count++;
    if (value > this.max) this.max = value;
    if (this.values.length < this.capacity) this.values.push(value);
    else {
      const slot = Math.floor(this.random() * this.count);
      if (slot < this.capacity) this.values[slot] = value;
    }
  }
}

export interface LatencyResult {
  readonly distributions: LatencyDistribution[];
  readonly warnings: string[];
}

function sampleValue(line: string, name: string): number | null {
  if (!line.includes(name)) return null;
  try {
    const sample: unknown = JSON.parse(line);
    if (typeof sample !== "object" || sample === null) return null;
    const { name: n, value } = sample as { name?: unknown; value?: unknown };
    return n === name && typeof value === "number" && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** A file too large to read whole, line by line. */
async function streamSamples(file: string, name: string, into: Reservoir): Promise<void> {
  const lines = createInterface({ input: await openRunDataFile(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const value = sampleValue(line, name);
    if (value !== null) into.add(value);
  }
}

/** The same line breaks as readline's: \r\n, \n, or a lone \r. */
const LINE_BREAK = /\r\n|\n|\r/;

function addText(text: string, name: string, into: Reservoir): void {
  for (const line of text.split(LINE_BREAK)) {
    const value = sampleValue(line, name);
    if (value !== null) into.add(value);
  }
}

const evenlySpaced = (sorted: readonly number[], points: number): number[] =>
  sorted.length <= points ? [...sorted] : Array.from({ length: points }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (points - 1))] as number);

type SampledExecution = Execution & { parse: { samples: string } };

export async function readLatency(runDir: string, manifest: RunManifest, capacity = MAX_VALUES): Promise<LatencyResult> {
  const warnings: string[] = [];
  const distributions: LatencyDistribution[] = [];
  const measured = manifest.executions.filter((e): e is SampledExecution => !e.warmup && e.status === "ok" && e.parse.samples !== undefined && e.metrics.latency !== undefined);
  const instances = [...manifest.plan.instances]
    .sort((a, b) => a.column - b.column)
    .map((instance) => ({ instanceId: instance.id, executions: measured.filter((e) => e.instanceId === instance.id) }))
    .filter((i) => i.executions.length > 0);
  for (const { instanceId, executions } of instances) {
    const reservoir = new Reservoir(capacity);
    for (const e of executions) {
      const file = path.join(runDir, ...e.parse.samples.split("/"));
      const name = latencySampleName(e.metrics.latency?.key ?? "");
      try {
        const text = readRunDataText(file);
        if (text === null) await streamSamples(file, name, reservoir);
        else addText(text, name, reservoir);
      } catch (error) {
        warnings.push(`Latency samples of ${instanceId} (${e.parse.samples}) could not be read: ${(error as Error).message}`);
      }
    }
    if (reservoir.count < 2) continue;
    const sorted = [...reservoir.values].sort((a, b) => a - b);
    const p = latencyPercentiles(sorted);
    if (reservoir.count > capacity) warnings.push(`Latency of ${instanceId}: ${reservoir.count} samples; percentiles from a uniform subset of ${capacity}.`);
    distributions.push({ instanceId, count: reservoir.count, p50: p.p50, p90: p.p90, p95: p.p95, p99: p.p99, max: reservoir.max, sample: evenlySpaced(sorted, SAMPLE_POINTS) });
  }
  return { distributions, warnings };
}
