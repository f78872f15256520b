import { describe, expect, it } from "vitest";
import { escapeMarkdown, renderMarkdown, studyTable, SIMULATED_NOTICE, type StudyTable } from "../../src/report/index.js";
import { parseManifest, type RunManifest } from "../../src/results/index.js";
import { makeManifest, type FixtureOptions } from "../results/fixtures.js";
import { TABLE1, TABLE2, row, type StudyCase } from "../stats/seed-study.js";

/** Per-repetition offsets that average to zero, so each cell's mean is the study's value. */
const TIME_OFFSETS = [-0.5, 0, 0.5];
const TPUT_OFFSETS = [-0.01, 0, 0.01];

/** A manifest whose instance values are a study case's, read back through the schema (so it is valid). */
function studyManifest(c: StudyCase, extra: Partial<FixtureOptions> = {}): RunManifest {
  const warmup = extra.warmup ?? 0;
  const spread = (offsets: number[]) => (r: number) => ((extra.repetitions ?? 1) > 1 ? (offsets[r - warmup] ?? 0) : 0);
  const units = Object.fromEntries(c.rows.map((r) => [r.role, r.unit]));
  const metrics: FixtureOptions["metrics"] = {};
  const keys = { time: "e2e_train_time", throughput: "sequences_per_second", latency: "latency_avg_ms" } as const;
  for (const r of c.rows) {
    const offset = spread(r.role === "time" ? TIME_OFFSETS : TPUT_OFFSETS);
    // Warm-ups get absurd values: they must never reach a mean.
    metrics[r.role] = { key: keys[r.role], unit: units[r.role]!, value: (rep, col) => (rep < warmup ? 1e6 : r.values[col - 1]! + offset(rep)) };
  }
  const m = makeManifest({ title: c.title, schedule: c.schedule, mig: c.schedule === "parallel", metrics, ...extra });
  return parseManifest(JSON.parse(JSON.stringify(m)));
}

const tableLines = (md: string): string[] => md.split("\n").filter((l) => l.startsWith("|"));
/** Cell separators: pipes not escaped by a backslash. */
const unescapedPipes = (line: string): number => (line.match(/(?<!\\)\|/g) ?? []).length;

