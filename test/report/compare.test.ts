import { describe, expect, it } from "vitest";
import { compareRuns, type MetricComparison, type RunComparison } from "../../src/report/compare.js";
import { renderCompareJson, renderCompareMarkdown } from "../../src/report/compare-markdown.js";
import { SIMULATED_NOTICE } from "../../src/report/study-table.js";
import type { RunManifest } from "../../src/results/index.js";
import { mulberry32 } from "../../src/stats/index.js";
import { makeManifest, type FixtureOptions } from "../results/fixtures.js";

interface SyntheticRun {
  readonly seed: number;
  /** Median time (s); throughput is 1000 / time. */
  readonly time: number;
  /** Relative spread of each value. */
  readonly cv: number;
  readonly instances?: number;
  readonly repetitions?: number;
  readonly extra?: Partial<FixtureOptions>;
}

/** A run whose time and throughput values are normal noise around known medians (seeded: reproducible). */
function synthetic(r: SyntheticRun): RunManifest {
  const random = mulberry32(r.seed);
  const noise = (): number => r.cv * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const values = new Map<string, number>();
  const valueAt = (repetition: number, column: number): number => {
    const key = `${repetition}/${column}`;
    if (!values.has(key)) values.set(key, r.time * (1 + noise()));
    return values.get(key)!;
  };
  return makeManifest({
    schedule: "parallel",
    mig: true,
    instances: r.instances ?? 7,
    repetitions: r.repetitions ?? 3,
    metrics: {
      time: { key: "e2e_train_time", unit: "s", value: valueAt },
      throughput: { key: "training_sequences_per_second", unit: "sequences/s", value: (rep, col) => 1000 / valueAt(rep, col) },
    },
    ...r.extra,
  });
}

const metric = (c: RunComparison, label: string): MetricComparison => {
  const m = c.metrics.find((x) => x.label === label);
  if (!m) throw new Error(`no metric ${label} in ${c.metrics.map((x) => x.label).join(", ")}`);
  return m;
};

describe("compareRuns on synthetic runs with known differences", () => {
  it("calls a clear 20% slowdown SLOWER in time and throughput, and flags a regression", () => {
    const c = compareRuns(synthetic({ seed: 1, time: 100, cv: 0.01 }), synthetic({ seed: 2, time: 120, cv: 0.01 }));
    expect(metric(c, "time").verdict).toBe("SLOWER");
    expect(metric(c, "time").result!.change).toBeCloseTo(0.2, 1);
    expect(metric(c, "throughput").verdict).toBe("SLOWER");
    expect(metric(c, "throughput").result!.change).toBeCloseTo(-1 / 6, 1);
    expect(c.regression).toBe(true);
    // Every instance × measured repetition is a sample: 7 × 3.
    expect(metric(c, "time").base.values).toHaveLength(21);
    expect(metric(c, "time").candidate.values).toHaveLength(21);
  });

  it("calls a clear improvement FASTER, with no regression", () => {
    const c = compareRuns(synthetic({ seed: 3, time: 100, cv: 0.01 }), synthetic({ seed: 4, time: 80, cv: 0.01 }));
    expect(c.metrics.map((m) => [m.label, m.verdict])).toEqual([
      ["time", "FASTER"],
      ["throughput", "FASTER"],
    ]);
    expect(c.regression).toBe(false);
  });

  it("calls a real 1% slowdown with many samples SAME (significant, below the threshold)", () => {
    const c = compareRuns(synthetic({ seed: 5, time: 100, cv: 0.005, repetitions: 40 }), synthetic({ seed: 6, time: 101, cv: 0.005, repetitions: 40 }));
    const time = metric(c, "time");
    expect(time.result!.pValue).toBeLessThan(0.05);
    expect(time.verdict).toBe("SAME");
    expect(c.regression).toBe(false);
  });

  it("and SLOWER when the threshold is set below 1%", () => {
    const c = compareRuns(synthetic({ seed: 5, time: 100, cv: 0.005, repetitions: 40 }), synthetic({ seed: 6, time: 101, cv: 0.005, repetitions: 40 }), { threshold: 0.005 });
    expect(metric(c, "time").verdict).toBe("SLOWER");
  });

  it("calls heavy noise with a small slowdown UNCERTAIN, not SLOWER", () => {
    const c = compareRuns(synthetic({ seed: 7, time: 100, cv: 0.3, repetitions: 2 }), synthetic({ seed: 8, time: 104, cv: 0.3, repetitions: 2 }));
    expect(metric(c, "time").verdict).toBe("UNCERTAIN");
    expect(metric(c, "throughput").verdict).toBe("UNCERTAIN");
    expect(c.regression).toBe(false);
  });

  it("calls too few samples UNCERTAIN even for a 50% slowdown", () => {
    const c = compareRuns(synthetic({ seed: 9, time: 100, cv: 0.01, instances: 1, repetitions: 2 }), synthetic({ seed: 10, time: 150, cv: 0.01, instances: 1, repetitions: 2 }));
    expect(metric(c, "time").verdict).toBe("UNCERTAIN");
    expect(metric(c, "time").reason).toMatch(/too few samples \(2 and 2\)/);
    expect(c.regression).toBe(false);
  });

  it("calls a run compared with itself SAME", () => {
    const run = synthetic({ seed: 11, time: 100, cv: 0.05 });
    const c = compareRuns(run, run);
    expect(c.metrics.every((m) => m.verdict === "SAME")).toBe(true);
    expect(c.notes).toEqual([]);
  });
});

