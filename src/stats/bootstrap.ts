/**
 * Percentile bootstrap intervals, driven by a seeded generator: the same samples give the same interval
 * on every machine and every run, so a report or a CI verdict never flips on a re-render.
 */
import { requireFinite, requireOpenUnit } from "./finite.js";
import { percentileSorted } from "./percentile.js";

/** mulberry32: a small 32-bit generator, uniform in [0, 1). Plenty for resampling; not for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  /** Resamples drawn (default 2000). */
  readonly resamples?: number;
  /** Two-sided level (default 0.95). */
  readonly confidence?: number;
  /** Seed of the generator (default a fixed one: results are reproducible unless asked otherwise). */
  readonly seed?: number;
}

export const DEFAULT_BOOTSTRAP_SEED = 0x5eed;

type Statistic = (sample: readonly number[]) => number;
type TwoSampleStatistic = (a: readonly number[], b: readonly number[]) => number;

function resample(values: readonly number[], random: () => number, into: number[]): number[] {
  for (let i = 0; i < values.length; i++) into[i] = values[Math.floor(random() * values.length)]!;
  return into;
}

function settings(options: BootstrapOptions, fn: string): { resamples: number; confidence: number; random: () => number } {
  const { resamples = 2000, confidence = 0.95, seed = DEFAULT_BOOTSTRAP_SEED } = options;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`${fn}: resamples must be a positive integer, got ${resamples}`);
  requireOpenUnit(confidence, "confidence", fn);
  return { resamples, confidence, random: mulberry32(seed) };
}

/** The central `confidence` range of the statistic's bootstrap distribution. */
function percentileInterval(estimates: number[], confidence: number, fn: string): readonly [number, number] {
  const bad = estimates.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`${fn}: the statistic gave ${bad} on a resample`);
  estimates.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return [percentileSorted(estimates, tail), percentileSorted(estimates, 1 - tail)];
}

/** Percentile bootstrap interval of `statistic` over one sample. */
export function bootstrapInterval(samples: readonly number[], statistic: Statistic, options: BootstrapOptions = {}): readonly [number, number] {
  requireFinite(samples, "bootstrapInterval");
  const { resamples, confidence, random } = settings(options, "bootstrapInterval");
  const buffer = new Array<number>(samples.length);
  const estimates = Array.from({ length: resamples }, () => statistic(resample(samples, random, buffer)));
  return percentileInterval(estimates, confidence, "bootstrapInterval");
}

/**
 * Percentile bootstrap interval of a statistic comparing two independent samples (a ratio, a relative
 * change): each resample draws each side from itself, as the two runs were measured independently.
 */
export function twoSampleBootstrapInterval(
  a: readonly number[],
  b: readonly number[],
  statistic: TwoSampleStatistic,
  options: BootstrapOptions = {},
): readonly [number, number] {
  requireFinite(a, "twoSampleBootstrapInterval");
  requireFinite(b, "twoSampleBootstrapInterval");
  const { resamples, confidence, random } = settings(options, "twoSampleBootstrapInterval");
  const bufA = new Array<number>(a.length);
  const bufB = new Array<number>(b.length);
  const estimates = Array.from({ length: resamples }, () => statistic(resample(a, random, bufA), resample(b, random, bufB)));
  return percentileInterval(estimates, confidence, "twoSampleBootstrapInterval");
}
