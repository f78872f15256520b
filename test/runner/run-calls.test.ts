/**
 * The nvidia-smi calls a whole run makes through its driver (each one a process on a real host, and a
 * Node start-up with the simulator), counted on a 7 x 1g run of the simulated A100, and what the run
 * looks up beside partitioning (git, the OS, the container engine) still in its manifest.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NvidiaSmi, type NvidiaSmiExec } from "../../src/gpu/nvidia-smi/index.js";
import { initSimState, inProcessSim } from "../../src/gpu/sim/index.js";
import { harnessInfo, hostRecord } from "../../src/runner/environment.js";
import { runScenario } from "../../src/runner/index.js";
import { loadScenarioFile } from "../../src/scenario/index.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "migbench-run-calls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `name: run-calls
gpu: { model: A100-SXM4-40GB }
layout:
  mig: true
  gpuInstances:
    - { profile: 1g.5gb, count: 7 }
workloads:
  echo:
    command: [sh, -c, 'echo "{\\"elapsed_s\\": 0.1}"']
    parser: jsonl
    metrics:
      time: { key: elapsed_s, unit: s }
run:
  - { workload: echo, on: each-mig-device }
schedule: parallel
repetitions: 1
timeout: 1m
`;

describe("a whole 7 x 1g run", () => {
  it("makes 17 nvidia-smi calls through its driver, and records the harness and host looked up meanwhile", async () => {
    const file = path.join(dir, "run-calls.yaml");
    writeFileSync(file, SCENARIO);
    const loaded = await loadScenarioFile(file);
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join("; "));
    const state = path.join(dir, "sim.json");
    initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: state, seed: "run-calls" });
    const calls: string[][] = [];
    const sim = inProcessSim(state);
    const exec: NvidiaSmiExec = (args, options) => {
      calls.push([...args]);
      return sim(args, options);
    };
    const saved = process.env.MIGBENCH_SIM_STATE;
    process.env.MIGBENCH_SIM_STATE = state;
    const outcome = await runScenario({
      scenario: loaded.scenario,
      gpu: { kind: "sim", model: "A100-SXM4-40GB" },
      runtime: "process",
      resultsRoot: path.join(dir, "results"),
      command: ["bench", "run", file],
      signal: new AbortController().signal,
      progress: () => undefined,
      stateDir: path.join(dir, "state"),
      smi: new NvidiaSmi({ exec }),
    }).finally(() => {
      if (saved === undefined) delete process.env.MIGBENCH_SIM_STATE;
      else process.env.MIGBENCH_SIM_STATE = saved;
    });
    expect(outcome.manifest.status).toBe("complete");
    expect(outcome.manifest.executions.map((e) => e.status)).toEqual(Array(7).fill("ok"));
    // Snapshot 2, board facts 2, MIG on, create, read-back with the MIG devices 4, teardown read 3,
    // one -dci and one -dgi for all seven, MIG off, read back.
    expect(calls.map((a) => a.join(" ")).filter((c) => / -d(ci|gi) /.test(c))).toHaveLength(2);
    expect(calls).toHaveLength(17);

    const manifest = JSON.parse(readFileSync(path.join(outcome.dir, "manifest.json"), "utf8")) as typeof outcome.manifest;
    const host = await hostRecord();
    expect(manifest.harness).toEqual(await harnessInfo());
    expect(manifest.host?.osName).toBe(host.osName);
    expect(manifest.host?.containerEngine).toEqual(host.containerEngine);
  }, 120_000);
});