describe("compareRuns: what counts as a sample", () => {
  it("leaves out warm-ups and failed executions, and notes the failures", () => {
    const base = synthetic({ seed: 12, time: 100, cv: 0.01, repetitions: 3 });
    const slowWarmup = synthetic({
      seed: 13,
      time: 100,
      cv: 0.01,
      repetitions: 3,
      extra: {
        warmup: 1,
        failures: [{ repetition: 2, column: 3 }],
      },
    });
    // The warm-up (repetition 0) is ten times slower; it must not make the run SLOWER.
    const inflated: RunManifest = {
      ...slowWarmup,
      executions: slowWarmup.executions.map((e) => (e.warmup && e.metrics.time ? { ...e, metrics: { ...e.metrics, time: { ...e.metrics.time, value: 1000 } } } : e)),
    };
    const c = compareRuns(base, inflated);
    const time = metric(c, "time");
    expect(time.candidate.values).toHaveLength(20);
    expect(time.candidate.executions).toBe(21);
    expect(time.verdict).not.toBe("SLOWER");
    expect(c.notes).toContain("time: 1 of 21 measured executions of the new run gave no value (failed, or none in the log).");
  });

  it("counts a metric the new run lost (every execution failed) as a regression", () => {
    const base = synthetic({ seed: 21, time: 100, cv: 0.01, repetitions: 2 });
    const lost: RunManifest = { ...base, executions: base.executions.map((e) => ({ ...e, status: "failed" as const, exitCode: 1 })) };
    const c = compareRuns(base, lost);
    expect(metric(c, "time").reason).toContain("counted as a regression");
    expect(c.regression).toBe(true);
    expect(compareRuns(lost, base).regression).toBe(false);
  });

  it("says which latency figure it compared", () => {
    const withLatency = (seed: number, ms: number): RunManifest =>
      makeManifest({
        schedule: "serial",
        mig: false,
        repetitions: 2,
        metrics: { latency: { key: "avg_latency_ms", unit: "ms", value: (rep, col) => ms + ((seed * 7 + rep * 3 + col) % 5) * 0.01 } },
      });
    const c = compareRuns(withLatency(1, 3.7), withLatency(2, 6.5));
    const latency = metric(c, "latency");
    expect(latency.verdict).toBe("SLOWER");
    expect(latency.sampleKind).toBe("per-execution values of avg_latency_ms (one figure per execution, not per-request samples)");
    expect(c.notes).toContain("latency: compared per-execution values of avg_latency_ms (one figure per execution, not per-request samples).");
  });

  it("refuses a metric whose units differ: UNCERTAIN, never SLOWER", () => {
    const base = synthetic({ seed: 14, time: 100, cv: 0.01 });
    const ms = synthetic({ seed: 15, time: 100_000, cv: 0.01 });
    const candidate: RunManifest = {
      ...ms,
      executions: ms.executions.map((e) => (e.metrics.time ? { ...e, metrics: { ...e.metrics, time: { ...e.metrics.time, unit: "ms" } } } : e)),
    };
    const time = metric(compareRuns(base, candidate), "time");
    expect(time.verdict).toBe("UNCERTAIN");
    expect(time.result).toBeNull();
    expect(time.reason).toBe("not compared: the units differ (s in the base run, ms in the new run)");
  });

  it("follows a scenario's `better:` override from the stored scenario text", () => {
    const higherIsBetter = (m: RunManifest): RunManifest => ({
      ...m,
      scenario: { ...m.scenario, text: "name: a100-table1\nworkloads:\n  bert-base-squad:\n    metrics:\n      time: { key: e2e_train_time, better: higher }\n" },
    });
    const c = compareRuns(higherIsBetter(synthetic({ seed: 16, time: 100, cv: 0.01 })), higherIsBetter(synthetic({ seed: 17, time: 120, cv: 0.01 })));
    expect(metric(c, "time").better).toBe("higher");
    expect(metric(c, "time").verdict).toBe("FASTER");
  });

  it("compares per workload and notes a workload found in one run only", () => {
    const c = compareRuns(synthetic({ seed: 18, time: 100, cv: 0.01 }), synthetic({ seed: 19, time: 100, cv: 0.01, extra: { workload: "resnet50" } }));
    expect(c.metrics).toEqual([]);
    expect(c.notes).toEqual(
      expect.arrayContaining([
        "Workload bert-base-squad is only in the base run: not compared.",
        "Workload resnet50 is only in the new run: not compared.",
        "No metric is recorded in both runs: nothing was compared.",
      ]),
    );
  });
});

