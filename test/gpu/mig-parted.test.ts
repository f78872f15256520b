/** mig-parted configs in and out, the LAYOUT shorthand, and scenarios that take their layout from mig-parted. */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requireModel } from "../../src/gpu/catalog/index.js";
import { layoutFromMigParted, migDevicesOf, parseMigParted, renderMigParted, roundTrips, MigPartedError } from "../../src/gpu/mig-parted/index.js";
import { parseLayoutShorthand, wantedFromEntries, type WantedLayout } from "../../src/gpu/partition/index.js";
import { loadScenarioText } from "../../src/scenario/index.js";
import { removeTempDirs, tempDir, wantedOfScenario } from "./partition/harness.js";

afterAll(removeTempDirs);

const a100 = requireModel("A100-SXM4-40GB");
const h100 = requireModel("H100-SXM5-80GB");

/** The shape of NVIDIA's published example configs (GPU Operator's default ConfigMap). */
const NVIDIA_EXAMPLE = `version: v1
mig-configs:
  all-disabled:
    - devices: all
      mig-enabled: false

  all-enabled:
    - devices: all
      mig-enabled: true
      mig-devices: {}

  all-1g.5gb:
    - devices: all
      mig-enabled: true
      mig-devices:
        "1g.5gb": 7

  all-balanced:
    - device-filter: ["0x20B010DE", "0x20B110DE"]
      devices: all
      mig-enabled: true
      mig-devices:
        "1g.5gb": 2
        "2g.10gb": 1
        "3g.20gb": 1
    - device-filter: "0x233010DE"
      devices: all
      mig-enabled: true
      mig-devices:
        "1g.10gb": 2
        "2g.20gb": 1
        "3g.40gb": 1

  custom-config:
    - devices: [0, 1, 2, 3]
      mig-enabled: false
    - devices: [4]
      mig-enabled: true
      mig-devices:
        "1c.4g.20gb": 4
        "1g.5gb": 2
`;

const shapes = (entries: { profile: string; count: number; computeInstances?: readonly { profile: string; count: number }[] }[]): string[] =>
  entries.map((e) => `${e.count}x${e.profile}${e.computeInstances ? `[${e.computeInstances.map((c) => `${c.count}x${c.profile}`).join(",")}]` : ""}`);

