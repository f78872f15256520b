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
  it("makes 14 nvidia-smi calls in 9 rounds through its driver, and records the harness and host looked up meanwhile", async () => {
    const file = path.join(dir, "run-calls.yaml");
    writeFileSync(file, SCENARIO);
    const loaded = await loadScenarioFile(file);
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join("; "));
    const state = path.join(dir, "sim.json");
    initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: state, seed: "run-calls" });
    const calls: string[][] = [];
    // Calls issued together are in flight together: `rounds` has one entry per batch started while none other ran.
    const rounds: string[][] = [];
    let inFlight = 0;
    const sim = inProcessSim(state);
    const exec: NvidiaSmiExec = async (args, options) => {
      calls.push([...args]);
      if (inFlight === 0) rounds.push([]);
      rounds.at(-1)?.push(args.find((a) => /^(-[a-zA-Z]+|--query-[a-z-]+)/.test(a) && a !== "-i")?.replace(/=.*/, "") ?? args.join(" "));
      inFlight++;
      await new Promise((resolve) => setImmediate(resolve));
      try {
        return await sim(args, options);
      } finally {
        inFlight--;
      }
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
    // Each round's calls in any order. The teardown starts from the read-back (no read of its own).
    expect(rounds.map((round) => [...round].sort())).toEqual(
      [
        ["--query-gpu"], // find the GPU (before the lock)
        ["--query-compute-apps", "--query-gpu", "--version"], // under the lock: the processes, the board facts and the CUDA version
        ["-mig"],
        ["-cgi"],
        ["-L", "-q", "-lgi", "-lci"], // read-back with the MIG devices
        ["-dci"], // one -dci and one -dgi for all seven
        ["-dgi"],
        ["-mig"],
        ["--query-gpu"], // read back: as found
      ].map((round) => round.sort()),
    );
    expect(calls).toHaveLength(14);

    const manifest = JSON.parse(readFileSync(path.join(outcome.dir, "manifest.json"), "utf8")) as typeof outcome.manifest;
    // The board facts read beside the process listing, and the simulator's driver (535) knows the clock event reasons.
    expect(manifest.gpu).toMatchObject({ computeCap: "8.0", driverVersion: "535.129.03", vbiosVersion: expect.any(String) });
    expect(manifest.telemetry?.gpus[0]?.unsupportedFields).toEqual([]);
    const host = await hostRecord();
    expect(manifest.harness).toEqual(await harnessInfo());
    expect(manifest.host?.osName).toBe(host.osName);
    // A process run launches through no container engine, so it records none (and loads no Docker client).
    expect(host.containerEngine).toBeUndefined();
    expect(manifest.host && "containerEngine" in manifest.host).toBe(false);
  }, 120_000);
});
