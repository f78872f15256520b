/** Input checks shared by the statistics: an empty list or a NaN/Infinity is a bug upstream, never data. */

/** Throws a RangeError naming `fn` unless `values` is non-empty and every value is finite. */
export function requireFinite(values: readonly number[], fn: string): void {
  if (values.length === 0) throw new RangeError(`${fn}: no values`);
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`${fn}: not a finite number: ${bad}`);
}

/** A probability-like parameter strictly inside (0, 1): a confidence level, a significance level. */
export function requireOpenUnit(x: number, name: string, fn: string): void {
  if (!(x > 0 && x < 1)) throw new RangeError(`${fn}: ${name} must be between 0 and 1 (exclusive), got ${x}`);
}

/** Ascending copy; the caller's array is left as it was. */
export const sortedCopy = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