describe("reading mig-parted configs", () => {
  const config = parseMigParted(NVIDIA_EXAMPLE, "example.yaml");

  it("reads NVIDIA's example and packs devices into GPU instances as mig-parted does", () => {
    const one = layoutFromMigParted(config, "all-1g.5gb", 0, a100);
    expect("entries" in one && shapes(one.entries)).toEqual(["7x1g.5gb"]);
    const custom = layoutFromMigParted(config, "custom-config", 4, a100);
    expect("entries" in custom && shapes(custom.entries)).toEqual(["1x4g.20gb[4x1c.4g.20gb]", "2x1g.5gb"]);
    expect(layoutFromMigParted(config, "custom-config", 0, a100)).toEqual({ mig: false, entries: [] });
  });

  it("picks, among entries for other boards, the one whose profile names this model has", () => {
    const onA100 = layoutFromMigParted(config, "all-balanced", 0, a100);
    expect("entries" in onA100 && shapes(onA100.entries)).toEqual(["1x3g.20gb", "1x2g.10gb", "2x1g.5gb"]);
    const onH100 = layoutFromMigParted(config, "all-balanced", 0, h100);
    expect("entries" in onH100 && shapes(onH100.entries)).toEqual(["1x3g.40gb", "1x2g.20gb", "2x1g.10gb"]);
  });

  it("says what is wrong: unknown config, GPU without an entry, names that drifted", () => {
    expect(layoutFromMigParted(config, "nope", 0, a100)).toEqual({ problems: [expect.stringMatching(/^no config "nope"; the file has: all-disabled, all-enabled, all-1g\.5gb/)] });
    expect(layoutFromMigParted(config, "custom-config", 7, a100)).toEqual({ problems: [expect.stringMatching(/has no entry for GPU 7/)] });
    const drifted = parseMigParted('version: v1\nmig-configs:\n  x:\n    - devices: all\n      mig-enabled: true\n      mig-devices: { "1g.12gb": 7 }\n', "d.yaml");
    expect(layoutFromMigParted(drifted, "x", 0, h100)).toEqual({ problems: ['"1g.12gb" is not a MIG profile of the H100-SXM5-80GB; its 1g profiles: 1g.10gb, 1g.10gb+me, 1g.20gb'] });
  });

  it("rejects files mig-parted would reject, listing every problem", () => {
    const bad = "version: v1\nmig-configs:\n  a:\n    - devices: all\n      mig-enabled: true\n  b:\n    - devices: some\n      mig-enabled: false\n      extra: 1\n";
    const error = (() => {
      try {
        parseMigParted(bad, "bad.yaml");
      } catch (e) {
        return e as MigPartedError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MigPartedError);
    expect(error?.problems).toEqual([
      expect.stringMatching(/^mig-configs\.a\.0\.mig-devices: required when mig-enabled is true/),
      expect.stringMatching(/^mig-configs\.b\.0\.devices:/),
      expect.stringMatching(/^mig-configs\.b\.0: Unrecognized key: "extra"/),
    ]);
    expect(() => parseMigParted("version: v2\nmig-configs: {}\n", "v2.yaml")).toThrow(/version: Invalid input: expected "v1"/);
  });
});

describe("writing mig-parted configs", () => {
  const scenarioFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? scenarioFiles(path.join(dir, e.name)) : e.name.endsWith(".yaml") ? [path.join(dir, e.name)] : []));

  it("round-trips every MIG scenario in scenarios/ through a config mig-parted reads back to the same layout", async () => {
    let exported = 0;
    for (const file of scenarioFiles("scenarios")) {
      const { wanted } = await wantedOfScenario(file);
      if (!wanted.mig) continue;
      const model = requireModel(wanted.model);
      const gis = wanted.gpuInstances.map((gi) => ({ profileName: gi.profileName, computeInstances: gi.computeInstances }));
      expect(roundTrips(model, gis), file).toEqual({ ok: true });
      const text = renderMigParted("study", [0], migDevicesOf(gis));
      const back = layoutFromMigParted(parseMigParted(text, file), "study", 0, model);
      if (!("entries" in back)) throw new Error(file);
      const again = wantedFromEntries(model, back.entries);
      const shape = (w: WantedLayout): string[] => (w.mig ? w.gpuInstances.map((gi) => `${gi.profileName}[${gi.computeInstances.map((c) => c.profileName).join(",")}]`).sort() : []);
      expect(shape(again), file).toEqual(shape(wanted));
      exported++;
    }
    expect(exported).toBeGreaterThanOrEqual(10);
    expect(renderMigParted("two-level", [0], { "1g.5gb": 2, "1c.4g.20gb": 4 })).toBe(
      'version: v1\nmig-configs:\n  two-level:\n    - devices: [0]\n      mig-enabled: true\n      mig-devices:\n        "1c.4g.20gb": 4\n        "1g.5gb": 2\n',
    );
  });

  it("refuses a layout mig-parted would pack differently", () => {
    const gis = [
      { profileName: "3g.20gb", computeInstances: Array(3).fill({ profileName: "1c.3g.20gb", isDefault: false }) },
      { profileName: "3g.20gb", computeInstances: [{ profileName: "2c.3g.20gb", isDefault: false }] },
    ];
    expect(roundTrips(a100, gis)).toEqual({ ok: false, built: "3g.20gb[1c.3g.20gb,1c.3g.20gb] + 3g.20gb[1c.3g.20gb,2c.3g.20gb]" });
  });
});

