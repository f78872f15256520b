/** The uncertainty of a speedup between two cases measured over repetitions. */
import { twoSampleBootstrapInterval, type BootstrapOptions } from "./bootstrap.js";

function average(xs: readonly number[]): number {
  let total = 0;
  for (const x of xs) total += x;
  return total / xs.length;
}

/**
 * A bootstrap interval (95% by default) of the speedup of `candidate` over `base`: the ratio of their
 * means, oriented like `speedup()` so that > 1 means the candidate is better in the metric's direction.
 * Each side is resampled on its own (the cases ran independently). Undefined when either side has fewer
 * than two values: one value shows nothing of its spread, and a resampled single value has none.
 */
export function speedupInterval(
  baseValues: readonly number[],
  candidateValues: readonly number[],
  better: "higher" | "lower",
  options: BootstrapOptions = {},
): readonly [number, number] | undefined {
  if (baseValues.length < 2 || candidateValues.length < 2) return undefined;
  const bad = [...baseValues, ...candidateValues].find((v) => !(v > 0 && Number.isFinite(v)));
  if (bad !== undefined) throw new RangeError(`speedupInterval needs positive finite values, got ${bad}`);
  const ratio = (base: readonly number[], candidate: readonly number[]): number => {
    const b = average(base);
    const c = average(candidate);
    return better === "higher" ? c / b : b / c;
  };
  return twoSampleBootstrapInterval(baseValues, candidateValues, ratio, options);
}
