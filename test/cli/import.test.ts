/**
 * `bench import` of the study's Tables 1 and 2 from the CSV files kept in reports/data, through the real CLI:
 * the run directories read back exactly the printed per-instance values, are marked imported, and
 * `bench report` shows the same numbers with recomputed aggregates and the printed ones beside them.
 */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRun, type RunManifest } from "../../src/results/index.js";
import type { MetricRole } from "../../src/scenario/schema.js";
import { TABLE1, TABLE2, type StudyCase } from "../stats/seed-study.js";
import { bench, tempDir } from "./helpers.js";

/** The CSV's case ids → the study's cases. */
const CASES: readonly [string, StudyCase][] = [
  ["table1-a100-mig-7x1g", TABLE1.mig],
  ["table1-a100-nomig-7-parallel", TABLE1.noMigParallel],
  ["table1-a100-nomig-7-serial", TABLE1.noMigSerial],
  ["table1-t4-7-serial", TABLE1.t4Serial],
  ["table2-a100-nomig-7-serial", TABLE2.noMigSerial],
  ["table2-a100-mig-1x1g-serial", TABLE2.oneMigSerial],
  ["table2-a100-mig-7x1g-parallel", TABLE2.migParallel],
  ["table2-t4-7-serial", TABLE2.t4Serial],
];

let out: string;
let dirs: Map<string, string>;
let manifests: Map<string, RunManifest>;

beforeAll(async () => {
  out = tempDir("import");
  const result = await bench(["import", "reports/data/seed-table1.csv", "reports/data/seed-table2.csv", "--out", out]);
  expect(result.exitCode, String(result.stderr)).toBe(0);
  const printed = String(result.stdout).trim().split("\n");
  expect(printed).toHaveLength(8);
  dirs = new Map(printed.map((dir) => [CASES.find(([id]) => path.basename(dir).includes(`-${id}-`))?.[0] ?? "?", dir]));
  manifests = new Map(await Promise.all([...dirs].map(async ([id, dir]) => [id, await readRun(dir)] as const)));
});

const valuesOf = (m: RunManifest, role: MetricRole): (number | null)[] =>
  [...m.executions].sort((a, b) => a.column - b.column).map((e) => e.metrics[role]?.value ?? null);

