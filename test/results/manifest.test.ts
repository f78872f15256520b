import { describe, expect, it } from "vitest";
import { ManifestError, formatIssuePath, parseManifest, planSchema, validateManifest } from "../../src/results/index.js";
import { makeManifest, makePlan } from "./fixtures.js";

const base = (): ReturnType<typeof makeManifest> =>
  makeManifest({ schedule: "parallel", mig: true, repetitions: 2, warmup: 1, metrics: { time: { key: "e2e_train_time", unit: "s", value: () => 1 } } });

/** A JSON copy, editable as plain data. */
const raw = (): Record<string, unknown> => JSON.parse(JSON.stringify(base())) as Record<string, unknown>;

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as Error).message;
  }
  throw new Error("expected a ManifestError");
}

describe("run manifest schema", () => {
  it("reads the current version", () => {
    const m = parseManifest(raw(), "r/manifest.json");
    expect(m.schemaVersion).toBe(2);
    expect(m.executions).toHaveLength(21);
    expect(m).toEqual(JSON.parse(JSON.stringify(base())));
  });

  it("stores a Plan and reads it back unchanged", () => {
    const plan = makePlan({ schedule: "serial", mig: false, metrics: {} });
    expect(planSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(JSON.parse(JSON.stringify(plan)));
  });

  it("ignores fields a later version-2 writer added", () => {
    const m = { ...raw(), futureField: { x: 1 } };
    expect(() => parseManifest(m)).not.toThrow();
  });

  it("rejects a future schemaVersion with a clear message", () => {
    const message = problemsOf(() => parseManifest({ ...raw(), schemaVersion: 3 }, "runs/x/manifest.json"));
    expect(message).toBe(
      "runs/x/manifest.json: run manifest schemaVersion 3 cannot be read: this migbench reads versions up to 2; it was written by a newer migbench; upgrade migbench to read it",
    );
  });

  it("rejects files that are not manifests", () => {
    expect(problemsOf(() => parseManifest([], "f.json"))).toBe("f.json: not a run manifest: expected a JSON object");
    const { schemaVersion: _drop, ...noVersion } = raw();
    expect(problemsOf(() => parseManifest(noVersion, "f.json"))).toMatch(/schemaVersion is missing/);
    expect(problemsOf(() => parseManifest({ ...raw(), schemaVersion: "1" }, "f.json"))).toMatch(/schemaVersion is missing or not a positive integer/);
  });

  it("names the zod path of each problem", () => {
    const m = raw();
    const executions = m["executions"] as Record<string, unknown>[];
    executions[3]!["status"] = "exploded";
    (executions[4]!["metrics"] as Record<string, Record<string, unknown>>)["time"]!["value"] = "fast";
    const message = problemsOf(() => parseManifest(m, "run/manifest.json"));
    expect(message).toMatch(/^run\/manifest\.json: invalid run manifest:\n/);
    expect(message).toContain("  - at executions[3].status: ");
    expect(message).toContain("  - at executions[4].metrics.time.value: ");
  });

  it("rejects a log path that leaves the run directory", () => {
    const m = raw();
    (m["executions"] as Record<string, unknown>[])[0]!["log"] = "../../etc/passwd";
    expect(problemsOf(() => parseManifest(m))).toContain("at executions[0].log: path must stay inside the run directory");
    (m["executions"] as Record<string, unknown>[])[0]!["log"] = "/etc/passwd";
    expect(problemsOf(() => parseManifest(m))).toContain("at executions[0].log: expected a '/'-separated path");
  });

  it("checks cross-references: instance, column, device, warm-up numbering, duplicates", () => {
    const m = raw();
    const ex = m["executions"] as Record<string, unknown>[];
    ex[0]!["instanceId"] = "nope.1";
    ex[1]!["column"] = 5;
    ex[2]!["device"] = "gi9.ci0";
    ex[3]!["warmup"] = false;
    ex[8]!["instanceId"] = ex[7]!["instanceId"];
    ex[8]!["column"] = ex[7]!["column"];
    const message = problemsOf(() => parseManifest(m));
    expect(message).toContain("at executions[0].instanceId: 'nope.1' is not an instance of the plan");
    expect(message).toContain("at executions[1].column: instance 'bert-base-squad.2' is column 2 in the plan, not 5");
    expect(message).toContain("at executions[2].device: 'gi9.ci0' is not one of the recorded devices");
    expect(message).toContain("at executions[3].warmup: repetition 0 is a warm-up (the plan has 1 warm-up repetitions first)");
    expect(message).toContain("at executions[8].instanceId: 'bert-base-squad.1' appears twice in repetition 1");
  });

  it("validateManifest catches a bad manifest before it is written", () => {
    const m = base();
    m.scenario.sha256 = "not-a-hash";
    expect(() => validateManifest(m, "x/manifest.json")).toThrow(/x\/manifest\.json: at scenario\.sha256: expected a lowercase hex sha256/);
  });
});

describe("formatIssuePath", () => {
  it("writes paths the way a person looks them up", () => {
    expect(formatIssuePath(["executions", 3, "metrics", "time", "value"])).toBe("executions[3].metrics.time.value");
    expect(formatIssuePath([])).toBe("(top level)");
  });
});
