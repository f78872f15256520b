/**
 * The nvidia-smi calls a whole run makes through its driver (each one a process on a real host, and a
 * Node start-up with the simulator), counted on a 7 x 1g run of the simulated A100, and what the run
 * looks up beside partitioning (git, the OS, the container engine) still in its manifest.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** A scenario run through a driver that counts its calls: `rounds` has one entry per batch started while none other ran. */
async function countedRun(name: string, text: string, beforeAnswer?: (args: readonly string[], resultsRoot: string) => Promise<void>) {
  const resultsRoot = path.join(dir, name, "results");
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const loaded = await loadScenarioFile(file);
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join("; "));
  const state = path.join(dir, `${name}-sim.json`);
  initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: state, seed: "run-calls" });
  const calls: string[][] = [];
  // Calls issued together are in flight together.
  const rounds: string[][] = [];
  const progress: string[] = [];
  let inFlight = 0;
  const sim = inProcessSim(state);
  const exec: NvidiaSmiExec = async (args, options) => {
    calls.push([...args]);
    if (inFlight === 0) rounds.push([]);
    rounds.at(-1)?.push(args.find((a) => /^(-[a-zA-Z]+|--query-[a-z-]+)/.test(a) && a !== "-i")?.replace(/=.*/, "") ?? args.join(" "));
    inFlight++;
    await new Promise((resolve) => setImmediate(resolve));
    await beforeAnswer?.(args, resultsRoot);
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
    resultsRoot,
    command: ["bench", "run", file],
    signal: new AbortController().signal,
    progress: (line) => progress.push(line),
    stateDir: path.join(dir, "state"),
    smi: new NvidiaSmi({ exec }),
  }).finally(() => {
    if (saved === undefined) delete process.env.MIGBENCH_SIM_STATE;
    else process.env.MIGBENCH_SIM_STATE = saved;
  });
  // Where sampling was said to run among the run's steps: before or after the partition's check.
  const order = progress.flatMap((line) => (line.startsWith("telemetry: sampling") ? ["telemetry"] : line.startsWith("partition:") ? ["partition"] : []));
  return { outcome, calls, rounds: rounds.map((round) => [...round].sort()), order };
}

describe("a whole 7 x 1g run", () => {
  it("makes 14 nvidia-smi calls in 9 rounds through its driver, and records the harness and host looked up meanwhile", async () => {
    const { outcome, calls, rounds, order } = await countedRun("run-calls", SCENARIO);
    expect(outcome.manifest.status).toBe("complete");
    expect(outcome.manifest.executions.map((e) => e.status)).toEqual(Array(7).fill("ok"));
    // Each round's calls in any order. The teardown starts from the read-back (no read of its own).
    expect(rounds).toEqual(
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
    // MIG is turned on and instances made: sampling starts once they are in place, not while the GPU changes.
    expect(order).toEqual(["partition", "telemetry"]);

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

describe("a run with MIG off on a GPU with MIG off", () => {
  it("reads the GPU in two rounds, changes nothing, and starts sampling beside the second", async () => {
    const text = SCENARIO.replace(/layout:[\s\S]*?workloads:/, "layout: { mig: false }\nworkloads:").replace("on: each-mig-device", "copies: 2, on: full-gpu");
    // The process listing is answered only once the sampler has written a sample, or after 10 s without one.
    let sampledDuringReads = false;
    const { outcome, rounds } = await countedRun("mig-off", text, async (args, resultsRoot) => {
      if (!args.some((a) => a.startsWith("--query-compute-apps"))) return;
      for (let waited = 0; waited < 10_000 && !sampledDuringReads; waited += 50) {
        const csv = readdirSync(resultsRoot).map((run) => path.join(resultsRoot, run, "telemetry", "gpu0.csv")).find((f) => existsSync(f));
        sampledDuringReads = csv !== undefined && readFileSync(csv, "utf8").trim().split("\n").length > 1;
        if (!sampledDuringReads) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    expect(outcome.manifest.executions.map((e) => e.status)).toEqual(["ok", "ok"]);
    expect(rounds).toEqual([["--query-gpu"], ["--query-compute-apps", "--query-gpu", "--version"]]);
    // Under the lock, while the processes and the board facts are read: the first step waits for neither in turn.
    expect(sampledDuringReads).toBe(true);
    expect(outcome.manifest.telemetry?.gpus[0]?.samples).toBeGreaterThan(0);
  }, 120_000);
});