describe("bench import of the study's tables", () => {
  it("makes one run directory per case, every one marked imported, from the committed CSV files", () => {
    expect([...dirs.keys()].sort()).toEqual(CASES.map(([id]) => id).sort());
    for (const [id, m] of manifests) {
      expect(m.origin.kind, id).toBe("imported");
      if (m.origin.kind !== "imported") continue;
      expect(m.origin.source.case).toBe(id);
      expect(m.origin.source.file).toMatch(/^reports\/data\/seed-table[12]\.csv$/);
      expect(m.origin.source.metadata.table).toBe(id.startsWith("table1") ? "1" : "2");
      expect(m.host).toBeNull();
      expect(m.telemetry).toBeNull();
      expect(m.executions.every((e) => e.log === null && e.status === "ok")).toBe(true);
    }
  });

  it.each(CASES)("reads back exactly the printed per-instance values of %s", (id, study) => {
    const m = manifests.get(id) as RunManifest;
    expect(m.scenario.title).toBe(study.title);
    expect(m.plan.schedule).toBe(study.schedule);
    for (const row of study.rows) {
      expect(valuesOf(m, row.role), `${id} ${row.role}`).toEqual([...row.values]);
      expect(m.executions.every((e) => e.metrics[row.role]?.unit === row.unit)).toBe(true);
      const printed = m.origin.kind === "imported" ? m.origin.printedAggregates.find((a) => a.role === row.role) : undefined;
      expect(printed, `${id} ${row.role} aggregate`).toEqual(row.printed ? { role: row.role, value: row.printed.value, kind: row.printed.kind } : undefined);
    }
  });

  it("keeps the T4 inference latency blank, with the table's note", () => {
    const m = manifests.get("table2-t4-7-serial") as RunManifest;
    expect(valuesOf(m, "latency")).toEqual([null, null, null, null, null, null, null]);
    expect(m.origin.kind === "imported" && m.origin.notes).toEqual(["latency avg: blank in the published table; the study's text gives 6.09 ms"]);
  });

  it("bench report shows the same numbers, says they are imported, and notes where a printed aggregate disagrees", async () => {
    const all = [...dirs.values()];
    const result = await bench(["report", ...all, "--format", "json"]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    type Cell = { kind: string; mean?: number };
    type Table = { runId: string; notice: string; origin: string; rows: { role: MetricRole; cells: Cell[]; aggregate: { mean: number; kind: string } | null }[]; notes: string[] };
    const report = JSON.parse(String(result.stdout)) as { notice: string; cases: { table: Table }[] };
    expect(report.notice).toMatch(/^Imported: /);
    const models = report.cases.map((c) => c.table);
    expect(models).toHaveLength(dirs.size);
    const disagreements: string[] = [];
    for (const model of models) {
      const id = CASES.find(([caseId]) => model.runId.includes(`-${caseId}-`))?.[0] as string;
      const study = (CASES.find(([caseId]) => caseId === id) as [string, StudyCase])[1];
      expect(model.origin).toBe("imported");
      expect(model.notice).toMatch(/^Imported: these figures come from a published table \(reports\/data\/seed-table[12]\.csv, case /);
      for (const row of study.rows) {
        const shown = model.rows.find((r) => r.role === row.role);
        expect(shown?.cells.map((c) => c.mean)).toEqual([...row.values]);
        expect(shown?.aggregate?.kind).toBe(row.printed?.kind);
      }
      disagreements.push(...model.notes.filter((n) => n.includes("recomputed from the per-instance values")).map((n) => `${id}: ${n.split(" (the table")[0]}`));
    }
    // The study's own caveat: these printed aggregates do not match their printed per-model values.
    expect(disagreements.sort()).toEqual([
      "table1-a100-nomig-7-serial: time: the table printed 10360.55 (Total), recomputed from the per-instance values: 10360.54",
      "table1-t4-7-serial: time: the table printed 26398.34 (Total), recomputed from the per-instance values: 26398.33",
      "table2-a100-mig-1x1g-serial: throughput: the table printed 149.54 (Avg), recomputed from the per-instance values: 149.55",
      "table2-a100-mig-7x1g-parallel: latency: the table printed 6.47 (Avg), recomputed from the per-instance values: 6.48",
      "table2-a100-nomig-7-serial: latency: the table printed 3.75 (Avg), recomputed from the per-instance values: 3.76",
      "table2-t4-7-serial: throughput: the table printed 140.46 (Avg), recomputed from the per-instance values: 140.40",
    ]);

    const md = await bench(["report", dirs.get("table2-t4-7-serial") as string]);
    expect(String(md.stdout).split("\n")[0]).toMatch(/^> \*\*Imported: these figures come from a published table/);
    expect(String(md.stdout)).toMatch(/\| T4: 7 models in serial \| throughput \(sentences\/s\) \| 139\.95 \| 141\.65 \| 139\.55 \| 139\.39 \| 140\.77 \| 139\.83 \| 141\.67 \| 140\.40 \(Avg\) \|/);
    expect(String(md.stdout)).toMatch(/throughput: the table printed 140\.46 \(Avg\), recomputed from the per-instance values: 140\.40/);
  });

  it("refuses a malformed table with file:line messages and writes nothing", async () => {
    const dir = tempDir("import-bad");
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, ["case,gpu,schedule,role,unit,1,2", "a,A100-SXM4-40GB,parallel,time,s,1.5,2x", "b,A100-SXM4-40GB,sideways,speed,s,1,2", "a,T4,parallel,throughput,x/s,1,2"].join("\n"));
    const result = await bench(["import", bad, "--out", path.join(dir, "out")]);
    expect(result.exitCode).toBe(2);
    const stderr = String(result.stderr);
    expect(stderr).toContain(`${bad}:2: column 2: "2x" is not a number`);
    expect(stderr).toContain(`${bad}:3: schedule: expected parallel or serial`);
    expect(stderr).toContain(`${bad}:3: role: expected time, throughput or latency`);
    expect(stderr).toContain(`${bad}:4: gpu "T4" differs from "A100-SXM4-40GB" on line 2 of the same case`);
    expect(readdirSync(dir)).toEqual(["bad.csv"]);
  });
});
