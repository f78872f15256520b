import { describe, expect, it } from "vitest";
import { compareSamples, mulberry32, type Verdict } from "../../src/stats/index.js";

/** n normal deviates around mu with relative spread `cv` (Box–Muller on a seeded generator). */
function noisy(seed: number, n: number, mu: number, cv: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => mu * (1 + cv * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

describe("compareSamples", () => {
  it("calls a clear 20% rise in time SLOWER, with change +20% and an interval around it", () => {
    const r = compareSamples(noisy(1, 10, 100, 0.01), noisy(2, 10, 120, 0.01), { better: "lower" });
    expect(r.verdict).toBe("SLOWER");
    expect(r.change).toBeCloseTo(0.2, 1);
    expect(r.pValue).toBeLessThan(0.001);
    expect(r.exactTest).toBe(true);
    expect(r.changeInterval![0]).toBeGreaterThan(0.15);
    expect(r.changeInterval![1]).toBeLessThan(0.25);
    expect(r.reason).toMatch(/significant .* beyond the 5\.0% threshold/);
    expect([r.baseN, r.candidateN]).toEqual([10, 10]);
  });

  it("reads direction from `better`: more throughput is FASTER, less time is FASTER, less throughput SLOWER", () => {
    const base = noisy(3, 12, 100, 0.02);
    const higher = noisy(4, 12, 125, 0.02);
    const lower = noisy(5, 12, 80, 0.02);
    expect(compareSamples(base, higher, { better: "higher" }).verdict).toBe("FASTER");
    expect(compareSamples(base, lower, { better: "lower" }).verdict).toBe("FASTER");
    expect(compareSamples(base, lower, { better: "higher" }).verdict).toBe("SLOWER");
    expect(compareSamples(base, lower, { better: "higher" }).change).toBeLessThan(-0.15);
  });

  it("calls a real 1% difference with many samples SAME: significant, but below the threshold", () => {
    const r = compareSamples(noisy(6, 300, 100, 0.005), noisy(7, 300, 101, 0.005), { better: "lower" });
    expect(r.pValue).toBeLessThan(0.05);
    expect(r.verdict).toBe("SAME");
    expect(r.reason).toMatch(/significant .* but within the 5\.0% threshold/);
  });

  it("makes the same 1% difference SLOWER when the threshold is below it", () => {
    const r = compareSamples(noisy(6, 300, 100, 0.005), noisy(7, 300, 101, 0.005), { better: "lower", threshold: 0.005 });
    expect(r.verdict).toBe("SLOWER");
  });

  it("calls tight samples without a significant difference SAME when the interval rules out 5%", () => {
    const r = compareSamples(noisy(8, 30, 100, 0.01), noisy(9, 30, 100, 0.01), { better: "higher" });
    expect(r.pValue).toBeGreaterThanOrEqual(0.05);
    expect(r.verdict).toBe("SAME");
    expect(r.reason).toMatch(/not significant .* lies within ±5\.0%/);
  });

  it("calls heavy noise with a small real slowdown UNCERTAIN, not SLOWER", () => {
    const r = compareSamples(noisy(10, 8, 100, 0.3), noisy(11, 8, 104, 0.3), { better: "lower" });
    expect(r.verdict).toBe("UNCERTAIN");
    expect(r.reason).toMatch(/not significant .* more repetitions are needed/);
  });

  it("rarely raises a false alarm on heavy noise: SLOWER in under 10% of 100 noisy comparisons", () => {
    const verdicts: Verdict[] = [];
    for (let seed = 0; seed < 100; seed++) verdicts.push(compareSamples(noisy(100 + seed, 8, 100, 0.3), noisy(500 + seed, 8, 102, 0.3), { better: "lower" }).verdict);
    expect(verdicts.filter((v) => v === "SLOWER").length).toBeLessThan(10);
    expect(verdicts.filter((v) => v === "UNCERTAIN").length).toBeGreaterThan(80);
  });

  it("calls too few samples UNCERTAIN, even for a large difference, and says why", () => {
    const r = compareSamples([100, 101], [150, 151], { better: "lower" });
    expect(r.verdict).toBe("UNCERTAIN");
    expect(r.reason).toMatch(/too few samples \(2 and 2\).*smallest p is 0\.33/);
    expect(compareSamples([100], [150], { better: "lower" }).changeInterval).toBeUndefined();
  });

  it("calls identical samples SAME, whatever their size or order", () => {
    expect(compareSamples([3, 1, 2], [1, 2, 3], { better: "lower" })).toMatchObject({ verdict: "SAME", change: 0, reason: "the samples are identical" });
    expect(compareSamples([5], [5], { better: "higher" }).verdict).toBe("SAME");
  });

  it("is deterministic: the same samples give the same interval and verdict", () => {
    const a = noisy(12, 10, 100, 0.1);
    const b = noisy(13, 10, 107, 0.1);
    expect(compareSamples(a, b, { better: "lower" })).toEqual(compareSamples(a, b, { better: "lower" }));
  });

  it("cannot weigh a change against a base median of 0", () => {
    const r = compareSamples([0, 0, 0, 0, 0, 0, 1], [1, 1, 1, 1, 1, 1, 2], { better: "lower" });
    expect(r.change).toBeNull();
    expect(r.verdict).toBe("UNCERTAIN");
    expect(r.reason).toMatch(/base median is 0/);
  });

  it("rejects bad options and bad samples", () => {
    expect(() => compareSamples([1, 2], [1, 2], { better: "lower", threshold: -0.1 })).toThrow(/threshold/);
    expect(() => compareSamples([1, 2], [1, 2], { better: "lower", alpha: 0 })).toThrow(/alpha/);
    expect(() => compareSamples([], [1, 2], { better: "lower" })).toThrow(/base.*no values/);
    expect(() => compareSamples([1], [Number.NaN], { better: "lower" })).toThrow(/candidate.*not a finite number/);
  });
});
