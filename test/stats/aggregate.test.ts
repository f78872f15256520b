import { describe, expect, it } from "vitest";
import { AGGREGATION_RULES, aggregateCase, speedup, type CaseAggregate } from "../../src/stats/index.js";
import { T4_LATENCY_MS, TABLE1, TABLE2, row, type StudyCase } from "./seed-study.js";

const agg = (c: StudyCase, role: "time" | "throughput" | "latency"): CaseAggregate => aggregateCase(row(c, role).values, role, c.schedule);
const round2 = (x: number): number => Math.round(x * 100) / 100;

describe("the aggregation rule", () => {
  it("is the study's: parallel averages time and sums throughput, serial the reverse, latency averaged", () => {
    expect(AGGREGATION_RULES.parallel.time.kind).toBe("Avg");
    expect(AGGREGATION_RULES.parallel.throughput.kind).toBe("Total");
    expect(AGGREGATION_RULES.serial.time.kind).toBe("Total");
    expect(AGGREGATION_RULES.serial.throughput.kind).toBe("Avg");
    expect(AGGREGATION_RULES.parallel.latency.kind).toBe("Avg");
    expect(AGGREGATION_RULES.serial.latency.kind).toBe("Avg");
  });

  it("gives the makespan for parallel times only", () => {
    expect(aggregateCase([1, 3, 2], "time", "parallel")).toEqual({ kind: "Avg", value: 2, makespan: 3 });
    expect(aggregateCase([1, 3, 2], "time", "serial")).toEqual({ kind: "Total", value: 6 });
    expect(aggregateCase([1, 3, 2], "throughput", "parallel")).toEqual({ kind: "Total", value: 6 });
    expect(aggregateCase([1, 3, 2], "latency", "parallel")).toEqual({ kind: "Avg", value: 2 });
  });

  it("rejects empty and non-finite input", () => {
    expect(() => aggregateCase([], "time", "serial")).toThrow(/no time values/);
    expect(() => aggregateCase([1, Number.NaN], "time", "serial")).toThrow(/finite/);
  });
});

describe("Table 1 (BERT-base fine-tuning) recomputed from the per-model values", () => {
  it("MIG, 7 at once: time 5539.02 (Avg), makespan 5543.10, throughput 224.04 (Total)", () => {
    const time = agg(TABLE1.mig, "time");
    expect(time.kind).toBe("Avg");
    expect(time.value).toBeCloseTo(5539.02, 2);
    expect(time.makespan).toBeCloseTo(5543.1, 10);
    const tput = agg(TABLE1.mig, "throughput");
    expect(tput.kind).toBe("Total");
    expect(tput.value).toBeCloseTo(224.04, 10);
  });

  it("no MIG, 7 at once: 8207.05 (Avg), 151.20 (Total)", () => {
    expect(agg(TABLE1.noMigParallel, "time").value).toBeCloseTo(8207.05, 2);
    expect(agg(TABLE1.noMigParallel, "throughput").value).toBeCloseTo(151.2, 10);
  });

  it("no MIG, serial: time total 10360.54 (printed 10360.55), throughput 119.78 (Avg)", () => {
    const time = agg(TABLE1.noMigSerial, "time");
    expect(time).toEqual({ kind: "Total", value: expect.closeTo(10360.54, 6) });
    expect(agg(TABLE1.noMigSerial, "throughput")).toEqual({ kind: "Avg", value: expect.closeTo(119.78, 2) });
  });

  it("T4, serial: time total 26398.33 (printed 26398.34), throughput 47.01 (Avg)", () => {
    expect(agg(TABLE1.t4Serial, "time").value).toBeCloseTo(26398.33, 6);
    expect(agg(TABLE1.t4Serial, "throughput").value).toBeCloseTo(47.01, 6);
  });

  it("reproduces the reported speedups of MIG: 1.48x, 1.87x and 4.77x, in time and in throughput", () => {
    const migTime = row(TABLE1.mig, "time").printed!.value;
    const migTput = row(TABLE1.mig, "throughput").printed!.value;
    const cases: [StudyCase, string][] = [
      [TABLE1.noMigParallel, "1.48"],
      [TABLE1.noMigSerial, "1.87"],
      [TABLE1.t4Serial, "4.77"],
    ];
    for (const [base, reported] of cases) {
      // From the printed aggregates, as the study computed them ...
      expect(speedup(row(base, "time").printed!.value, migTime, "time").toFixed(2)).toBe(reported);
      expect(speedup(row(base, "throughput").printed!.value, migTput, "throughput").toFixed(2)).toBe(reported);
      // ... and from our recomputed aggregates, which agree to two decimals here.
      expect(speedup(agg(base, "time").value, agg(TABLE1.mig, "time").value, "time").toFixed(2)).toBe(reported);
      expect(speedup(agg(base, "throughput").value, agg(TABLE1.mig, "throughput").value, "throughput").toFixed(2)).toBe(reported);
    }
  });
});

