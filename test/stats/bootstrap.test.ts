import { describe, expect, it } from "vitest";
import { bootstrapInterval, mulberry32, speedup, speedupInterval, twoSampleBootstrapInterval } from "../../src/stats/index.js";

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Normal deviates from a seeded uniform source (Box–Muller). */
function normals(seed: number, n: number, mu: number, sigma: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => mu + sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

describe("mulberry32", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it("stays in [0, 1) and is roughly uniform", () => {
    const random = mulberry32(1);
    const xs = Array.from({ length: 20_000 }, () => random());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mean(xs)).toBeCloseTo(0.5, 1);
    expect(xs.filter((x) => x < 0.1).length / xs.length).toBeCloseTo(0.1, 1);
  });
});

describe("bootstrapInterval", () => {
  const xs = normals(3, 50, 100, 10);

  it("gives the same interval for the same seed, another for another seed", () => {
    const a = bootstrapInterval(xs, mean, { seed: 11 });
    expect(bootstrapInterval(xs, mean, { seed: 11 })).toEqual(a);
    expect(bootstrapInterval(xs, mean, { seed: 12 })).not.toEqual(a);
    // Without a seed it is still reproducible (a fixed default seed).
    expect(bootstrapInterval(xs, mean)).toEqual(bootstrapInterval(xs, mean));
  });

  it("brackets the sample mean with about the width of the normal theory interval", () => {
    const [lo, hi] = bootstrapInterval(xs, mean);
    const m = mean(xs);
    expect(lo).toBeLessThan(m);
    expect(hi).toBeGreaterThan(m);
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
    const normalWidth = 2 * 1.96 * (sd / Math.sqrt(xs.length));
    expect((hi - lo) / normalWidth).toBeGreaterThan(0.8);
    expect((hi - lo) / normalWidth).toBeLessThan(1.2);
  });

  it("narrows with a lower confidence and with more data", () => {
    const [lo95, hi95] = bootstrapInterval(xs, mean);
    const [lo80, hi80] = bootstrapInterval(xs, mean, { confidence: 0.8 });
    expect(hi80 - lo80).toBeLessThan(hi95 - lo95);
    const [loBig, hiBig] = bootstrapInterval(normals(3, 800, 100, 10), mean);
    expect(hiBig - loBig).toBeLessThan((hi95 - lo95) / 2);
  });

  it("gives a zero-width interval for constant data", () => {
    expect(bootstrapInterval([4, 4, 4, 4], mean)).toEqual([4, 4]);
  });

  it("rejects bad options and a statistic that is not finite", () => {
    expect(() => bootstrapInterval([], mean)).toThrow(/no values/);
    expect(() => bootstrapInterval(xs, mean, { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapInterval(xs, mean, { confidence: 95 })).toThrow(/confidence/);
    expect(() => bootstrapInterval([0, 0, 0], (s) => 1 / mean(s))).toThrow(/statistic gave Infinity/);
  });
});

describe("twoSampleBootstrapInterval", () => {
  it("brackets a known difference of means", () => {
    const a = normals(5, 60, 50, 2);
    const b = normals(6, 60, 55, 2);
    const [lo, hi] = twoSampleBootstrapInterval(a, b, (x, y) => mean(y) - mean(x));
    expect(lo).toBeGreaterThan(3.5);
    expect(hi).toBeLessThan(6.5);
    expect(lo).toBeLessThan(mean(b) - mean(a));
    expect(hi).toBeGreaterThan(mean(b) - mean(a));
  });
});

describe("speedupInterval", () => {
  const base = [100, 102, 98, 101, 99];
  const faster = [80, 81, 79, 80, 80];

  it("is oriented like speedup(): > 1 when the candidate is better", () => {
    const time = speedupInterval(base, faster, "lower")!;
    const point = speedup(mean(base), mean(faster), "time");
    expect(point).toBeCloseTo(1.25, 2);
    expect(time[0]).toBeLessThanOrEqual(point);
    expect(time[1]).toBeGreaterThanOrEqual(point);
    expect(time[0]).toBeGreaterThan(1.2);
    expect(time[1]).toBeLessThan(1.3);
    // The same numbers as throughputs: the candidate is worse, the interval is the reciprocal one.
    const tput = speedupInterval(base, faster, "higher")!;
    expect(tput[1]).toBeLessThan(1);
    expect(tput[0]).toBeCloseTo(0.8, 1);
  });

  it("is deterministic and undefined with fewer than two values a side", () => {
    expect(speedupInterval(base, faster, "lower")).toEqual(speedupInterval(base, faster, "lower"));
    expect(speedupInterval([100], faster, "lower")).toBeUndefined();
    expect(speedupInterval(base, [80], "higher")).toBeUndefined();
  });

  it("rejects values a ratio cannot use", () => {
    expect(() => speedupInterval([1, 0], [1, 2], "lower")).toThrow(/positive finite/);
    expect(() => speedupInterval([1, 2], [1, -2], "higher")).toThrow(/positive finite/);
  });
});
