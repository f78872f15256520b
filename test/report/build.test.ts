/**
 * buildReport: the study's Tables 1 and 2 recomputed from the published figures (reports/table*.yaml),
 * and reports over measured runs: intervals, per-instance statistics, notices, case ids, sections.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { FORMAT_CHOICES, TABLE_CHOICES } from "../../src/cli/commands/report.js";
import { CSV_TABLE_NAMES, REPORT_FORMAT_NAMES, SIMULATED_NOTICE, buildReport, parseReportDefinition, renderReportMarkdown, type ReportModel, type SpeedupRow } from "../../src/report/index.js";
import type { MetricRole } from "../../src/scenario/schema.js";
import { mean, sum } from "simple-statistics";
import { TABLE1, row, type StudyCase } from "../stats/seed-study.js";
import { studyRun, tempDir, writeRun } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixed = (x: number): string => x.toFixed(2);

const aggregateOf = (model: ReportModel, id: string, role: MetricRole) => model.cases.find((c) => c.id === id)?.table.rows.find((r) => r.role === role)?.aggregate;
const speedupOf = (model: ReportModel, candidate: string, baseline: string, role: MetricRole): SpeedupRow | undefined =>
  model.speedups.find((s) => s.candidate === candidate && s.baseline === baseline && s.role === role);

/** The study's aggregate of a printed row, recomputed the way the study describes its rule. */
function studyRule(c: StudyCase, role: MetricRole): number {
  const values = [...row(c, role).values];
  const total = (c.schedule === "parallel" && role === "throughput") || (c.schedule === "serial" && role === "time");
  return total ? sum(values) : mean(values);
}

