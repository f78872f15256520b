import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatProblem, loadScenarioFile } from "../../src/scenario/index.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const scenariosDir = join(repo, "scenarios");
const files = readdirSync(scenariosDir, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
  .map((f) => join(scenariosDir, f))
  .sort();

describe("the scenarios shipped in scenarios/", () => {
  it("are all there: the study's cases for A100-40GB and H100-80GB, the T4 rows, the quickstarts", () => {
    const names = files.map((f) => relative(scenariosDir, f));
    const studyCases = ["table1-mig-7x1g", "table1-nomig-7-parallel", "table1-nomig-7-serial", "table2-nomig-7-serial",
      "table2-mig-1x1g-serial", "table2-mig-7x1g-parallel", "mixed-3g-4x1g", "two-level"];
    for (const gpu of ["a100-40gb", "h100-80gb"]) for (const c of studyCases) expect(names).toContain(join(gpu, `${c}.yaml`));
    expect(names).toEqual(expect.arrayContaining(["t4/table1-serial.yaml", "t4/table2-serial.yaml", "quickstart.yaml", "quickstart-mig.yaml", "quickstart-serial.yaml"]));
  });

  it.each(files.map((f) => [relative(repo, f), f]))("%s loads without problems", async (_name, file) => {
    const result = await loadScenarioFile(file);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });

  it.each(files.map((f) => [relative(repo, f), f]))("%s starts with a schema modeline that resolves", (_name, file) => {
    const first = readFileSync(file, "utf8").split("\n")[0] ?? "";
    const match = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
    expect(match, first).not.toBeNull();
    expect(resolve(dirname(file), match?.[1] ?? "")).toBe(join(repo, "scenario.schema.json"));
    expect(existsSync(join(repo, "scenario.schema.json"))).toBe(true);
  });

  it("have unique names (they name run directories)", async () => {
    const names = await Promise.all(files.map(async (f) => {
      const r = await loadScenarioFile(f);
      return r.ok ? r.scenario.doc.name : f;
    }));
    expect(new Set(names).size).toBe(names.length);
  });
});
