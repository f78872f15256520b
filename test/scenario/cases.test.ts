import { describe, expect, it } from "vitest";
import { formatProblem, loadScenarioText } from "../../src/scenario/index.js";

const FILE = "study.yaml";

/**
 * A three-case file shaped like the study: lines 1 name, 2 title, 3 gpu, 4-8 workloads, 9 repetitions,
 * 10 cases, 11-14 the MIG case, 15-17 the full-GPU parallel case, 18-21 the serial case, then `extra`.
 */
function study({ migRun = "[{ workload: w, on: each-mig-device }]", serialSchedule = "serial", extra = "", fullName = "full-7-parallel" } = {}): string {
  return `name: shape
title: The study's shape
gpu: { model: A100-SXM4-40GB }
workloads:
  w:
    command: [node, w.js]
    parser: jsonl
    metrics: { time: { key: elapsed_s } }
repetitions: 2
cases:
  - name: mig-7x1g
    title: 7 on 7 MIG devices
    layout: { mig: true, gpuInstances: [{ profile: 1g.5gb, count: 7 }] }
    run: ${migRun}
  - name: ${fullName}
    layout: { mig: false }
    run: [{ workload: w, on: full-gpu, copies: 7 }]
  - name: full-7-serial
    layout: { mig: false }
    run: [{ workload: w, on: full-gpu, copies: 7 }]
    schedule: ${serialSchedule}
${extra}`;
}

function problems(text: string): string[] {
  const result = loadScenarioText(text, FILE);
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe("multi-case scenario files", () => {
  it("load as one scenario per case, each the top level with the case laid over it", () => {
    const result = loadScenarioText(study(), FILE);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    expect(result.cases.map((c) => c.doc.name)).toEqual(["mig-7x1g", "full-7-parallel", "full-7-serial"]);
    expect(result.scenario).toBe(result.cases[0]);
    const [mig, parallel, serial] = result.cases;
    expect(mig!.gpuInstances).toHaveLength(7);
    expect(parallel!.gpuInstances).toHaveLength(0);
    expect(parallel!.doc.schedule).toBe("parallel");
    expect(serial!.doc.schedule).toBe("serial");
    // Shared from the top level: the GPU, the workloads and the repetitions.
    for (const c of result.cases) {
      expect(c.doc.repetitions).toBe(2);
      expect(c.model.id).toBe("A100-SXM4-40GB");
      expect(Object.keys(c.doc.workloads)).toEqual(["w"]);
    }
    // A case's title is its own; the file's title names the study.
    expect(mig!.doc.title).toBe("7 on 7 MIG devices");
    expect(parallel!.doc.title).toBeUndefined();
    expect(serial!.study).toEqual({ name: "shape", title: "The study's shape", index: 2, count: 3 });
  });

  it("point a case's problem into the case, at the line of the key the case set", () => {
    expect(problems(study({ serialSchedule: "sideways" }))).toEqual([expect.stringMatching(/^study\.yaml:21:15: .*parallel.*serial/)]);
    expect(problems(study({ migRun: "[{ workload: nope, on: each-mig-device }]" }))).toEqual([
      expect.stringMatching(/^study\.yaml:14:\d+: unknown workload "nope"/),
    ]);
  });

  it("say when two cases share a name, and when a case has no layout or run anywhere", () => {
    expect(problems(study({ fullName: "mig-7x1g" }))).toEqual([expect.stringMatching(/^study\.yaml:15:\d+: case name "mig-7x1g" is used twice/)]);
    const noLayout = `name: s
gpu: { model: A100-SXM4-40GB }
workloads:
  w: { command: [node], parser: jsonl, metrics: { time: { key: t } } }
cases:
  - name: a
    run: [{ workload: w, on: full-gpu }]
`;
    expect(problems(noLayout)).toEqual([expect.stringMatching(/^study\.yaml:6:\d+: case "a" has no layout/)]);
  });

  it("count a workload as run when any case runs it", () => {
    const extra = `  - name: other
    layout: { mig: false }
    run: [{ workload: v, on: full-gpu }]`;
    const withV = study({ extra }).replace("repetitions: 2", "  v:\n    command: [node, v.js]\n    parser: jsonl\n    metrics: { time: { key: t } }\nrepetitions: 2");
    expect(problems(withV)).toEqual([]);
    const unused = study().replace("repetitions: 2", "  v:\n    command: [node, v.js]\n    parser: jsonl\n    metrics: { time: { key: t } }\nrepetitions: 2");
    expect(problems(unused)).toEqual([expect.stringMatching(/^study\.yaml:9:\d+: workload "v" is never run/)]);
  });

  it("reject unknown keys in a case with a suggestion", () => {
    expect(problems(study({ extra: "    schedul: serial" }))).toEqual([expect.stringMatching(/^study\.yaml:22:5: .*schedul.*did you mean "schedule"/)]);
  });
});
