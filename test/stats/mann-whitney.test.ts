import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { erfc, mannWhitneyU, mulberry32, smallestPValue, twoSidedNormalP } from "../../src/stats/index.js";

describe("erfc", () => {
  it("matches reference values to its 1.2e-7 relative accuracy, tail included (scipy.special.erfc)", () => {
    const reference: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028516],
      [2, 0.004677734981047266],
      [3, 2.2090496998585445e-5],
      [5, 1.5374597944280347e-12],
    ];
    for (const [x, y] of reference) {
      expect(Math.abs(erfc(x) - y) / y).toBeLessThan(2e-7);
      expect(erfc(-x)).toBeCloseTo(2 - y, 6);
    }
  });

  it("gives the familiar two-sided normal p: 0.05 at z = 1.96", () => {
    expect(twoSidedNormalP(1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedNormalP(-1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedNormalP(0)).toBe(1);
  });
});

describe("mannWhitneyU, exact distribution", () => {
  it("interleaved 1,3,5 against 2,4,6: U = 3, p = 2 · 7/20 = 0.7 (U of 3 and 3 counts 1,1,2,3,3,3,3,2,1,1)", () => {
    const r = mannWhitneyU([1, 3, 5], [2, 4, 6]);
    expect(r.exact).toBe(true);
    expect(r.u).toBe(3);
    expect(r.pValue).toBeCloseTo(0.7, 12);
  });

  it("completely separated samples of five: U = 0, p = 2 / C(10, 5) = 2/252", () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.u).toBe(0);
    expect(r.pValue).toBeCloseTo(2 / 252, 15);
    expect(r.z).toBeLessThan(0);
    expect(mannWhitneyU([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])).toMatchObject({ u: 25, pValue: 2 / 252 });
  });

  it("ten against ten: U = 32, p = 0.19031587607439004 (scipy.stats.mannwhitneyu, method='exact')", () => {
    const a = [0.5, 0.9, 1.4, 2.2, 3.1, 3.3, 4.8, 5.0, 5.5, 6.1];
    const b = [1.0, 2.5, 2.7, 3.9, 4.1, 4.4, 6.6, 7.0, 7.3, 8.2];
    const r = mannWhitneyU(a, b);
    expect(r).toMatchObject({ u: 32, exact: true });
    expect(r.pValue).toBeCloseTo(0.19031587607439004, 12);
  });
});

describe("mannWhitneyU, normal approximation", () => {
  it("with ties: 1,2,2,3,4 against 2,3,3,4,5,6", () => {
    // Midranks 1, 3, 3, 6, 8.5 for the first sample: R = 21.5, U = 21.5 − 15 = 6.5. Ties (3, 3, 2):
    // Σ(t³ − t) = 54; σ² = 30/12 · (12 − 54/110) = 28.7727; z = (6.5 − 15 + 0.5) / σ = −1.4914.
    const r = mannWhitneyU([1, 2, 2, 3, 4], [2, 3, 3, 4, 5, 6]);
    expect(r.exact).toBe(false);
    expect(r.u).toBe(6.5);
    expect(r.z).toBeCloseTo(-8 / Math.sqrt(2.5 * (12 - 54 / 110)), 10);
    expect(r.pValue).toBeCloseTo(0.135851702216604, 6); // scipy, asymptotic with continuity correction
  });

  it("beyond ten values a side: U = 42, p = 0.0534898 (scipy, asymptotic)", () => {
    const a = [1.1, 2.3, 3.5, 4.2, 5.9, 6.4, 7.7, 8.1, 9.3, 10.6, 11.2, 12.8];
    const b = [3.3, 5.1, 6.6, 7.2, 8.8, 9.9, 10.1, 11.9, 12.2, 13.4, 14.5, 15.7, 16.3];
    const r = mannWhitneyU(a, b);
    expect(r).toMatchObject({ u: 42, exact: false });
    expect(r.pValue).toBeCloseTo(0.05348979986738018, 6);
  });

  it("gives p = 1 and z = 0 when every value ties", () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1])).toEqual({ u: 4.5, z: 0, pValue: 1, exact: false });
  });
});

describe("mannWhitneyU, properties", () => {
  const sample = fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 14 });

  it("is symmetric: swapping the samples mirrors U and z and keeps p", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = mannWhitneyU(a, b);
        const ba = mannWhitneyU(b, a);
        expect(ab.u + ba.u).toBe(a.length * b.length);
        expect(ab.z).toBeCloseTo(-ba.z, 12);
        expect(ab.pValue).toBeCloseTo(ba.pValue, 12);
        expect(ab.pValue).toBeGreaterThan(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("counts U as pairs won (ties half), whatever the order of the values", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        let pairs = 0;
        for (const x of a) for (const y of b) pairs += x > y ? 1 : x === y ? 0.5 : 0;
        expect(mannWhitneyU(a, b).u).toBe(pairs);
      }),
    );
  });

  it("rejects at the 5% level about 5% of the time when there is no difference", () => {
    const random = mulberry32(2024);
    const trials = 1000;
    let rejected = 0;
    for (let t = 0; t < trials; t++) {
      const a = Array.from({ length: 15 }, () => random());
      const b = Array.from({ length: 15 }, () => random());
      if (mannWhitneyU(a, b).pValue < 0.05) rejected++;
    }
    expect(rejected / trials).toBeGreaterThan(0.025);
    expect(rejected / trials).toBeLessThan(0.075);
  });

  it("rejects empty samples and non-finite values", () => {
    expect(() => mannWhitneyU([], [1])).toThrow(/first sample.*no values/);
    expect(() => mannWhitneyU([1], [Number.NaN])).toThrow(/second sample.*not a finite number/);
  });
});

describe("smallestPValue", () => {
  it("is 2 / C(m + n, m) in the exact range and the extreme z beyond it", () => {
    expect(smallestPValue(3, 3)).toBeCloseTo(0.1, 15);
    expect(smallestPValue(5, 5)).toBeCloseTo(2 / 252, 15);
    expect(smallestPValue(2, 2)).toBeCloseTo(1 / 3, 15);
    // One value against fifty can never be significant at 5% under the normal approximation.
    expect(smallestPValue(1, 50)).toBeCloseTo(0.09602308626391638, 6);
  });

  it("is what mannWhitneyU gives for separated samples", () => {
    for (const [m, n] of [[3, 4], [10, 10], [12, 12], [1, 50]] as const) {
      const a = Array.from({ length: m }, (_, i) => i);
      const b = Array.from({ length: n }, (_, i) => 1000 + i);
      expect(mannWhitneyU(a, b).pValue).toBeCloseTo(smallestPValue(m, n), 12);
    }
  });
});