describe("study table: parallel, 7 MIG instances (Table 1, MIG)", () => {
  const manifest = studyManifest(TABLE1.mig, { repetitions: 3, warmup: 1 });
  const model = studyTable(manifest);
  const md = renderMarkdown(model);

  it("renders the study's table: per-instance means ± stddev, time Avg and throughput Total", () => {
    expect(tableLines(md)).toEqual([
      "| case | metric | 1 | 2 | 3 | 4 | 5 | 6 | 7 | aggregate |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      "| A100 MIG: 7 models on 7 MIG devices simultaneously | time (s) | 5542.00 ± 0.50 | 5543.10 ± 0.50 | 5538.96 ± 0.50 | 5534.97 ± 0.50 | 5543.10 ± 0.50 | 5529.51 ± 0.50 | 5541.51 ± 0.50 | 5539.02 ± 0.50 (Avg) |",
      "|  | throughput (sequences/s) | 31.99 ± 0.01 | 31.98 ± 0.01 | 32.01 ± 0.01 | 32.03 ± 0.01 | 31.98 ± 0.01 | 32.06 ± 0.01 | 31.99 ± 0.01 | 224.04 ± 0.07 (Total) |",
    ]);
  });

  it("starts with the title when the GPU was real, and says how many repetitions counted", () => {
    expect(md.split("\n")[0]).toBe("## A100 MIG: 7 models on 7 MIG devices simultaneously");
    expect(md).toContain("Run 20250301-100000-a100-table1-beef (complete) on A100-SXM4-40GB, parallel schedule, 3 measured repetitions, 1 warm-up not counted.");
  });

  it("lists each column's device and gives the makespan", () => {
    expect(md).toContain("- 1: bert-base-squad.1 on 1g.5gb@6 (MIG-00000000-aaaa-bbbb-cccc-dddddddddddd)");
    expect(md).toContain("- 7: bert-base-squad.7 on 1g.5gb@3 (MIG-00000006-aaaa-bbbb-cccc-dddddddddddd)");
    expect(md).toContain("- time makespan (slowest instance, mean over repetitions): 5543.10 s.");
    expect(md).toContain("- Validity: the run is valid.");
  });

  it("is plain data, ordered by the plan's column", () => {
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    expect(model.columns.map((c) => c.column)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(model.rows.map((r) => r.role)).toEqual(["time", "throughput"]);
    expect(model.rows[0]!.aggregate).toMatchObject({ kind: "Avg", n: 3, makespan: expect.closeTo(5543.1, 6) });
  });

  it("orders columns by `column`, not by the order instances were stored", () => {
    const shuffled = { ...manifest, plan: { ...manifest.plan, instances: [...manifest.plan.instances].reverse() } };
    expect(tableLines(renderMarkdown(studyTable(shuffled)))).toEqual(tableLines(md));
  });
});

describe("study table: serial, 7 instances on the full GPU (Table 1, no MIG)", () => {
  const md = renderMarkdown(studyTable(studyManifest(TABLE1.noMigSerial)));

  it("sums time and averages throughput; one repetition shows no spread", () => {
    expect(tableLines(md).slice(2)).toEqual([
      "| A100 no MIG: 7 models in serial | time (s) | 1485.29 | 1474.06 | 1469.31 | 1472.35 | 1489.77 | 1478.95 | 1490.81 | 10360.54 (Total) |",
      "|  | throughput (sequences/s) | 119.36 | 120.27 | 120.66 | 120.41 | 119.00 | 119.87 | 118.92 | 119.78 (Avg) |",
    ]);
    expect(md).toContain("- 1: bert-base-squad.1 on A100-SXM4-40GB (GPU-5e8b1c2a-0000-0000-0000-000000000000)");
    expect(md).not.toContain("makespan");
  });
});

describe("study table: latency rows (Table 2)", () => {
  it("totals throughput and averages latency in parallel; recomputes 6.48 where the study printed 6.47", () => {
    const md = renderMarkdown(studyTable(studyManifest(TABLE2.migParallel)));
    const [tput, lat] = tableLines(md).slice(2);
    expect(tput).toMatch(/^\| A100 MIG: 7 models in 7 MIG instances in parallel \| throughput \(sentences\/s\) \| 147\.78 \|.* \| 1032\.44 \(Total\) \|$/);
    expect(lat).toMatch(/^\| {2}\| latency \(ms\) \| 6\.46 \| 6\.47 \| 6\.51 \|.* \| 6\.48 \(Avg\) \|$/);
  });

  it("recomputes the T4 average 140.40 (the study printed 140.46)", () => {
    const md = renderMarkdown(studyTable(studyManifest(TABLE2.t4Serial)));
    expect(tableLines(md)[2]).toMatch(/\| 140\.40 \(Avg\) \|$/);
  });
});

describe("simulated runs", () => {
  it("say so on the first line", () => {
    const model = studyTable(studyManifest(TABLE1.mig, { simulated: true }));
    expect(model.notice).toBe(SIMULATED_NOTICE);
    const md = renderMarkdown(model);
    expect(md.split("\n")[0]).toBe("> **Simulated GPU: these numbers were not measured on a GPU (the run used the migbench simulator).**");
    expect(md.split("\n")[2]).toBe("## A100 MIG: 7 models on 7 MIG devices simultaneously");
  });
});

describe("failed executions", () => {
  it("are excluded from cells and aggregates, and flagged in notes", () => {
    const manifest = studyManifest(TABLE1.mig, {
      repetitions: 3,
      failures: [
        { repetition: 1, column: 3, message: "CUDA error: out of memory | step 7\nTraceback (most recent call last)" },
        { repetition: 0, column: 5, status: "timeout", exitCode: null },
      ],
    });
    const model = studyTable(manifest);
    const md = renderMarkdown(model);
    const [time] = tableLines(md).slice(2);
    // Column 3 keeps repetitions 1 and 3 (5538.46, 5539.46); column 5 keeps 2 and 3 (5543.10, 5543.60).
    // Only repetition 3 is complete: its aggregate is the study's average plus that repetition's +0.50.
    expect(time).toBe(
      "| A100 MIG: 7 models on 7 MIG devices simultaneously | time (s) | 5542.00 ± 0.50 | 5543.10 ± 0.50 | 5538.96 ± 0.71 (n=2/3) | 5534.97 ± 0.50 | 5543.35 ± 0.35 (n=2/3) | 5529.51 ± 0.50 | 5541.51 ± 0.50 | 5539.52 (Avg) |",
    );
    expect(model.rows[0]!.aggregate).toMatchObject({ n: 1 });
    expect(md).toContain("- time: aggregate over 1 of 3 repetitions; repetitions 1, 2 miss an instance's value.");
    expect(md).toContain("- Excluded: repetition 2, column 3 (bert-base-squad.3): failed, exit code 1: CUDA error: out of memory \\| step 7 Traceback (most recent call last).");
    expect(md).toContain("- Excluded: repetition 1, column 5 (bert-base-squad.5): timeout.");
    for (const line of tableLines(md)) expect(unescapedPipes(line)).toBe(11);
  });

  it("show as `failed` when an instance never succeeded, and leave no aggregate", () => {
    const manifest = studyManifest(TABLE1.noMigSerial, { failures: [{ repetition: 0, column: 4, exitCode: 137, message: "killed" }] });
    const md = renderMarkdown(studyTable(manifest));
    expect(tableLines(md)[2]).toBe(
      "| A100 no MIG: 7 models in serial | time (s) | 1485.29 | 1474.06 | 1469.31 | failed | 1489.77 | 1478.95 | 1490.81 | n/a |",
    );
    expect(md).toContain("- time: no aggregate, no repetition has a value from every instance.");
    expect(md).toContain("- Excluded: repetition 1, column 4 (bert-base-squad.4): failed, exit code 137: killed.");
  });
});

describe("notes on validity, warnings and parsing", () => {
  it("says when a run is not valid, relays warnings, and flags missing values", () => {
    const base = studyManifest(TABLE1.mig);
    const executions = base.executions.map((e) =>
      e.column === 2 ? { ...e, metrics: { ...e.metrics, time: { ...e.metrics.time!, value: null } }, parse: { complete: false, problems: 2 } } : e,
    );
    const manifest: RunManifest = {
      ...base,
      status: "interrupted",
      executions,
      warnings: ["GPU clocks were throttled (thermal)"],
      validity: { valid: false, reasons: ["interrupted before the last repetition", "clock throttling"] },
    };
    const model = studyTable(manifest);
    const md = renderMarkdown(model);
    expect(model.rows[0]!.cells[1]).toEqual({ kind: "no-value" });
    expect(tableLines(md)[2]).toContain("| 5542.00 | — | 5538.96 |");
    expect(md).toContain("- No time value parsed from repetition 1, column 2 (bert-base-squad.2).");
    expect(md).toContain("- Log of repetition 1, column 2 (bert-base-squad.2) parsed incompletely with 2 problem(s).");
    expect(md).toContain("- Run status: interrupted; the table may be incomplete.");
    expect(md).toContain("- Validity: the run is NOT valid: interrupted before the last repetition; clock throttling.");
    expect(md).toContain("- Warning: GPU clocks were throttled (thermal)");
  });

  it("does not aggregate instances that report different units", () => {
    const base = studyManifest(TABLE1.mig);
    const executions = base.executions.map((e) => (e.column === 1 ? { ...e, metrics: { ...e.metrics, throughput: { ...e.metrics.throughput!, unit: "images/s" } } } : e));
    const model = studyTable({ ...base, executions });
    expect(model.rows[1]).toMatchObject({ label: "throughput (sequences/s, images/s)", aggregate: null });
    expect(model.notes).toContain("throughput: not aggregated, the instances report different units (sequences/s, images/s).");
  });
});

describe("a run that recorded nothing yet", () => {
  it("renders without rows and says why", () => {
    const base = studyManifest(TABLE1.mig);
    const model = studyTable({ ...base, status: "running", executions: [] });
    expect(model.rows).toEqual([]);
    expect(model.columns).toHaveLength(7);
    const md = renderMarkdown(model);
    expect(md).toContain("No metrics were recorded.");
    expect(md).toContain("- Run status: running; the table may be incomplete.");
  });
});

describe("units", () => {
  it("fall back to the role's default when the run recorded none", () => {
    const base = studyManifest(TABLE2.migParallel);
    const executions = base.executions.map((e) => ({ ...e, metrics: { ...e.metrics, latency: { key: e.metrics.latency!.key, value: e.metrics.latency!.value } } }));
    const model = studyTable(parseManifest(JSON.parse(JSON.stringify({ ...base, executions }))));
    expect(model.rows.map((r) => r.label)).toEqual(["throughput (sentences/s)", "latency (ms)"]);
  });
});

describe("escaping", () => {
  it("keeps a `|` in a title inside its cell, and a newline from ending the table", () => {
    const model: StudyTable = studyTable(studyManifest({ ...TABLE1.mig, title: "MIG | 7 x `1g.5gb`\nnew line <b>" }));
    const md = renderMarkdown(model);
    expect(md).toContain("## MIG \\| 7 x \\`1g.5gb\\` new line \\<b\\>");
    const [header, , first, second] = tableLines(md);
    expect(first).toMatch(/^\| MIG \\\| 7 x \\`1g\.5gb\\` new line \\<b\\> \| time \(s\) \|/);
    for (const line of [header!, first!, second!]) expect(unescapedPipes(line)).toBe(11);
    expect(tableLines(md)).toHaveLength(4);
  });

  it("escapes Markdown syntax and collapses line breaks", () => {
    expect(escapeMarkdown("a|b")).toBe("a\\|b");
    expect(escapeMarkdown("`code` *x* _y_ [l](u) <i> & ~s~ # h \\")).toBe("\\`code\\` \\*x\\* \\_y\\_ \\[l\\](u) \\<i\\> \\& \\~s\\~ \\# h \\\\");
    expect(escapeMarkdown("one\r\ntwo\nthree\rfour")).toBe("one two three four");
  });

  it("keeps terminal escape sequences and other control characters out (the text is printed on terminals)", () => {
    expect(escapeMarkdown("red \u001b[31mALERT\u001b[0m bell\u0007 c1\u009b")).toBe("red \uFFFD\\[31mALERT\uFFFD\\[0m bell\uFFFD c1\uFFFD");
    expect(escapeMarkdown("tab\tkept")).toBe("tab\tkept");
  });
});

describe("the study's own rows", () => {
  it("reproduce every per-instance value of Table 1 and Table 2 in the rendered cells", () => {
    for (const c of [...Object.values(TABLE1), ...Object.values(TABLE2)]) {
      const md = renderMarkdown(studyTable(studyManifest(c)));
      const lines = tableLines(md).slice(2);
      c.rows.forEach((r, i) => {
        const cells = lines[i]!.split(" | ").slice(2, 9);
        expect(cells).toEqual(row(c, r.role).values.map((v) => v.toFixed(2)));
      });
    }
  });
});
