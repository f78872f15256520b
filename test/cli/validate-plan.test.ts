import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bench, root, tempDir } from "./helpers.js";

const scenarioFiles = readdirSync(path.join(root, "scenarios"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => path.join("scenarios", f))
  .sort();

describe("bench validate", () => {
  it("accepts every scenario in scenarios/ with exit 0", async () => {
    expect(scenarioFiles.length).toBeGreaterThanOrEqual(20);
    const result = await bench(["validate", ...scenarioFiles]);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout).trim().split("\n")).toEqual(scenarioFiles.map((f) => `${f}: ok`));
  });

  it("prints every problem as file:line:col: message and exits 2", async () => {
    const dir = tempDir("validate");
    const file = path.join(dir, "broken.yaml");
    writeFileSync(
      file,
      [
        "name: broken",
        "gpu: { model: A100-SXM4-40GB }",
        "layout:",
        "  mig: true",
        "  gpuInstances:",
        "    - { profile: 1g.5gb, count: 8 }",
        "workloads:",
        "  w: { command: [echo], parser: jsonl, metrics: { time: { key: t } } }",
        "run: [{ workload: w }]",
        "schedule: paralel",
        "",
      ].join("\n"),
    );
    const result = await bench(["validate", file, "scenarios/quickstart.yaml"]);
    expect(result.exitCode).toBe(2);
    const lines = String(result.stdout).trim().split("\n");
    expect(lines).toContain("scenarios/quickstart.yaml: ok");
    const problems = lines.filter((l) => l.startsWith(file));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^${file}:6:7: .*8 x 1g\\.5gb requested`));
    expect(problems[1]).toMatch(new RegExp(`^${file}:10:11: .*did you mean "parallel"`));
  });

  it("exits 2 for a file that does not exist", async () => {
    const result = await bench(["validate", "no/such/file.yaml"]);
    expect(result.exitCode).toBe(2);
    expect(String(result.stdout)).toMatch(/^no\/such\/file\.yaml:1:1: /);
  });
});

describe("bench plan", () => {
  it("accepts every scenario", async () => {
    for (const file of scenarioFiles) {
      const result = await bench(["plan", file, "--json"]);
      expect(result.exitCode, `${file}: ${String(result.stderr)}`).toBe(0);
      // A multi-case file prints one {case, plan} per case.
      const parsed = JSON.parse(String(result.stdout)) as { instances: unknown[] } | { case: string; plan: { instances: unknown[] } }[];
      const plans = Array.isArray(parsed) ? parsed.map((p) => p.plan) : [parsed];
      for (const plan of plans) expect(plan.instances.length, file).toBeGreaterThan(0);
    }
  });

  it("plans each case of a multi-case file, or the one --case names", async () => {
    const all = await bench(["plan", "scenarios/quickstart.yaml", "--json"]);
    const cases = JSON.parse(String(all.stdout)) as { case: string; plan: { mig: unknown; schedule: string } }[];
    expect(cases.map((c) => [c.case, c.plan.mig !== null, c.plan.schedule])).toEqual([
      ["quickstart-mig-7x1g", true, "parallel"],
      ["quickstart-nomig-7-parallel", false, "parallel"],
      ["quickstart-nomig-7-serial", false, "serial"],
    ]);
    const one = await bench(["plan", "scenarios/quickstart.yaml", "--case", "quickstart-nomig-7-serial"]);
    expect(String(one.stdout)).toContain("Schedule: serial");
    const typo = await bench(["plan", "scenarios/quickstart.yaml", "--case", "quickstart-nomig-7-seria"]);
    expect(typo.exitCode).toBe(2);
    expect(String(typo.stderr)).toContain('no case named "quickstart-nomig-7-seria"; did you mean "quickstart-nomig-7-serial"?');
  });

  it("places the mixed layout's 3g at slot 4 and creates it first", async () => {
    const result = await bench(["plan", "scenarios/a100-40gb/mixed-3g-4x1g.yaml", "--json"]);
    const plan = JSON.parse(String(result.stdout)) as {
      mig: { gpuInstances: { key: string; profileName: string; start: number }[]; creationOrder: number[] };
    };
    const big = plan.mig.gpuInstances.find((gi) => gi.profileName === "3g.20gb");
    expect(big?.start).toBe(4);
    expect(plan.mig.creationOrder[0]).toBe(plan.mig.gpuInstances.indexOf(big as never));
    expect(plan.mig.gpuInstances.filter((gi) => gi.profileName === "1g.5gb").map((gi) => gi.start).sort()).toEqual([0, 1, 2, 3]);
  });

  it("prints a slot diagram, the -cgi command and the schedule as text", async () => {
    const result = await bench(["plan", "scenarios/a100-40gb/table1-mig-7x1g.yaml"]);
    expect(result.exitCode).toBe(0);
    const text = String(result.stdout);
    expect(text).toContain("  0 1 2 3 4 5 6 7");
    expect(text).toContain("  . . . . . . # .   gi0");
    expect(text).toContain("nvidia-smi mig -i 0 -cgi 19,19,19,19,19,19,19 -C");
    expect(text).toMatch(/Schedule: parallel, 3 repetition\(s\)/);
  });
});

describe("bench profiles and schema", () => {
  it("lists the H100's profiles with placements and compute-instance profiles", async () => {
    const result = await bench(["profiles", "NVIDIA H100 80GB HBM3"]);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toMatch(/^9\s+3g\.40gb\s+\{0,4\}:4\s+2\s+60\s+39\.50\s+1c\.3g\.40gb 2c\.3g\.40gb 3g\.40gb\*$/m);
  });
  it("rejects an unknown model with exit 2", async () => {
    const result = await bench(["profiles", "V100"]);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('unknown GPU model "V100"');
  });
  it("prints the JSON Schema the scenario files point at", async () => {
    const result = await bench(["schema"]);
    const schema = JSON.parse(String(result.stdout)) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["gpu", "layout", "workloads", "run", "schedule"]));
  });
});
