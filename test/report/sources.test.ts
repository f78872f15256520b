/** Sources: run directories, folders of runs (the latest of each scenario), published tables in memory. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { classifyPath, readSource } from "../../src/report/index.js";
import { TABLE1 } from "../stats/seed-study.js";
import { studyRun, tempDir, writeRun } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const options = { harness: { name: "migbench", version: "test" }, now: new Date("2026-01-01T00:00:00Z") };

describe("report sources", () => {
  // Temporary folders lie outside the working directory, so the report shows their absolute paths.
  it("take, from a folder of runs, the latest complete run of each scenario, looking one level into study folders", async () => {
    const dir = tempDir("results");
    const run = (name: string, day: string, status: "complete" | "failed" | "interrupted") => ({ ...studyRun(TABLE1.mig, { name }), runId: `202501${day}-100000-${name}-beef`, startedAt: `2025-01-${day}T10:00:00.000Z`, status });
    writeRun(dir, run("x", "01", "complete"));
    writeRun(dir, run("x", "03", "complete"));
    writeRun(dir, run("x", "05", "failed"));
    writeRun(dir, run("y", "02", "interrupted"));
    writeRun(dir, run("y", "04", "interrupted"));
    writeRun(path.join(dir, "study-20250106"), run("z", "06", "complete"));
    mkdirSync(path.join(dir, "broken"));
    writeFileSync(path.join(dir, "broken", "manifest.json"), "{ not json");
    mkdirSync(path.join(dir, "empty-folder"));

    const source = await classifyPath(dir);
    expect(source.kind).toBe("results");
    const read = await readSource(source, options);
    expect(read.cases.map((c) => c.manifest.runId).sort()).toEqual(["20250103-100000-x-beef", "20250104-100000-y-beef", "20250106-100000-z-beef"]);
    expect(read.cases.find((c) => c.manifest.scenario.name === "z")?.runDir).toBe(path.join(dir, "study-20250106", "20250106-100000-z-beef"));
    expect(read.notes).toContain(`y: no complete run in ${dir}; the latest (20250104-100000-y-beef, interrupted) is shown.`);
    expect(read.notes.some((n) => n.startsWith(`Skipped ${path.join(dir, "broken")}`) && n.includes("not valid JSON"))).toBe(true);
  });

  it("read one run directory, or its manifest.json", async () => {
    const dir = tempDir("one");
    const runDir = writeRun(dir, studyRun(TABLE1.mig, { name: "one" }));
    for (const given of [runDir, path.join(runDir, "manifest.json")]) {
      const source = await classifyPath(given);
      expect(source.kind).toBe("run");
      const read = await readSource(source, options);
      expect(read.cases.map((c) => [c.manifest.scenario.name, c.runDir])).toEqual([["one", runDir]]);
    }
  });

  it("import a published table in memory, writing nothing", async () => {
    const csv = path.join(root, "reports/data/seed-table1.csv");
    const source = await classifyPath(csv);
    expect(source.kind).toBe("import");
    const read = await readSource(source, options);
    expect(read.cases.map((c) => c.manifest.scenario.name)).toEqual(["table1-a100-mig-7x1g", "table1-a100-nomig-7-parallel", "table1-a100-nomig-7-serial", "table1-t4-7-serial"]);
    expect(read.cases.every((c) => c.runDir === null && c.manifest.origin.kind === "imported" && c.manifest.origin.importedAt === "2026-01-01T00:00:00.000Z")).toBe(true);
  });

  it("refuse what is not there, an empty folder and a malformed table, naming the file", async () => {
    const dir = tempDir("bad");
    await expect(classifyPath(path.join(dir, "missing"))).rejects.toThrow(`${path.join(dir, "missing")}: not found`);
    await expect(readSource(await classifyPath(dir), options)).rejects.toThrow(`${dir}: no run directories found (a run directory holds manifest.json)`);
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, "case,gpu,schedule,role,unit,1\nx,T4,sideways,time,s,1\n");
    await expect(readSource(await classifyPath(bad), options)).rejects.toThrow(/bad\.csv:2: schedule: expected parallel or serial/);
  });
});
