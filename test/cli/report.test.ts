/**
 * `bench report` through the real CLI: the study's tables from reports/table*.yaml, a fresh small run
 * in every format, folders of runs, the committed study-a100 definition over runs in a results folder, and
 * bad input refused with exit 2, the file (and line:col) named, nothing written.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SIMULATED_NOTICE } from "../../src/report/index.js";
import { makeManifest } from "../results/fixtures.js";
import { TABLE1 } from "../stats/seed-study.js";
import { writeRun } from "../report/helpers.js";
import { bench, root, tempDir } from "./helpers.js";

let results: string;
let runDir: string;

/** A small, fast case: two copies of the CPU workload on two MIG devices of the simulator, twice. */
const scenario = (): string =>
  [
    "name: report-cli",
    'title: "Report test: 2 CPU workloads on 2 MIG | devices"',
    "gpu: { model: A100-SXM4-40GB }",
    "layout: { mig: true, gpuInstances: [{ profile: 1g.5gb, count: 2 }] }",
    "workloads:",
    "  cpu-matmul:",
    `    command: [node, ${JSON.stringify(path.join(root, "workloads/cpu-matmul/main.js"))}, --seconds, "0.5", --warmup-seconds, "0"]`,
    "    parser: jsonl",
    "    metrics:",
    "      time: { key: elapsed_s, unit: s }",
    "      throughput: { key: items_per_second, unit: items/s }",
    "      latency: { key: latency_ms_avg, unit: ms }",
    "run: [{ workload: cpu-matmul, on: each-mig-device }]",
    "schedule: parallel",
    "repetitions: 2",
    "timeout: 1m",
  ].join("\n");

beforeAll(async () => {
  const dir = tempDir("report-run");
  writeFileSync(path.join(dir, "report-cli.yaml"), scenario());
  results = path.join(dir, "results");
  const run = await bench(["run", path.join(dir, "report-cli.yaml"), "--gpu", "sim:A100-SXM4-40GB", "--out", results]);
  expect(run.exitCode, String(run.stderr)).toBe(0);
  const [name] = readdirSync(results);
  runDir = path.join(results, name as string);
}, 120_000);

const stdout = (r: { stdout: unknown }): string => String(r.stdout);

