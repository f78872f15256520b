import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatProblem, loadScenarioFile, loadScenarioText } from "../../src/scenario/index.js";

const FILE = "s.yaml";
const fixture = (name: string): string => `test/fixtures/scenarios/broken/${name}`;

/** The `file:line:col: message` lines of a scenario, or [] when it is valid. */
function problems(text: string): string[] {
  const result = loadScenarioText(text, FILE);
  return result.ok ? [] : result.problems.map(formatProblem);
}

const MIG_7X1G = `layout:
  mig: true
  gpuInstances:
    - { profile: 1g.5gb, count: 7 }`;

/**
 * A small valid scenario; tests change one line of it. With the default layout the lines are: 1 name,
 * 2 gpu, 3-6 layout, 7 workloads, 8 infer, 9 command, 10 parser, 11 metrics, 12 run, 13 the run entry,
 * 14 whatever `rest` adds.
 */
function scenario({ layout = MIG_7X1G, model = "A100-SXM4-40GB", run = "- { workload: infer }", rest = "" } = {}): string {
  return `name: t
gpu: { model: ${model} }
${layout}
workloads:
  infer:
    command: [python, infer.py]
    parser: jsonl
    metrics: { latency: { key: latency_ms } }
run:
  ${run}
${rest}`;
}

describe("loadScenarioText: a valid scenario", () => {
  it("returns the checked scenario with text, sha256, doc with defaults, model and expanded layout", () => {
    const text = scenario();
    const result = loadScenarioText(text, FILE);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const { scenario: s } = result;
    expect(s.file).toBe(FILE);
    expect(s.text).toBe(text);
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.model.id).toBe("A100-SXM4-40GB");
    expect(s.doc.schedule).toBe("parallel");
    expect(s.doc.repetitions).toBe(1);
    expect(s.doc.run[0]).toEqual({ workload: "infer", on: "each-mig-device", copies: 1 });
    expect(s.gpuInstances.map((gi) => gi.key)).toEqual(["gi0", "gi1", "gi2", "gi3", "gi4", "gi5", "gi6"]);
  });

  it("accepts a profile by its numeric id and an nvidia-smi model name", () => {
    const text = scenario({ model: "NVIDIA A100-SXM4-40GB", layout: "layout:\n  mig: true\n  gpuInstances:\n    - { profile: 19, count: 2 }" });
    const result = loadScenarioText(text, FILE);
    expect(result.ok && result.scenario.gpuInstances.map((gi) => gi.profileName)).toEqual(["1g.5gb", "1g.5gb"]);
  });

  it("hashes the text: the same text, the same sha256; another text, another", () => {
    const hash = (text: string): string | undefined => {
      const r = loadScenarioText(text, FILE);
      return r.ok ? r.scenario.sha256 : undefined;
    };
    expect(hash(scenario())).toBe(hash(scenario()));
    expect(hash(scenario())).not.toBe(hash(scenario({ rest: "repetitions: 2\n" })));
  });
});