describe("Table 2 (BERT-large inference) recomputed from the per-model values", () => {
  it("gives the aggregates, with the T4 average 140.40 where the study printed 140.46", () => {
    expect(agg(TABLE2.noMigSerial, "throughput")).toEqual({ kind: "Avg", value: expect.closeTo(247.36, 2) });
    expect(agg(TABLE2.migParallel, "throughput")).toEqual({ kind: "Total", value: expect.closeTo(1032.44, 10) });
    expect(agg(TABLE2.migParallel, "latency")).toEqual({ kind: "Avg", value: expect.closeTo(6.4757, 4) });
    expect(agg(TABLE2.t4Serial, "throughput").value).toBeCloseTo(140.4, 2);
    expect(agg(TABLE2.noMigSerial, "latency").value).toBeCloseTo(3.7586, 4);
  });

  it("reproduces 4.17x the throughput at 1.73x the latency (7 MIG instances against the full A100)", () => {
    const tput = speedup(row(TABLE2.noMigSerial, "throughput").printed!.value, row(TABLE2.migParallel, "throughput").printed!.value, "throughput");
    expect(tput.toFixed(2)).toBe("4.17");
    // Latency got worse: the speedup is below 1, and its reciprocal is the study's "1.73x the latency".
    const lat = speedup(row(TABLE2.noMigSerial, "latency").printed!.value, row(TABLE2.migParallel, "latency").printed!.value, "latency");
    expect(lat).toBeLessThan(1);
    expect((1 / lat).toFixed(2)).toBe("1.73");
    // Recomputed from the per-model values the throughput ratio holds; the latency ratio is 1.72.
    expect(speedup(agg(TABLE2.noMigSerial, "throughput").value, agg(TABLE2.migParallel, "throughput").value, "throughput").toFixed(2)).toBe("4.17");
    expect((1 / speedup(agg(TABLE2.noMigSerial, "latency").value, agg(TABLE2.migParallel, "latency").value, "latency")).toFixed(2)).toBe("1.72");
  });

  it("one MIG slice against a T4: 1.07x the throughput from the recomputed T4 average (the printed 140.46 gives 1.06x), 1.05x the latency", () => {
    const oneMigLatency = row(TABLE2.oneMigSerial, "latency").printed!.value;
    expect((1 / speedup(T4_LATENCY_MS, oneMigLatency, "latency")).toFixed(2)).toBe("1.05");
    const oneMigTput = row(TABLE2.oneMigSerial, "throughput").printed!.value;
    expect(speedup(row(TABLE2.t4Serial, "throughput").printed!.value, oneMigTput, "throughput").toFixed(2)).toBe("1.06");
    expect(speedup(agg(TABLE2.t4Serial, "throughput").value, oneMigTput, "throughput").toFixed(2)).toBe("1.07");
  });
});

describe("printed aggregates that disagree with their per-model values", () => {
  it("are exactly the ones the reference notes or that round differently", () => {
    const disagreements: string[] = [];
    for (const [table, cases] of Object.entries({ TABLE1, TABLE2 })) {
      for (const [name, c] of Object.entries(cases)) {
        for (const r of c.rows) {
          if (!r.printed) continue;
          const ours = aggregateCase(r.values, r.role, c.schedule);
          expect(ours.kind).toBe(r.printed.kind);
          if (round2(ours.value) !== r.printed.value) disagreements.push(`${table}.${name}.${r.role}: ${ours.value.toFixed(2)} vs ${r.printed.value.toFixed(2)}`);
        }
      }
    }
    expect(disagreements).toEqual([
      "TABLE1.noMigSerial.time: 10360.54 vs 10360.55",
      "TABLE1.t4Serial.time: 26398.33 vs 26398.34",
      "TABLE2.noMigSerial.latency: 3.76 vs 3.75",
      "TABLE2.oneMigSerial.throughput: 149.55 vs 149.54",
      "TABLE2.migParallel.latency: 6.48 vs 6.47",
      "TABLE2.t4Serial.throughput: 140.40 vs 140.46",
    ]);
  });
});

describe("speedup", () => {
  it("is > 1 when the candidate is better, in the role's direction", () => {
    expect(speedup(10, 5, "time")).toBe(2);
    expect(speedup(10, 20, "throughput")).toBe(2);
    expect(speedup(2, 4, "latency")).toBe(0.5);
    expect(speedup(10, 20, "time", "higher")).toBe(2);
  });
  it("rejects zero, negative and non-finite values", () => {
    expect(() => speedup(0, 1, "time")).toThrow(RangeError);
    expect(() => speedup(1, -1, "time")).toThrow(RangeError);
    expect(() => speedup(1, Infinity, "time")).toThrow(RangeError);
  });
});