describe("Table 1 from reports/table1.yaml", async () => {
  const model = await buildReport({ definition: path.join(root, "reports/table1.yaml") });
  const cases: [string, StudyCase][] = [
    ["table1-a100-mig-7x1g", TABLE1.mig],
    ["table1-a100-nomig-7-parallel", TABLE1.noMigParallel],
    ["table1-a100-nomig-7-serial", TABLE1.noMigSerial],
    ["table1-t4-7-serial", TABLE1.t4Serial],
  ];

  it("shows the four cases in the definition's order, imported, with the published notice first", () => {
    expect(model.cases.map((c) => [c.id, c.label, c.origin, c.runDir])).toEqual(cases.map(([id, c]) => [id, c.title, "imported", null]));
    expect(model.notice).toMatch(/^Imported: these figures come from a published table \(.*reports\/data\/seed-table1\.csv\), not from a migbench measurement\.$/);
    expect(model.definition?.file).toBe(path.join(root, "reports/table1.yaml"));
  });

  it.each(cases)("recomputes the aggregates of %s by the study's rule, agreeing with the printed ones to the cent or noting why not", (id, study) => {
    for (const printed of study.rows) {
      const aggregate = aggregateOf(model, id, printed.role);
      expect(aggregate?.kind).toBe(printed.printed?.kind);
      expect(aggregate?.mean).toBeCloseTo(studyRule(study, printed.role), 9);
      const notes = model.cases.find((c) => c.id === id)?.table.notes ?? [];
      if (fixed(aggregate?.mean ?? NaN) === fixed(printed.printed?.value ?? NaN)) continue;
      // The only disagreements in Table 1: the serial time totals, by one cent.
      expect(Math.abs((aggregate?.mean ?? 0) - (printed.printed?.value ?? 0))).toBeLessThan(0.015);
      expect(notes).toContain(`time: the table printed ${fixed(printed.printed!.value)} (Total), recomputed from the per-instance values: ${fixed(aggregate!.mean)} (the table's aggregate was probably computed from unrounded data).`);
    }
  });

  it("gives the study's speedups of MIG against the three other cases, in time and in throughput", () => {
    // The study: 1.48x against no-MIG simultaneous, 1.87x against no-MIG serial, 4.77x against the T4.
    const reported: [string, string][] = [
      ["table1-a100-nomig-7-parallel", "1.48"],
      ["table1-a100-nomig-7-serial", "1.87"],
      ["table1-t4-7-serial", "4.77"],
    ];
    expect(model.speedups).toHaveLength(6);
    for (const [baseline, figure] of reported) {
      for (const role of ["time", "throughput"] as const) {
        const s = speedupOf(model, "table1-a100-mig-7x1g", baseline, role);
        expect(fixed(s?.value ?? NaN), `${role} against ${baseline}`).toBe(figure);
        expect(fixed(s?.published ?? NaN)).toBe(figure);
        expect(s?.better).toBe(role === "time" ? "lower" : "higher");
        // One published figure per case: no interval can be claimed.
        expect(s?.interval).toBeUndefined();
      }
    }
    expect(speedupOf(model, "table1-a100-mig-7x1g", "table1-a100-nomig-7-serial", "time")?.publishedAggregates).toEqual({ baseline: 10360.55, candidate: 5539.02 });
  });

  it("renders the study's table in Markdown, case named on its first row, Avg and Total labelled", () => {
    const md = renderReportMarkdown(model);
    expect(md.split("\n")[0]).toBe(`> **${model.notice!.replace(/[\\`*_[\]<>|&~#]/g, (c) => `\\${c}`)}**`);
    expect(md).toContain("| A100 MIG: 7 models on 7 MIG devices simultaneously | time (s) | 5542.00 | 5543.10 | 5538.96 | 5534.97 | 5543.10 | 5529.51 | 5541.51 | 5539.02 (Avg) |");
    expect(md).toContain("|  | throughput (sequences/s) | 31.99 | 31.98 | 32.01 | 32.03 | 31.98 | 32.06 | 31.99 | 224.04 (Total) |");
    expect(md).toContain("| A100 no MIG: 7 models in serial | time (s) | 1485.29 | 1474.06 | 1469.31 | 1472.35 | 1489.77 | 1478.95 | 1490.81 | 10360.54 (Total) |");
    expect(md).toContain("| A100 MIG: 7 models on 7 MIG devices simultaneously | T4: 7 models in serial | throughput | 4.77x | — | 4.77x |");
    expect(md).toContain("- **A100 MIG: 7 models on 7 MIG devices simultaneously** against **A100 no MIG: 7 models in serial**: 1.87x faster, 1.87x the throughput.");
    expect(md).not.toContain("## Per-instance statistics");
  });
});

describe("Table 2 from reports/table2.yaml", async () => {
  const model = await buildReport({ definition: path.join(root, "reports/table2.yaml") });
  const mig7 = "table2-a100-mig-7x1g-parallel";
  const full = "table2-a100-nomig-7-serial";

  it("gives seven MIG instances 4.17x the throughput of the full A100, at 1.73x the latency published and 1.72x recomputed", () => {
    const throughput = speedupOf(model, mig7, full, "throughput");
    expect(fixed(throughput!.value)).toBe("4.17");
    expect(fixed(throughput!.published!)).toBe("4.17");
    const latency = speedupOf(model, mig7, full, "latency");
    // Latency: lower is better, so the value is baseline/candidate; the study quotes its reciprocal.
    expect(latency?.better).toBe("lower");
    expect(fixed(1 / latency!.value)).toBe("1.72");
    expect(fixed(1 / latency!.published!)).toBe("1.73");
    expect(latency?.publishedAggregates).toEqual({ baseline: 3.75, candidate: 6.47 });
    expect(fixed(latency!.aggregates!.baseline)).toBe("3.76");
    expect(fixed(latency!.aggregates!.candidate)).toBe("6.48");
  });

  it("says both latency ratios in Markdown, and why they differ", () => {
    const md = renderReportMarkdown(model);
    expect(md).toContain(`| A100 MIG: 7 models in 7 MIG instances in parallel | A100 no MIG: 7 models in serial | latency | at 1.72x the latency | — | at 1.73x the latency |`);
    expect(md).toContain("**A100 MIG: 7 models in 7 MIG instances in parallel** against **A100 no MIG: 7 models in serial**: 4.17x the throughput, at 1.73x the latency (published; 1.72x recomputed).");
    expect(md).toContain("the published aggregates give 6.47 / 3.75 = 1.73x; recomputed from the per-instance values, 6.48 / 3.76 = 1.72x. Both are shown because the table's aggregates were computed from unrounded data");
  });

  it("says where the printed aggregates disagree with the printed per-model values", () => {
    const md = renderReportMarkdown(model);
    expect(md).toContain("throughput: the table printed 140.46 (Avg), recomputed from the per-instance values: 140.40");
    expect(md).toContain("latency: the table printed 3.75 (Avg), recomputed from the per-instance values: 3.76");
    expect(md).toContain("| T4: 7 models in serial | throughput (sentences/s) | 139.95 | 141.65 | 139.55 | 139.39 | 140.77 | 139.83 | 141.67 | 140.40 (Avg) |");
  });

  it("compares one MIG slice with the T4 in throughput only: the T4's latency is blank", () => {
    const s = speedupOf(model, "table2-a100-mig-1x1g-serial", "table2-t4-7-serial", "throughput");
    // The study's 1.07x; the printed aggregates alone would give 1.06x.
    expect(fixed(s!.value)).toBe("1.07");
    expect(fixed(s!.published!)).toBe("1.06");
    expect(speedupOf(model, "table2-a100-mig-1x1g-serial", "table2-t4-7-serial", "latency")).toBeUndefined();
    expect(model.notes).toContain("No speedup for latency of table2-a100-mig-1x1g-serial against table2-t4-7-serial: table2-t4-7-serial has no latency aggregate.");
  });
});

describe("reports over measured runs", () => {
  // Five repetitions, the third one 0.4% slower everywhere: an outlier by Tukey's fences.
  const offsets = [0, 0.001, 0.004, -0.001, 0.0005];
  const mig = studyRun(TABLE1.mig, { name: "mig", offsets });
  const serial = studyRun(TABLE1.noMigSerial, { name: "serial", offsets: [0.001, 0, -0.001] });

  it("gives an interval that holds the speedup when both cases have repetitions", async () => {
    const model = await buildReport({ runs: [{ manifest: mig, runDir: null }, { manifest: serial, runDir: null }], candidate: "mig" });
    const s = speedupOf(model, "mig", "serial", "time");
    expect(s?.interval).toBeDefined();
    const [lo, hi] = s!.interval!;
    expect(lo).toBeLessThanOrEqual(s!.value);
    expect(hi).toBeGreaterThanOrEqual(s!.value);
    expect(model.cases[0]!.aggregatesByRepetition.time).toHaveLength(5);
    expect(model.cases[0]!.aggregatesByRepetition.time![2]).toBeCloseTo(5539.02 * 1.004, 1);
    expect(model.notice).toBeNull();
  });

  it("keeps per-instance statistics and flags the outlying repetition", async () => {
    const model = await buildReport({ runs: [{ manifest: mig, runDir: null }] });
    const first = model.cases[0]!.instances.find((s) => s.column === 1 && s.role === "time")!;
    expect(first.values).toEqual(offsets.map((o) => 5542 * (1 + o)));
    expect(first.summary?.n).toBe(5);
    expect(first.outliers).toEqual([2]);
    const md = renderReportMarkdown(model);
    expect(md).toContain("## Per-instance statistics");
    expect(md).toMatch(/\| mig \| bert-base-squad\.1 \| time \(s\) \| 5 \| 5546\.99 \| 5544\.77 \| .* \| 5564\.17 \(repetition 3\) \|/);
  });

  it("leaves a repetition with a failed instance out of the per-repetition aggregates", async () => {
    const failing = studyRun(TABLE1.mig, { name: "failing", offsets: [0, 0.001, 0.002], failures: [{ repetition: 1, column: 4 }] });
    const model = await buildReport({ runs: [{ manifest: failing, runDir: null }] });
    expect(model.cases[0]!.aggregatesByRepetition.time).toHaveLength(2);
    expect(model.cases[0]!.validity.valid).toBe(true);
  });

  it("names simulated and imported cases in one notice, saying which cases each applies to", async () => {
    const simulated = studyRun(TABLE1.mig, { name: "sim", simulated: true });
    const model = await buildReport({ inputs: [path.join(root, "reports/data/seed-table1.csv")], runs: [{ manifest: simulated, runDir: null }] });
    expect(model.notice).toBe(
      `${SIMULATED_NOTICE} Cases: sim. Imported: these figures come from a published table (${path.relative(process.cwd(), path.join(root, "reports/data/seed-table1.csv"))}), not from a migbench measurement. Cases: table1-a100-mig-7x1g, table1-a100-nomig-7-parallel, table1-a100-nomig-7-serial, table1-t4-7-serial.`,
    );
  });

  it("identifies runs of the same scenario by their run ids", async () => {
    const a = { ...mig, runId: "20250301-100000-mig-aaaa" };
    const b = { ...mig, runId: "20250302-100000-mig-bbbb" };
    const model = await buildReport({ runs: [{ manifest: a, runDir: null }, { manifest: b, runDir: null }], baseline: "20250301-100000-mig-aaaa" });
    expect(model.cases.map((c) => c.id)).toEqual([a.runId, b.runId]);
    expect(fixed(speedupOf(model, b.runId, a.runId, "throughput")!.value)).toBe("1.00");
  });

  it("refuses a baseline that is not a case, suggesting the closest", async () => {
    const run = buildReport({ runs: [{ manifest: mig, runDir: null }, { manifest: serial, runDir: null }], baseline: "serail" });
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toThrow('baseline: no case "serail" among the report\'s cases; did you mean "serial"?; cases: mig, serial');
  });

  it("leaves hidden sections out of the model", async () => {
    const dir = tempDir("hidden");
    writeRun(path.join(dir, "results"), mig);
    const def = parseReportDefinition("title: T\nsources: [{ results: results }]\nshow: { statistics: false, environment: false, scenario: false, speedups: false, charts: false }\n", path.join(dir, "r.yaml"));
    const model = await buildReport({ definition: def });
    expect(model.cases[0]!.instances).toEqual([]);
    expect(model.cases[0]!.environment).toEqual([]);
    expect(model.cases[0]!.scenario).toBeNull();
    expect(model.charts).toEqual([]);
    expect(model.title).toBe("T");
  });

  it("keeps the charts show.charts lists, by kind or by case, and notes each listed chart with no data", async () => {
    const dir = tempDir("charts");
    writeRun(path.join(dir, "results"), mig);
    writeRun(path.join(dir, "results"), serial);
    const def = parseReportDefinition(
      "title: T\nsources: [{ results: results }]\nshow: { charts: [instances:serial, latency:mig, latency:serial, telemetry, case-aggregates, instances:mig] }\n",
      path.join(dir, "r.yaml"),
    );
    const model = await buildReport({ definition: def });
    // Neither run logged latency samples nor telemetry.
    expect(model.charts.map((c) => [c.id, c.cases])).toEqual([
      ["case-aggregates", ["mig", "serial"]],
      ["instances:mig", ["mig"]],
      ["instances:serial", ["serial"]],
    ]);
    expect(model.notes.filter((n) => n.startsWith("Chart "))).toEqual(["latency:mig", "latency:serial", "telemetry"].map((id) => `Chart "${id}" was asked for but has no data in this report.`));
  });

  it("points at the definition's line for a case no source gives and a speedup naming a case not shown", async () => {
    const dir = tempDir("cases");
    writeRun(path.join(dir, "results"), mig);
    writeRun(path.join(dir, "results"), serial);
    const file = path.join(dir, "r.yaml");
    const missing = parseReportDefinition("title: T\nsources:\n  - results: results\ncases: [mig, serail]\n", file);
    await expect(buildReport({ definition: missing })).rejects.toThrow(`${file}:4:14: no case "serail" in the sources; did you mean "serial"?`);
    const hidden = parseReportDefinition("title: T\nsources:\n  - results: results\ncases: [mig]\nspeedups: { baseline: serial }\n", file);
    await expect(buildReport({ definition: hidden })).rejects.toThrow(`${file}:5:23: no case "serial" among the report's cases; cases: mig`);
    const twice = parseReportDefinition("title: T\nsources:\n  - results: results\n  - run: results/20250301-100000-mig-beef\n", file);
    await expect(buildReport({ definition: twice })).rejects.toThrow(`${file}:4:10: case "mig" comes from this source and from sources[0]; keep it in one`);
  });
});

describe("bench report's choices", () => {
  it("are the registered formats and CSV tables", () => {
    expect([...FORMAT_CHOICES].sort()).toEqual([...REPORT_FORMAT_NAMES].sort());
    expect([...TABLE_CHOICES]).toEqual(CSV_TABLE_NAMES);
  });
});