describe("loadScenarioText: schema problems, with positions", () => {
  it("unknown top-level key, with a suggestion", () => {
    expect(problems(scenario({ rest: "schedul: serial\n" }))).toEqual([`${FILE}:14:1: unknown key "schedul"; did you mean "schedule"?`]);
  });

  it("unknown nested key, with a suggestion and without a redundant 'missing' for the key it meant", () => {
    const layout = "layout:\n  mig: true\n  gpuInstance:\n    - { profile: 1g.5gb, count: 7 }";
    expect(problems(scenario({ layout }))).toEqual([`${FILE}:5:3: unknown key "gpuInstance"; did you mean "gpuInstances"?`]);
  });

  it("unknown nested key far from any known one lists the keys that are allowed", () => {
    const text = scenario().replace("    parser: jsonl\n", "    parser: jsonl\n    restartPolicy: always\n");
    expect(problems(text)).toEqual([
      `${FILE}:11:5: unknown key "restartPolicy"; expected one of description, image, command, workdir, env, docker, parser, metrics, timeout, startBarrier`,
    ]);
  });

  it("misspelled enum value, with a suggestion", () => {
    expect(problems(scenario({ rest: "schedule: paralel\n" }))).toEqual([
      `${FILE}:14:11: expected one of parallel, serial; got "paralel"; did you mean "parallel"?`,
    ]);
  });

  it("wrong type", () => {
    expect(problems(scenario({ rest: "repetitions: three\n" }))).toEqual([`${FILE}:14:14: expected a number; got "three"`]);
    expect(problems(scenario({ rest: "repetitions: 2.5\n" }))).toEqual([`${FILE}:14:14: expected a whole number; got 2.5`]);
  });

  it("negative repetitions", () => {
    expect(problems(scenario({ rest: "repetitions: -1\n" }))).toEqual([`${FILE}:14:14: expected at least 1; got -1`]);
  });

  it("bad duration", () => {
    expect(problems(scenario({ rest: "timeout: 4hours\n" }))).toEqual([
      `${FILE}:14:10: expected a duration such as 90s, 30m, 4h or 1h30m; got "4hours"`,
    ]);
  });

  it("a workload's startBarrier: true, or a timeout; nothing else", () => {
    const withBarrier = (value: string) => scenario().replace("    parser: jsonl\n", `    parser: jsonl\n    startBarrier: ${value}\n`);
    for (const value of ["true", "false", "{ timeout: 2m }"]) expect(problems(withBarrier(value)), value).toEqual([]);
    const loaded = loadScenarioText(withBarrier("{ timeout: 90s }"), FILE);
    expect(loaded.ok && loaded.scenario.doc.workloads.infer?.startBarrier).toEqual({ timeout: "90s" });
    expect(problems(withBarrier("{ timeout: soon }"))).toEqual([`${FILE}:11:30: expected a duration such as 90s, 30m, 4h or 1h30m; got "soon"`]);
    expect(problems(withBarrier("yes please"))).toHaveLength(1);
  });

  it("missing keys point at the mapping that lacks them, and say what the key is for", () => {
    expect(problems("# a comment first\nname: t\ngpu:\n  index: 0\nlayout: {}\n")).toEqual([
      `${FILE}:2:1: missing required key "workloads"`,
      `${FILE}:2:1: missing required key "run"`,
      `${FILE}:4:3: missing required key "model" (catalog id or nvidia-smi name, e.g. A100-SXM4-40GB)`,
      `${FILE}:5:9: missing required key "mig"; set it to false or true`,
    ]);
  });

  it("gpuInstances under mig: false says which variant takes it", () => {
    expect(problems(scenario({ layout: "layout: { mig: false, gpuInstances: [] }", run: "- { workload: infer, on: full-gpu }" }))).toEqual([
      `${FILE}:3:23: key "gpuInstances" is allowed only with mig: true; remove it or set mig: true`,
    ]);
  });

  it("a value of the wrong kind in a union, an invalid name, an empty value, an empty file", () => {
    expect(problems(scenario({ run: "- { workload: infer, on: 5 }" }))).toEqual([`${FILE}:13:28: expected a string or a list; got 5`]);
    expect(problems(scenario({ run: "- { workload: Bad Name }" }))).toEqual([
      `${FILE}:13:17: use letters, digits, '.', '_' and '-' only, starting with a letter or digit; got "Bad Name"`,
    ]);
    expect(problems(scenario({ rest: "schedule:\n" }))).toEqual([`${FILE}:14:1: expected one of parallel, serial; got nothing`]);
    expect(problems("")).toEqual([`${FILE}:1:1: expected a scenario: a mapping with name, gpu, layout, workloads and run; got nothing`]);
  });
});

