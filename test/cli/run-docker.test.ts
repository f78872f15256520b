/**
 * `bench run --runtime docker` end to end on the simulated GPU: the real CLI and driver, a real Docker
 * engine, real containers of the test image, a real run directory; and that no container outlives a run.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readSimState } from "../../src/gpu/sim/index.js";
import { readRun } from "../../src/results/index.js";
import { dockerForTests, leftovers } from "../docker/engine.js";
import { bench, benchBin, root, tempDir } from "./helpers.js";

const docker = await dockerForTests("bench run --runtime docker tests");

async function simState(model: string): Promise<{ file: string; env: Record<string, string> }> {
  const file = path.join(tempDir("sim"), "state.json");
  const init = await bench(["sim", "init", "--model", model, "--state", file]);
  expect(init.exitCode, String(init.stderr)).toBe(0);
  return { file, env: { MIGBENCH_SIM_STATE: file } };
}

/** A whole run of up to 14 containers on a 2-core machine that may be busy with other suites. */
const HEAVY_TIMEOUT_MS = 240_000;

const runDirOf = (stdout: string): string => stdout.trim().split("\n").at(-1) ?? "";

describe.skipIf(!docker.ok)("bench run --runtime docker on the simulated GPU", () => {
  it("runs 7 containers on 7 MIG devices: pinned, skew recorded, warm-up not counted, nothing left behind", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const out = tempDir("results");
    const result = await bench(["run", "test/fixtures/scenarios/run/docker-7x1g.yaml", "--runtime", "docker", "--gpu", "sim", "--out", out], sim.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const stderr = String(result.stderr);
    expect(stderr).toMatch(/warm-up 1\/1, step 1\/1: starting matmul\.1, .*matmul\.7/);
    expect(stderr).toMatch(/start skew \d+ ms, first-output skew \d+ ms \(7 instances\)/);

    const manifest = await readRun(runDirOf(String(result.stdout)));
    expect(manifest.status).toBe("complete");
    expect(manifest.validity).toEqual({ valid: true, reasons: [] });
    expect(manifest.runtime).toEqual({ name: "docker", gpuAccess: "env-only", startGate: true });
    expect(manifest.executions).toHaveLength(14);
    expect(manifest.executions.filter((e) => e.warmup)).toHaveLength(7);
    for (const execution of manifest.executions) {
      expect(execution.status).toBe("ok");
      expect(execution.gpuAccess).toBe("env-only");
      expect(execution.image).toEqual({ ref: "migbench-test:local", id: docker.ok ? docker.imageId : "", digests: [] });
      const device = manifest.devices.find((d) => d.key === execution.device);
      expect(readFileSync(path.join(runDirOf(String(result.stdout)), execution.log ?? ""), "utf8")).toContain(`"device":"${device?.uuid}","pid":1`);
    }
    expect(manifest.groups?.map((g) => [g.repetition, g.warmup, g.instances.length])).toEqual([
      [0, true, 7],
      [1, false, 7],
    ]);
    // Behind the start gate the seven workloads are released at one instant.
    for (const group of manifest.groups ?? []) expect(group.startSkewMs).toBe(0);
    console.info(`bench run, 7 containers: start skew ${manifest.groups?.map((g) => `${g.startSkewMs} ms`).join(" / ")}, first-output skew ${manifest.groups?.map((g) => `${g.firstOutputSkewMs} ms`).join(" / ")}`);
    expect(await leftovers(manifest.runId)).toEqual([]);
    expect((await readSimState(sim.file)).gpus[0]?.gpuInstances).toEqual([]);
  }, HEAVY_TIMEOUT_MS);

  it("isolates faults in containers: crash, OOM kill and timeout recorded, the others finish, exit 1", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const out = tempDir("results");
    const result = await bench(["run", "test/fixtures/scenarios/run/docker-faults.yaml", "--runtime", "docker", "--out", out], sim.env);
    expect(result.exitCode, String(result.stderr)).toBe(1);
    const manifest = await readRun(runDirOf(String(result.stdout)));
    expect(manifest.status).toBe("complete");
    const byId = Object.fromEntries(manifest.executions.map((e) => [e.instanceId, e.status]));
    expect(byId).toEqual({ "matmul.1": "ok", "matmul.2": "ok", "crash.1": "failed", "hog.1": "oom", "hang.1": "timeout" });
    const stderr = String(result.stderr);
    expect(stderr).toMatch(/crash\.1 \(repetition 1\): failed, exited with code 3/);
    expect(stderr).toMatch(/hog\.1 \(repetition 1\): oom, killed by the kernel's OOM killer \(container memory limit 32m\)/);
    expect(stderr).toMatch(/hang\.1 \(repetition 1\): timeout, killed after 2 s timeout/);
    expect(await leftovers(manifest.runId)).toEqual([]);
    expect((await readSimState(sim.file)).gpus[0]?.gpuInstances).toEqual([]);
  }, HEAVY_TIMEOUT_MS);

  it("stops on SIGINT: containers removed, GPU restored, interrupted, exit 130; a second SIGINT names what is being cleaned", async () => {
    const sim = await simState("H100-SXM5-80GB");
    const out = tempDir("results");
    const child = execa("node", [benchBin, "run", "test/fixtures/scenarios/run/docker-long.yaml", "--runtime", "docker", "--out", out], { cwd: root, reject: false, env: sim.env });
    let stderr = "";
    const started = await Promise.race([
      new Promise<boolean>((resolve) => {
        child.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes("starting matmul.1")) resolve(true);
        });
      }),
      child.then(() => false),
    ]);
    expect(started, stderr).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 1000));
    // node as PID 1 ignores SIGTERM: the containers are still in their 10 s grace period.
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/SIGINT again: still cleaning up: container migbench-.*-matmul\.1-[0-9a-f]+ \(matmul\.1\), container migbench-.*\(matmul\.2\)/);
    const manifest = await readRun(runDirOf(String(result.stdout)));
    expect(manifest.status).toBe("interrupted");
    expect(manifest.executions.map((e) => e.status)).toEqual(["cancelled", "cancelled"]);
    expect(await leftovers(manifest.runId)).toEqual([]);
    const state = await readSimState(sim.file);
    expect(state.gpus[0]?.gpuInstances).toEqual([]);
    expect(state.gpus[0]?.migMode.current).toBe("Disabled");
  }, HEAVY_TIMEOUT_MS);
});

describe("bench run --runtime docker, refusals (no engine needed)", () => {
  it("refuses a workload without an image with exit 2, before touching anything", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const before = readFileSync(sim.file, "utf8");
    const out = tempDir("results");
    const result = await bench(["run", "scenarios/quickstart-mig.yaml", "--runtime", "docker", "--out", out], sim.env);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(/--runtime docker: workload\(s\) cpu-matmul have no image/);
    expect(readFileSync(sim.file, "utf8")).toBe(before);
  });

  it("stops with exit 3 before partitioning when the engine does not answer", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const out = tempDir("results");
    const result = await bench(["run", "test/fixtures/scenarios/run/docker-7x1g.yaml", "--runtime", "docker", "--out", out], {
      ...sim.env,
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toMatch(/cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock/);
    const state = await readSimState(sim.file);
    expect(state.gpus[0]?.migMode.current).toBe("Disabled");
    expect(state.gpus[0]?.gpuInstances).toEqual([]);
  });
});