describe("compareRuns: notes on the runs", () => {
  it("notes another scenario, a changed scenario file, another GPU, a simulated, incomplete or invalid run", () => {
    const base = synthetic({ seed: 20, time: 100, cv: 0.01 });
    const other = synthetic({ seed: 21, time: 100, cv: 0.01, extra: { name: "a100-table2", simulated: true } });
    const c = compareRuns(base, { ...other, status: "interrupted", validity: { valid: false, reasons: ["repetition 2 failed"] }, gpu: { ...other.gpu, model: "H100-SXM5-80GB" } });
    expect(c.notice).toBe(SIMULATED_NOTICE);
    expect(c.notes).toEqual([
      "The runs are of different scenarios: a100-table1 (base) and a100-table2 (new).",
      "The GPUs differ: A100-SXM4-40GB (base) and H100-SXM5-80GB (new).",
      `The new run (${other.runId}) used the simulated GPU.`,
      "The new run is interrupted, not complete: its samples may be partial.",
      "The new run is not valid: repetition 2 failed.",
    ]);
    const changed = compareRuns(base, { ...base, scenario: { ...base.scenario, sha256: "f".repeat(64) } });
    expect(changed.notes[0]).toMatch(/^The scenario file changed between the runs \(sha256 [0-9a-f]{12}… → ffffffffffff…\)\.$/);
    expect(changed.notice).toBeNull();
  });

  it("notes an imported run", () => {
    const base = synthetic({ seed: 22, time: 100, cv: 0.01 });
    const imported: RunManifest = {
      ...base,
      origin: { kind: "imported", importedAt: "2025-03-02T00:00:00.000Z", source: { file: "reports/data/seed-table1.csv", sha256: "a".repeat(64), case: "mig", metadata: {} }, printedAggregates: [], notes: [] },
    };
    expect(compareRuns(imported, base).notes).toContain(
      "The base run holds figures imported from a published table (reports/data/seed-table1.csv, case mig), not a migbench measurement.",
    );
  });
});

describe("renderCompareMarkdown", () => {
  it("puts the simulated notice on the first line when a run was simulated", () => {
    const c = compareRuns(synthetic({ seed: 23, time: 100, cv: 0.01, extra: { simulated: true } }), synthetic({ seed: 24, time: 120, cv: 0.01 }));
    const md = renderCompareMarkdown(c);
    expect(md.split("\n")[0]).toBe(`> **${SIMULATED_NOTICE}**`);
    expect(md).toMatch(/not measured on a GPU/);
  });

  it("renders a table of verdicts, the reasons and the notes", () => {
    const base = synthetic({ seed: 25, time: 100, cv: 0.01 });
    const c = compareRuns(base, synthetic({ seed: 26, time: 120, cv: 0.01 }));
    const md = renderCompareMarkdown(c);
    const lines = md.split("\n");
    expect(lines[0]).toMatch(/^## Comparison: /);
    expect(md).toContain("Regression: time, throughput got slower beyond the threshold.");
    expect(lines).toContain("| metric | unit | base median (n) | new median (n) | change | p | verdict |");
    const timeRow = lines.find((l) => l.startsWith("| time |"))!;
    const cells = timeRow.split("|").map((s) => s.trim());
    expect(cells[2]).toBe("s");
    expect(cells[3]).toBe(`${metric(c, "time").base.median!.toFixed(2)} (21)`);
    expect(cells[5]).toMatch(/^\+(19|20|21)\.\d% \[\+\d+\.\d%, \+\d+\.\d%\]$/);
    expect(cells[6]).toBe("< 0.001");
    expect(cells[7]).toBe("**SLOWER**");
    expect(md).toMatch(/- time \(lower is better\): SLOWER, median \+/);
  });

  it("escapes text from the runs", () => {
    const base = synthetic({ seed: 27, time: 100, cv: 0.01, extra: { name: "a|b" } });
    const md = renderCompareMarkdown(compareRuns(base, synthetic({ seed: 28, time: 100, cv: 0.01, extra: { name: "c_d" } })));
    expect(md).toContain("a\\|b");
    expect(md).toContain("c\\_d");
    expect(md).not.toMatch(/[^\\]a\|b/);
  });

  it("has a JSON twin with the same verdicts", () => {
    const c = compareRuns(synthetic({ seed: 29, time: 100, cv: 0.01 }), synthetic({ seed: 30, time: 80, cv: 0.01 }));
    const json = JSON.parse(renderCompareJson(c)) as RunComparison;
    expect(json.metrics.map((m) => m.verdict)).toEqual(["FASTER", "FASTER"]);
    expect(json.regression).toBe(false);
  });
});
