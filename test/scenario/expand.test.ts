import { describe, expect, it } from "vitest";
import { requireModel } from "../../src/gpu/catalog/index.js";
import { expandGpuInstances } from "../../src/scenario/expand.js";
import { loadScenarioFile } from "../../src/scenario/index.js";
import type { GpuInstanceSpec } from "../../src/scenario/schema.js";
import type { ExpandedGi } from "../../src/scenario/types.js";

const a100 = requireModel("A100-SXM4-40GB");
const spec = (s: Partial<GpuInstanceSpec> & { profile: string }): GpuInstanceSpec => ({ count: 1, ...s });

/** `key profile [name]: ci-key ci-profile, ...` per GI: the shape at a glance. */
const outline = (gis: readonly ExpandedGi[]): string[] =>
  gis.map(
    (gi) =>
      `${gi.key} ${gi.profileName}${gi.name ? ` [${gi.name}]` : ""}: ` +
      gi.computeInstances.map((ci) => `${ci.key} ${ci.profileName}${ci.name ? ` [${ci.name}]` : ""}`).join(", "),
  );

describe("expandGpuInstances", () => {
  it("turns count: 7 into gi0..gi6, each with its default compute instance", () => {
    const gis = expandGpuInstances(a100, [spec({ profile: "1g.5gb", count: 7 })]);
    expect(outline(gis)).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `gi${n} 1g.5gb: gi${n}.ci0 1g.5gb`));
    expect(gis[6]).toEqual({
      key: "gi6",
      profileId: 19,
      profileName: "1g.5gb",
      computeInstances: [{ key: "gi6.ci0", profileId: 0, profileName: "1g.5gb", computeSlices: 1, sourcePath: ["layout", "gpuInstances", 0] }],
      sourcePath: ["layout", "gpuInstances", 0],
    });
  });

  it("keeps the written order across entries, keeps names (shared by the copies) and records each entry's path", () => {
    const gis = expandGpuInstances(a100, [spec({ name: "big", profile: "3g.20gb" }), spec({ name: "small", profile: "1g.5gb", count: 4 })]);
    expect(outline(gis)).toEqual([
      "gi0 3g.20gb [big]: gi0.ci0 3g.20gb",
      "gi1 1g.5gb [small]: gi1.ci0 1g.5gb",
      "gi2 1g.5gb [small]: gi2.ci0 1g.5gb",
      "gi3 1g.5gb [small]: gi3.ci0 1g.5gb",
      "gi4 1g.5gb [small]: gi4.ci0 1g.5gb",
    ]);
    expect(gis.map((gi) => gi.sourcePath[2])).toEqual([0, 1, 1, 1, 1]);
    expect(gis[0]?.computeInstances[0]?.computeSlices).toBe(3);
  });

  it("expands two-level partitioning: GIs holding 4, 1 and 1 compute instances", () => {
    const gis = expandGpuInstances(a100, [
      spec({ profile: "4g.20gb", computeInstances: [{ profile: "1c.4g.20gb", count: 4 }] }),
      spec({ profile: "1g.5gb", count: 2 }),
    ]);
    expect(outline(gis)).toEqual([
      "gi0 4g.20gb: gi0.ci0 1c.4g.20gb, gi0.ci1 1c.4g.20gb, gi0.ci2 1c.4g.20gb, gi0.ci3 1c.4g.20gb",
      "gi1 1g.5gb: gi1.ci0 1g.5gb",
      "gi2 1g.5gb: gi2.ci0 1g.5gb",
    ]);
    expect(gis[0]?.computeInstances[3]?.sourcePath).toEqual(["layout", "gpuInstances", 0, "computeInstances", 0]);
  });

  it("numbers compute instances per GI across CI entries, keeps CI names and pinned starts", () => {
    const gis = expandGpuInstances(a100, [
      spec({
        profile: "7g.40gb",
        start: 0,
        computeInstances: [
          { name: "pair", profile: "2c.7g.40gb", count: 2 },
          { name: "triple", profile: "3c.7g.40gb", count: 1 },
        ],
      }),
    ]);
    expect(outline(gis)).toEqual(["gi0 7g.40gb: gi0.ci0 2c.7g.40gb [pair], gi0.ci1 2c.7g.40gb [pair], gi0.ci2 3c.7g.40gb [triple]"]);
    expect(gis[0]?.start).toBe(0);
    expect(gis[0]?.computeInstances[2]?.sourcePath).toEqual(["layout", "gpuInstances", 0, "computeInstances", 1]);
  });

  it("resolves profiles given by numeric id to their catalog names", () => {
    expect(outline(expandGpuInstances(a100, [spec({ profile: "9" })]))).toEqual(["gi0 3g.20gb: gi0.ci0 3g.20gb"]);
  });

  it("throws on a profile the checks should have rejected", () => {
    expect(() => expandGpuInstances(a100, [spec({ profile: "3g.40gb" })])).toThrow(/no GPU instance profile "3g.40gb"/);
  });
});

describe("loaded scenarios carry their expansion", () => {
  it("two-level.yaml: six MIG devices in three GPU instances", async () => {
    const result = await loadScenarioFile("scenarios/a100-40gb/two-level.yaml");
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(outline(result.scenario.gpuInstances)).toEqual([
      "gi0 4g.20gb [quad]: gi0.ci0 1c.4g.20gb, gi0.ci1 1c.4g.20gb, gi0.ci2 1c.4g.20gb, gi0.ci3 1c.4g.20gb",
      "gi1 1g.5gb [single]: gi1.ci0 1g.5gb",
      "gi2 1g.5gb [single]: gi2.ci0 1g.5gb",
    ]);
  });

  it("H100 two-level uses the H100 names", async () => {
    const result = await loadScenarioFile("scenarios/h100-80gb/two-level.yaml");
    expect(result.ok && outline(result.scenario.gpuInstances)[0]).toBe(
      "gi0 4g.40gb [quad]: gi0.ci0 1c.4g.40gb, gi0.ci1 1c.4g.40gb, gi0.ci2 1c.4g.40gb, gi0.ci3 1c.4g.40gb",
    );
  });

  it("no MIG: no GPU instances", async () => {
    const result = await loadScenarioFile("scenarios/quickstart-serial.yaml");
    expect(result.ok && result.scenario.gpuInstances).toEqual([]);
  });
});