describe("the LAYOUT shorthand", () => {
  it("reads counts, names, ids, pins, +me and compute-instance profiles", () => {
    expect(shapes(parseLayoutShorthand(a100, "3g.20gb+4x1g.5gb"))).toEqual(["1x3g.20gb", "4x1g.5gb"]);
    expect(shapes(parseLayoutShorthand(a100, "7x19"))).toEqual(["7x19"]);
    expect(parseLayoutShorthand(a100, "3g.20gb@0+2x2g.10gb")).toEqual([{ profile: "3g.20gb", count: 1, start: 0 }, { profile: "2g.10gb", count: 2 }]);
    expect(shapes(parseLayoutShorthand(a100, "1g.5gb+me+3x1g.5gb"))).toEqual(["1x1g.5gb+me", "3x1g.5gb"]);
    expect(shapes(parseLayoutShorthand(a100, "4x1c.4g.20gb+2x1g.5gb"))).toEqual(["2x1g.5gb", "1x4g.20gb[4x1c.4g.20gb]"]);
  });
  it("says what is wrong", () => {
    expect(() => parseLayoutShorthand(a100, "3g.40gb")).toThrow(/A100-SXM4-40GB has no MIG profile "3g\.40gb"; its GPU instance profiles: 1g\.5gb/);
    expect(() => wantedFromEntries(a100, parseLayoutShorthand(a100, "8x1g.5gb"))).toThrow(/8 x 1g\.5gb requested; the A100-SXM4-40GB holds at most 7/);
    expect(() => parseLayoutShorthand(a100, "2x1c.4g.20gb@0")).toThrow(/a compute-instance profile has no memory slot/);
  });
});

describe("a scenario whose layout comes from a mig-parted config", () => {
  const dir = tempDir("migparted");
  writeFileSync(path.join(dir, "mig-parted.yaml"), NVIDIA_EXAMPLE);
  const scenario = (layout: string): string =>
    [
      "name: from-mig-parted",
      "gpu: { model: A100-SXM4-40GB, index: 4 }",
      layout,
      "workloads:",
      "  w: { command: [node, x.js], parser: jsonl, metrics: { time: { key: t } } }",
      "run:",
      "  - { workload: w, on: each-mig-device }",
    ].join("\n");

  it("resolves the file next to the scenario and packs it like mig-parted", () => {
    const result = loadScenarioText(scenario("layout:\n  mig: true\n  migParted: { file: mig-parted.yaml, config: custom-config }"), path.join(dir, "s.yaml"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scenario.gpuInstances.map((gi) => `${gi.profileName}:${gi.computeInstances.length}`)).toEqual(["4g.20gb:4", "1g.5gb:1", "1g.5gb:1"]);
  });

  it("points problems at migParted, naming the file", () => {
    const at = (layout: string): string[] => {
      const result = loadScenarioText(scenario(layout), path.join(dir, "s.yaml"));
      return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    };
    expect(at("layout:\n  mig: true\n  migParted: { file: missing.yaml, config: x }")).toEqual([expect.stringMatching(/^5:22: cannot read the mig-parted config .*missing\.yaml: file not found$/)]);
    expect(at("layout:\n  mig: true\n  migParted: { file: mig-parted.yaml, config: all-1g.10gb }")).toEqual([expect.stringMatching(/^5:47: mig-parted\.yaml: no config "all-1g\.10gb"; the file has:/)]);
    expect(at("layout:\n  mig: true\n  migParted: { file: mig-parted.yaml, config: custom-config }\n  gpuInstances: [{ profile: 1g.5gb }]")).toEqual(["5:3: give either gpuInstances or migParted, not both"]);
    expect(at("layout:\n  mig: true")).toEqual([expect.stringMatching(/^4:3: a MIG layout names its instances: gpuInstances: \[\.\.\.\], or migParted: \{ file, config \}$/)]);
  });
});