describe("bench report of the study's tables", () => {
  it("prints Table 1 with the study's aggregates and MIG's speedups", async () => {
    const r = await bench(["report", "reports/table1.yaml", "--format", "md"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const md = stdout(r);
    expect(md.split("\n")[0]).toBe("> **Imported: these figures come from a published table (reports/data/seed-table1.csv), not from a migbench measurement.**");
    for (const aggregate of ["5539.02 (Avg)", "224.04 (Total)", "8207.05 (Avg)", "151.20 (Total)", "10360.54 (Total)", "119.78 (Avg)", "26398.33 (Total)", "47.01 (Avg)"]) expect(md).toContain(`| ${aggregate} |`);
    expect(md).toContain("time: the table printed 10360.55 (Total), recomputed from the per-instance values: 10360.54");
    expect(md).toContain("time: the table printed 26398.34 (Total), recomputed from the per-instance values: 26398.33");
    for (const [baseline, x] of [["A100 no MIG: 7 models in 7 containers simultaneously", "1.48"], ["A100 no MIG: 7 models in serial", "1.87"], ["T4: 7 models in serial", "4.77"]]) {
      for (const role of ["time", "throughput"]) expect(md).toContain(`| A100 MIG: 7 models on 7 MIG devices simultaneously | ${baseline} | ${role} | ${x}x | — | ${x}x |`);
    }
  });

  it("prints Table 2: 4.17x the throughput at 1.73x the latency published, 1.72x recomputed, and the table's own disagreements", async () => {
    const r = await bench(["report", "reports/table2.yaml"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const md = stdout(r);
    expect(md).toContain("4.17x the throughput, at 1.73x the latency (published; 1.72x recomputed)");
    expect(md).toContain("6.47 / 3.75 = 1.73x");
    expect(md).toContain("6.48 / 3.76 = 1.72x");
    expect(md).toContain("throughput: the table printed 140.46 (Avg), recomputed from the per-instance values: 140.40");
    expect(md).toContain("latency: the table printed 3.75 (Avg), recomputed from the per-instance values: 3.76");
  });

  it("writes the speedups of a definition as CSV, with the notice as a comment", async () => {
    const r = await bench(["report", "reports/table2.yaml", "--format", "csv", "--table", "speedups"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const lines = stdout(r).trim().split("\n");
    expect(lines[0]).toMatch(/^# Imported: /);
    expect(lines[1]).toBe("candidate,baseline,role,better,speedup,interval_low,interval_high,baseline_aggregate,candidate_aggregate,published,published_baseline,published_candidate");
    expect(lines.slice(2).map((l) => l.split(",").slice(0, 3).join(","))).toEqual([
      "table2-a100-mig-7x1g-parallel,table2-a100-nomig-7-serial,throughput",
      "table2-a100-mig-7x1g-parallel,table2-a100-nomig-7-serial,latency",
      "table2-a100-mig-1x1g-serial,table2-t4-7-serial,throughput",
    ]);
  });
});

describe("bench report of a run", () => {
  it("says first that the GPU was simulated and the workload a CPU stand-in, and shows latency from the raw samples", async () => {
    const r = await bench(["report", runDir]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const md = stdout(r);
    expect(md.split("\n")[0]).toMatch(/^> \*\*Simulated GPU: these numbers were not measured on a GPU \(the run used the migbench simulator\)\. CPU stand-in: /);
    expect(md).toMatch(/\| Report test: 2 CPU workloads on 2 MIG \\\| devices \| time \(s\) \|/);
    expect(md).toMatch(/## Latency distributions[\s\S]*\| report-cli \| cpu-matmul\.1 \| \d+ \|/);
    expect(md).toContain("## Per-instance statistics");
    expect(md).toMatch(/\| Driver \/ CUDA \| \d/);
  });

  it("writes the report model as JSON, with its schema version and telemetry series", async () => {
    const r = await bench(["report", runDir, "--format", "json"]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const model = JSON.parse(stdout(r)) as { schemaVersion: number; notice: string; cases: { id: string; origin: string; cpuStandIn?: boolean; telemetry: { field: string; points: unknown[] }[]; latency: unknown[]; instances: unknown[] }[] };
    expect(Object.keys(model).slice(0, 2)).toEqual(["notice", "schemaVersion"]);
    expect(model.schemaVersion).toBe(1);
    expect(model.notice.startsWith(SIMULATED_NOTICE)).toBe(true);
    expect(model.cases.map((c) => [c.id, c.origin, c.cpuStandIn])).toEqual([["report-cli", "simulated", true]]);
    expect(model.cases[0]!.telemetry.some((s) => s.field === "power_draw_w" && s.points.length > 0)).toBe(true);
    expect(model.cases[0]!.latency).toHaveLength(2);
    expect(model.cases[0]!.instances).toHaveLength(2 * 3);
  });

  it("reads a folder of runs, writes CSV and HTML to --out", async () => {
    const out = path.join(tempDir("report-out"), "report.csv");
    const csv = await bench(["report", results, "--format", "csv", "--out", out]);
    expect(csv.exitCode, String(csv.stderr)).toBe(0);
    expect(stdout(csv)).toBe("");
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toMatch(/^# Simulated GPU/);
    expect(lines).toHaveLength(2 + 2 * 3);
    const html = await bench(["report", runDir, "--format", "html"]);
    expect(html.exitCode, String(html.stderr)).toBe(0);
    expect(stdout(html)).toMatch(/^<!doctype html>/i);
  });
});

describe("bench report of the committed study-a100 definition", () => {
  it("takes the latest run of each table1 scenario from ../results", async () => {
    const dir = tempDir("study-a100");
    mkdirSync(path.join(dir, "reports"));
    copyFileSync("reports/study-a100.yaml", path.join(dir, "reports", "study-a100.yaml"));
    const cases = [
      ["a100-40gb-table1-mig-7x1g", TABLE1.mig],
      ["a100-40gb-table1-nomig-7-parallel", TABLE1.noMigParallel],
      ["a100-40gb-table1-nomig-7-serial", TABLE1.noMigSerial],
    ] as const;
    for (const [name, study] of cases) {
      const metrics = Object.fromEntries(study.rows.map((r) => [r.role, { key: r.role, unit: r.unit, value: (_rep: number, col: number) => r.values[col - 1] as number }]));
      writeRun(path.join(dir, "results"), makeManifest({ name, schedule: study.schedule, mig: study.schedule === "parallel", metrics }));
    }
    const r = await bench(["report", path.join(dir, "reports", "study-a100.yaml")]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const md = stdout(r);
    expect(md.split("\n")[0]).toBe("# A100-SXM4-40GB: Table 1 measured (MIG vs no MIG, simultaneous and serial)");
    expect(md).toContain("| A100 MIG: 7 models on 7 MIG devices simultaneously | A100 no MIG: 7 models in serial | time | 1.87x | — |");
  });
});

describe("bench report of the committed quickstart definition", () => {
  it("finds the quickstart's cases inside a study directory under ../results", async () => {
    const dir = tempDir("quickstart-def");
    mkdirSync(path.join(dir, "reports"));
    copyFileSync("reports/quickstart.yaml", path.join(dir, "reports", "quickstart.yaml"));
    const study = path.join(dir, "results", "20261125-120000-quickstart-ab12");
    const cases = [
      ["quickstart-mig-7x1g", TABLE1.mig],
      ["quickstart-nomig-7-parallel", TABLE1.noMigParallel],
      ["quickstart-nomig-7-serial", TABLE1.noMigSerial],
    ] as const;
    for (const [name, figures] of cases) {
      const metrics = Object.fromEntries(figures.rows.map((r) => [r.role, { key: r.role, unit: r.unit, value: (_rep: number, col: number) => r.values[col - 1] as number }]));
      writeRun(study, makeManifest({ name, schedule: figures.schedule, mig: figures.schedule === "parallel", metrics }));
    }
    const r = await bench(["report", path.join(dir, "reports", "quickstart.yaml")]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const md = stdout(r);
    expect(md).toMatch(/\| quickstart-mig-7x1g \| quickstart-nomig-7-serial \| time \| 1\.87x \|/);
    expect(md).toMatch(/\| quickstart-mig-7x1g \| quickstart-nomig-7-parallel \| throughput \| 1\.48x \|/);
  });
});

describe("bench report refuses bad input", () => {
  const refuse = async (args: string[], expected: string | RegExp): Promise<void> => {
    const dir = tempDir("report-bad");
    const out = path.join(dir, "out.md");
    const r = await bench([...args, "--out", out]);
    expect(r.exitCode, stdout(r)).toBe(2);
    if (typeof expected === "string") expect(String(r.stderr)).toContain(expected);
    else expect(String(r.stderr)).toMatch(expected);
    expect(existsSync(out)).toBe(false);
  };

  const definition = (text: string): string => {
    const file = path.join(tempDir("report-def"), "bad.yaml");
    writeFileSync(file, text);
    return file;
  };

  it("a misspelled key, with the key it was meant to be", async () => {
    const file = definition("title: T\nsources:\n  - import: /dev/null\nspedups: { candidate: x }\n");
    await refuse(["report", file], `${file}:4:1: unknown key "spedups"; did you mean "speedups"?`);
  });

  it("a case id no source gives", async () => {
    const file = definition(`title: T\nsources:\n  - import: ${path.resolve("reports/data/seed-table1.csv")}\ncases:\n  - table1-a100-mig-7x1g\n  - table1-t4-7-seral\n`);
    await refuse(["report", file], `${file}:6:5: no case "table1-t4-7-seral" in the sources; did you mean "table1-t4-7-serial"?`);
  });

  it("a run directory that is not there", async () => {
    const file = definition("title: T\nsources:\n  - run: ../nowhere/run\n");
    await refuse(["report", file], new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:10: .*nowhere/run/manifest\\.json: not found: is this a run directory\\?`));
  });

  it("a definition file that is not there, and a run argument that is not there", async () => {
    await refuse(["report", "reports/nope.yaml"], "reports/nope.yaml:1:1: cannot read the report definition: file not found");
    await refuse(["report", "results/nope-run"], "results/nope-run: not found");
  });

  it("an unknown baseline, and a definition mixed with runs", async () => {
    await refuse(["report", runDir, "--baseline", "report-clj"], 'baseline: no case "report-clj" among the report\'s cases; did you mean "report-cli"?');
    await refuse(["report", "reports/table1.yaml", runDir], "reports/table1.yaml: a report definition names its own sources; give it alone");
  });
});
