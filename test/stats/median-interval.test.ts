import { describe, expect, it } from "vitest";
import { medianInterval, mulberry32, summarize } from "../../src/stats/index.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe("medianInterval", () => {
  it("uses the binomial ranks of the usual tables: n=6 → (1, 6), 10 → (2, 9), 20 → (6, 15), 100 → (40, 61)", () => {
    expect(medianInterval(range(6))).toEqual([1, 6]);
    expect(medianInterval(range(10))).toEqual([2, 9]);
    expect(medianInterval(range(20))).toEqual([6, 15]);
    expect(medianInterval(range(100))).toEqual([40, 61]);
  });

  it("sorts its input and leaves the caller's array alone", () => {
    const xs = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(medianInterval(xs)).toEqual([2, 9]);
    expect(xs[0]).toBe(9);
  });

  it("is undefined below six values at 95%: [min, max] of five covers only 93.75%", () => {
    for (const n of [1, 2, 3, 4, 5]) expect(medianInterval(range(n))).toBeUndefined();
    // At 90% five values suffice, at 99% eight are needed.
    expect(medianInterval(range(5), 0.9)).toEqual([1, 5]);
    expect(medianInterval(range(7), 0.99)).toBeUndefined();
    expect(medianInterval(range(8), 0.99)).toEqual([1, 8]);
  });

  it("works for large n without underflow (n = 5000 → ranks 2431 and 2570, from scipy.stats.binom)", () => {
    expect(medianInterval(range(5000))).toEqual([2431, 2570]);
  });

  it("covers the true median at least 95% of the time on a skewed distribution", () => {
    // Exponential(1): median ln 2. For n = 20 the exact coverage is 95.86%.
    const random = mulberry32(42);
    const trials = 2000;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 20 }, () => -Math.log(1 - random()));
      const [lo, hi] = medianInterval(xs)!;
      if (lo <= Math.LN2 && Math.LN2 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.94);
  });

  it("rejects bad input", () => {
    expect(() => medianInterval([])).toThrow(/no values/);
    expect(() => medianInterval([1, Infinity])).toThrow(/not a finite number/);
    expect(() => medianInterval(range(10), 1)).toThrow(/confidence/);
  });
});

describe("summarize with a median interval", () => {
  it("adds medianCi95 from six values on, and leaves it out below", () => {
    expect(summarize(range(10)).medianCi95).toEqual([2, 9]);
    expect(summarize(range(5)).medianCi95).toBeUndefined();
    expect("medianCi95" in summarize(range(5))).toBe(false);
  });
});