describe("loadScenarioText: catalog and layout problems", () => {
  it("unknown GPU model, with a suggestion or the list of known models", () => {
    expect(problems(scenario({ model: "A100-SXM4-40G" }))).toEqual([`${FILE}:2:15: unknown GPU model "A100-SXM4-40G"; did you mean "A100-SXM4-40GB"?`]);
    expect(problems(scenario({ model: "V100" }))).toEqual([
      `${FILE}:2:15: unknown GPU model "V100"; known models: A100-SXM4-40GB, A100-SXM4-80GB, A100-PCIE-80GB, A30, H100-SXM5-80GB, H100-PCIE-80GB, H100-NVL-94GB, H200-141GB, B200-180GB, T4`,
    ]);
  });

  it("a MIG layout on a GPU without MIG", () => {
    expect(problems(scenario({ model: "T4" }))).toEqual([`${FILE}:4:8: T4 does not support MIG; set mig: false and run on: full-gpu`]);
  });

  it("a GPU instance profile the model lacks lists the model's profiles", () => {
    expect(problems(scenario({ layout: MIG_7X1G.replace("1g.5gb", "3g.40gb") }))).toEqual([
      `${FILE}:6:18: A100-SXM4-40GB has no GPU instance profile "3g.40gb"; its profiles: 1g.5gb, 1g.5gb+me, 1g.10gb, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb`,
    ]);
  });

  it("8 x 1g.5gb", () => {
    expect(problems(scenario({ layout: MIG_7X1G.replace("count: 7", "count: 8") }))).toEqual([
      `${FILE}:6:7: 8 x 1g.5gb requested; the A100-SXM4-40GB holds at most 7`,
    ]);
  });

  it("3g.20gb pinned at slot 0 plus 4 x 1g.5gb: the fourth 1g has only slot 7 left, which no 1-slot instance can use", () => {
    const layout = "layout:\n  mig: true\n  gpuInstances:\n    - { profile: 3g.20gb, start: 0 }\n    - { profile: 1g.5gb, count: 4 }";
    expect(problems(scenario({ layout }))).toEqual([
      `${FILE}:7:7: 1g.5gb does not fit: needs 1 free slot(s) starting at one of 0, 1, 2, 3, 4, 5, 6; with 3g.20gb@0, 1g.5gb@4, 1g.5gb@5, 1g.5gb@6 placed, the free memory slots are 7; slot 7 cannot hold a 1-slot instance`,
    ]);
  });

  it("pinned instances that overlap", () => {
    const layout = "layout:\n  mig: true\n  gpuInstances:\n    - { profile: 3g.20gb, start: 0 }\n    - { profile: 2g.10gb, start: 2 }";
    expect(problems(scenario({ layout }))).toEqual([`${FILE}:7:7: pinned at slot 2, it overlaps instance #1 pinned at slot 0`]);
  });

  it("a start slot the profile cannot use, and a start shared by several instances", () => {
    const layout = "layout:\n  mig: true\n  gpuInstances:\n    - { profile: 3g.20gb, start: 2 }\n    - { profile: 1g.5gb, count: 2, start: 6 }";
    expect(problems(scenario({ layout }))).toEqual([
      `${FILE}:7:43: start pins one instance, but count is 2; write one entry per pinned instance or drop start`,
    ]);
    expect(problems(scenario({ layout: "layout:\n  mig: true\n  gpuInstances:\n    - { profile: 3g.20gb, start: 2 }" }))).toEqual([
      `${FILE}:6:7: 3g.20gb cannot start at slot 2; allowed starts: 0, 4`,
    ]);
  });

  it("compute instances: unknown profile, too many for the GPU instance", () => {
    const layout = `layout:
  mig: true
  gpuInstances:
    - profile: 4g.20gb
      computeInstances:
        - { profile: 1c.4g.20gb, count: 5 }
    - profile: 1g.5gb
      computeInstances: [{ profile: 2c.1g.5gb }]`;
    expect(problems(scenario({ layout }))).toEqual([
      `${FILE}:8:9: the compute instances need 5 compute slices; a 4g.20gb has 4`,
      `${FILE}:10:37: a 1g.5gb GPU instance has no compute instance profile "2c.1g.5gb"; its profiles: 1g.5gb`,
    ]);
  });

  it("instance names: unique across GPU and compute instances, and not a run keyword", () => {
    const layout = `layout:
  mig: true
  gpuInstances:
    - { name: big, profile: 3g.20gb, computeInstances: [{ name: big, profile: 1c.3g.20gb }] }
    - { name: full-gpu, profile: 1g.5gb }`;
    expect(problems(scenario({ layout }))).toEqual([
      `${FILE}:6:65: instance name "big" is already used; GPU and compute instance names must be unique`,
      `${FILE}:7:15: "full-gpu" is reserved for run[].on; choose another instance name`,
    ]);
  });
});

