import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { latencyPercentiles, percentile, tukeyOutliers } from "../../src/stats/index.js";

describe("percentile", () => {
  it("interpolates linearly between closest ranks (NumPy's default, checked against numpy.percentile)", () => {
    const x = [35, 15, 50, 20, 40]; // unsorted on purpose
    expect(percentile(x, 0)).toBe(15);
    expect(percentile(x, 0.05)).toBeCloseTo(16, 12);
    expect(percentile(x, 0.3)).toBeCloseTo(23, 12);
    expect(percentile(x, 0.4)).toBeCloseTo(29, 12);
    expect(percentile(x, 0.5)).toBe(35);
    expect(percentile(x, 0.9)).toBeCloseTo(46, 12);
    expect(percentile(x, 1)).toBe(50);
    expect(x).toEqual([35, 15, 50, 20, 40]);
  });

  it("gives the single value of a one-element list at every p", () => {
    for (const p of [0, 0.37, 1]) expect(percentile([7.5], p)).toBe(7.5);
  });

  it("is monotone in p and stays within [min, max]", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        expect(percentile(xs, lo)).toBeLessThanOrEqual(percentile(xs, hi));
        expect(percentile(xs, lo)).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(percentile(xs, hi)).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });

  it("rejects empty input, non-finite values and p outside [0, 1]", () => {
    expect(() => percentile([], 0.5)).toThrow(/percentile: no values/);
    expect(() => percentile([1, Number.NaN], 0.5)).toThrow(/not a finite number/);
    expect(() => percentile([1, 2], 1.5)).toThrow(/p must be in \[0, 1\]/);
    expect(() => percentile([1, 2], -0.1)).toThrow(RangeError);
    expect(() => percentile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

describe("latencyPercentiles", () => {
  it("gives count, p50, p90, p95, p99 and max of 1..100", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    const l = latencyPercentiles(xs);
    expect(l.count).toBe(100);
    expect(l.p50).toBeCloseTo(50.5, 12);
    expect(l.p90).toBeCloseTo(90.1, 12);
    expect(l.p95).toBeCloseTo(95.05, 12);
    expect(l.p99).toBeCloseTo(99.01, 12);
    expect(l.max).toBe(100);
  });

  it("agrees with percentile()", () => {
    const xs = [3.2, 9.1, 4.4, 4.4, 12.8, 5.0, 6.1];
    const l = latencyPercentiles(xs);
    expect(l.p90).toBe(percentile(xs, 0.9));
    expect(l.p99).toBe(percentile(xs, 0.99));
  });

  it("rejects an empty list", () => {
    expect(() => latencyPercentiles([])).toThrow(/no values/);
  });
});

describe("tukeyOutliers", () => {
  it("flags values beyond 1.5 IQR of the quartiles, by index into the input", () => {
    // Sorted −50, 1, 2, 3, 4, 5, 100: Q1 = 1.5, Q3 = 4.5, IQR = 3, fences at −3 and 9.
    expect(tukeyOutliers([100, 1, 2, 3, 4, 5, -50])).toEqual([0, 6]);
    expect(tukeyOutliers([1, 2, 3, 4, 5, 7])).toEqual([]);
  });

  it("flags nothing when every value is the same, and nothing below 4 values", () => {
    expect(tukeyOutliers([5, 5, 5, 5, 5])).toEqual([]);
    expect(tukeyOutliers([1, 2, 1000])).toEqual([]);
    expect(tukeyOutliers([])).toEqual([]);
  });

  it("flags one far value among identical ones", () => {
    expect(tukeyOutliers([5, 5, 5, 5, 6])).toEqual([4]);
  });

  it("rejects non-finite values", () => {
    expect(() => tukeyOutliers([1, 2, 3, Infinity])).toThrow(/not a finite number/);
    expect(() => tukeyOutliers([1, Number.NaN])).toThrow(/not a finite number/);
  });
});
