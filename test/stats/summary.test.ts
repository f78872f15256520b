import { describe, expect, it } from "vitest";
import { T_975, summarize, tCritical95 } from "../../src/stats/index.js";

describe("summarize", () => {
  it("gives the sample statistics and a t-interval", () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.median).toBe(4.5);
    expect(s.min).toBe(2);
    expect(s.max).toBe(9);
    // Sample (n − 1) standard deviation: sqrt(32 / 7).
    expect(s.stddev).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.cv).toBeCloseTo(Math.sqrt(32 / 7) / 5, 12);
    const half = 2.3646 * (Math.sqrt(32 / 7) / Math.sqrt(8));
    expect(s.ci95?.[0]).toBeCloseTo(5 - half, 10);
    expect(s.ci95?.[1]).toBeCloseTo(5 + half, 10);
  });

  it("uses t for small n: three repetitions widen the interval by 4.30, not 1.96", () => {
    const s = summarize([10, 11, 12]);
    expect(s.stddev).toBeCloseTo(1, 12);
    expect(s.ci95).toEqual([11 - (4.3027 * 1) / Math.sqrt(3), 11 + (4.3027 * 1) / Math.sqrt(3)]);
  });

  it("has no interval and no spread for one value", () => {
    const s = summarize([42]);
    expect(s).toEqual({ n: 1, mean: 42, median: 42, stddev: 0, min: 42, max: 42, cv: 0 });
    expect(s.ci95).toBeUndefined();
  });

  it("gives a zero-width interval for identical values", () => {
    expect(summarize([21.6, 21.6, 21.6]).ci95).toEqual([21.6, 21.6]);
  });

  it("rejects empty input and non-finite values", () => {
    expect(() => summarize([])).toThrow(/no values/);
    expect(() => summarize([1, Number.NaN])).toThrow(/not a finite number/);
    expect(() => summarize([1, Infinity])).toThrow(/not a finite number/);
  });
});

describe("t table", () => {
  it("is sorted by degrees of freedom and decreasing towards 1.96", () => {
    for (let i = 1; i < T_975.length; i++) {
      expect(T_975[i]![0]).toBeGreaterThan(T_975[i - 1]![0]);
      expect(T_975[i]![1]).toBeLessThan(T_975[i - 1]![1]);
    }
    expect(T_975.at(-1)).toEqual([Infinity, 1.96]);
  });

  it("looks up exact rows and falls back to the smaller df between rows (wider interval)", () => {
    expect(tCritical95(1)).toBe(12.7062);
    expect(tCritical95(30)).toBe(2.0423);
    expect(tCritical95(35)).toBe(2.0423);
    expect(tCritical95(40)).toBe(2.0211);
    expect(tCritical95(10_000)).toBe(1.9799);
    expect(() => tCritical95(0)).toThrow(RangeError);
    expect(() => tCritical95(1.5)).toThrow(RangeError);
  });
});