describe("loadScenarioText: references between run, workloads and layout", () => {
  const named = "layout:\n  mig: true\n  gpuInstances:\n    - { name: big, profile: 3g.20gb }\n    - { name: small, profile: 1g.5gb, count: 4 }";

  it("a run entry naming an unknown workload", () => {
    expect(problems(scenario({ run: "- { workload: infer }\n  - { workload: infre }" }))).toEqual([
      `${FILE}:14:17: unknown workload "infre"; did you mean "infer"?`,
    ]);
  });

  it("on: an unknown instance name, with a suggestion or the layout's names", () => {
    expect(problems(scenario({ layout: named, run: "- { workload: infer, on: smal }" }))).toEqual([
      `${FILE}:14:28: unknown instance name "smal"; did you mean "small"?`,
    ]);
    expect(problems(scenario({ layout: named, run: "- { workload: infer, on: [big, tiny] }" }))).toEqual([
      `${FILE}:14:34: unknown instance name "tiny"; expected each-mig-device or one of the layout's names: big, small`,
    ]);
  });

  it("full-gpu with MIG on; each-mig-device (the default) and names with MIG off", () => {
    expect(problems(scenario({ run: "- { workload: infer, on: full-gpu }" }))).toEqual([
      `${FILE}:13:28: on: full-gpu needs mig: false; with a MIG layout use on: each-mig-device or an instance name`,
    ]);
    expect(problems(scenario({ layout: "layout: { mig: false }" }))).toEqual([
      `${FILE}:10:5: on: each-mig-device (the default) needs mig: true; with mig: false write on: full-gpu`,
    ]);
    expect(problems(scenario({ layout: "layout: { mig: false }", run: "- { workload: infer, on: big }" }))).toEqual([
      `${FILE}:10:28: on: "big" names a MIG instance, but mig is false; use on: full-gpu`,
    ]);
  });

  it("a workload that is never run", () => {
    const text = scenario().replace("workloads:\n", "workloads:\n  train: { command: [python, train.py], parser: dllogger, metrics: { time: { key: t } } }\n");
    expect(problems(text)).toEqual([`${FILE}:8:3: workload "train" is never run; add a run entry for it or remove it`]);
  });

  it("an unknown parser, with a suggestion", () => {
    expect(problems(scenario().replace("parser: jsonl", "parser: dlloger"))).toEqual([`${FILE}:10:13: unknown parser "dlloger"; did you mean "dllogger"?`]);
    expect(problems(scenario().replace("parser: jsonl", "parser: { name: csv }"))).toEqual([
      `${FILE}:10:21: unknown parser "csv"; known parsers: jsonl, dllogger, triton-client, perf-analyzer, hf-trainer, mlperf-loadgen, regex`,
    ]);
  });
});

describe("loadScenarioText: YAML problems", () => {
  it("an alias with no anchor", () => {
    expect(problems(scenario({ rest: "title: *nope\n" }))).toEqual([`${FILE}:14:8: unknown alias "*nope"; define the anchor "&nope" before using it`]);
  });

  it("more than one document", () => {
    expect(problems(scenario({ rest: "---\nname: x\n" }))).toEqual([
      `${FILE}:14:1: YAML syntax error: a scenario file holds one YAML document; move the part after \`---\` into its own file`,
    ]);
  });
});

describe("loadScenarioFile", () => {
  it("a YAML syntax error, with its position", async () => {
    const file = fixture("syntax-error.yaml");
    const result = await loadScenarioFile(file);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${file}:4:1: YAML syntax error: flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });

  it("a duplicate key, pointing at the second and naming the first", async () => {
    const file = fixture("duplicate-key.yaml");
    const result = await loadScenarioFile(file);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${file}:13:1: duplicate key "schedule" (first set at line 12, column 1); keep only one`,
    ]);
  });

  it("several problems of different kinds, all at once, in position order", async () => {
    const file = fixture("several-problems.yaml");
    const result = await loadScenarioFile(file);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${file}:4:15: unknown GPU model "A100-SXM4-40G"; did you mean "A100-SXM4-40GB"?`,
      `${file}:7:3: unknown key "gpuInstance"; did you mean "gpuInstances"?`,
      `${file}:12:13: unknown parser "dlloger"; did you mean "dllogger"?`,
      `${file}:16:52: expected at least 1; got 0`,
      `${file}:17:11: expected one of parallel, serial; got "paralel"; did you mean "parallel"?`,
    ]);
    // The file is what the test says it is: problems written out of position order.
    expect(readFileSync(file, "utf8")).toContain("schedule: paralel");
  });

  it("a file that does not exist", async () => {
    const result = await loadScenarioFile("no/such/file.yaml");
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual(["no/such/file.yaml:1:1: cannot read the scenario: file not found"]);
  });
});
