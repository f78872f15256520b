/**
 * Every Table 1 and Table 2 case of the A100 scenarios, end to end on the simulated GPU, with both
 * runtimes. The study's images and data are not here, so each workload is replaced by a stand-in: the
 * built-in cpu-matmul (as a process, or in the test image), with the case's layout, placement, copies,
 * schedule and docker options kept. What is tested is the harness: partitioning, pinning, schedules,
 * launch, parsing, the run directory and the GPU restored.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { readSimState } from "../../src/gpu/sim/index.js";
import { readRun } from "../../src/results/index.js";
import { dockerForTests, leftovers, TEST_IMAGE } from "../docker/engine.js";
import { bench, root, tempDir } from "./helpers.js";

const docker = await dockerForTests("study cases with the docker runtime");
const CASES = readdirSync(path.join(root, "scenarios/a100-40gb"))
  .filter((f) => /^table[12]-.*\.yaml$/.test(f))
  .sort();
const TIMEOUT_MS = 240_000;

type Runtime = "process" | "docker";

/** The case with its workloads replaced by cpu-matmul, each metric role mapped to cpu-matmul's key. */
function standIn(file: string, runtime: Runtime): string {
  const doc = parse(readFileSync(path.join(root, "scenarios/a100-40gb", file), "utf8")) as Record<string, unknown>;
  const keys = { time: { key: "elapsed_s", unit: "s" }, throughput: { key: "items_per_second", unit: "items/s" }, latency: { key: "latency_ms_avg", unit: "ms" } };
  const args = ["--seconds", "0.2", "--warmup-seconds", "0.05", "--size", "32"];
  const workloads = doc.workloads as Record<string, { metrics: Record<string, unknown>; docker?: { shmSize?: string; ulimits?: Record<string, unknown> } }>;
  const standIns: Record<string, unknown> = {};
  for (const [name, workload] of Object.entries(workloads)) {
    const metrics = Object.fromEntries(Object.keys(workload.metrics).map((role) => [role, keys[role as keyof typeof keys]]));
    standIns[name] = {
      ...(runtime === "docker"
        ? {
            image: TEST_IMAGE,
            command: ["node", "/opt/migbench/workloads/cpu-matmul/main.js", ...args],
            // The study's shm size and stack limit; no mounts (the study's data is not here) and no
            // memlock=-1, which needs CAP_SYS_RESOURCE (see docs/runtimes.md).
            docker: { shmSize: workload.docker?.shmSize ?? "64m", ulimits: { stack: workload.docker?.ulimits?.stack ?? 67108864 } },
          }
        : { command: [process.execPath, path.join(root, "workloads/cpu-matmul/main.js"), ...args] }),
      parser: "jsonl",
      metrics,
    };
  }
  const out = path.join(tempDir("case"), file);
  writeFileSync(out, stringify({ ...doc, workloads: standIns, repetitions: 1, timeout: "2m" }));
  return out;
}

describe.each(["process", "docker"] as const)("the A100 Table 1 and 2 cases with stand-in workloads, %s runtime", (runtime) => {
  it.skipIf(runtime === "docker" && !docker.ok).each(CASES)(
    "%s",
    async (file) => {
      const stateFile = path.join(tempDir("sim"), "state.json");
      expect((await bench(["sim", "init", "--model", "A100-SXM4-40GB", "--state", stateFile])).exitCode).toBe(0);
      const out = tempDir("results");
      const result = await bench(["run", standIn(file, runtime), "--runtime", runtime, "--gpu", "sim", "--out", out], { MIGBENCH_SIM_STATE: stateFile });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const manifest = await readRun(String(result.stdout).trim().split("\n").at(-1) ?? "");
      expect(manifest.validity).toEqual({ valid: true, reasons: [] });
      expect(manifest.runtime?.name).toBe(runtime);
      // One execution per planned instance; one group per step (7 for a serial case, 1 for a parallel one).
      expect(manifest.executions).toHaveLength(manifest.plan.instances.length);
      expect(manifest.groups?.map((g) => g.instances)).toEqual(manifest.plan.steps);
      for (const execution of manifest.executions) expect(execution.status).toBe("ok");
      if (runtime === "docker") expect(await leftovers(manifest.runId)).toEqual([]);
      const gpu = (await readSimState(stateFile)).gpus[0];
      expect(gpu?.gpuInstances).toEqual([]);
      expect(gpu?.migMode.current).toBe("Disabled");
    },
    TIMEOUT_MS,
  );
});
