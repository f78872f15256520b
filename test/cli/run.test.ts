/**
 * `bench run` end to end on the simulated GPU: the real CLI, the real driver against the simulated
 * nvidia-smi on PATH, real workload processes, a real run directory.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readSimState, type SimState } from "../../src/gpu/sim/index.js";
import { readRun } from "../../src/results/index.js";
import { bench, benchBin, root, tempDir } from "./helpers.js";

/** The part of the simulator's state a run may change: MIG mode and instances. */
const gpuLayout = (state: SimState): unknown =>
  state.gpus.map((g) => ({ mode: g.migMode, gis: g.gpuInstances.map((gi) => ({ ...gi })) }));

async function simState(model: string): Promise<{ file: string; env: Record<string, string> }> {
  const dir = tempDir("sim");
  const file = path.join(dir, "state.json");
  const init = await bench(["sim", "init", "--model", model, "--state", file]);
  expect(init.exitCode, String(init.stderr)).toBe(0);
  return { file, env: { MIGBENCH_SIM_STATE: file } };
}

const runDirOf = (stdout: string): string => stdout.trim().split("\n").at(-1) ?? "";

describe("bench run on the simulated GPU", () => {
  it("runs the quickstart: 7 MIG devices, 7 pinned processes, a valid run directory, the GPU restored", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const before = readFileSync(sim.file, "utf8");
    const out = tempDir("results");
    const result = await bench(["run", "scenarios/quickstart-mig.yaml", "--gpu", "sim:A100-SXM4-40GB", "--runtime", "process", "--out", out], sim.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);

    const stdout = String(result.stdout);
    expect(stdout.split("\n")[0]).toMatch(/Simulated GPU/);
    expect(stdout).toMatch(/^\| case \| metric \| 1 \| 2 \| 3 \| 4 \| 5 \| 6 \| 7 \| aggregate \|$/m);
    expect(stdout).toMatch(/\| time \(s\) \|.*\(Avg\) \|$/m);
    expect(stdout).toMatch(/\| throughput \(items\/s\) \|.*\(Total\) \|$/m);

    const dir = runDirOf(stdout);
    expect(path.dirname(dir)).toBe(out);
    const manifest = await readRun(dir);
    expect(manifest.status).toBe("complete");
    expect(manifest.simulated).toBe(true);
    expect(manifest.validity).toEqual({ valid: true, reasons: [] });
    expect(manifest.gpu.migModeBefore).toBe("Disabled");

    const uuids = manifest.devices.map((d) => d.uuid);
    expect(new Set(uuids).size).toBe(7);
    for (const uuid of uuids) expect(uuid).toMatch(/^MIG-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(manifest.devices.map((d) => d.start).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);

    expect(manifest.executions).toHaveLength(14);
    for (const execution of manifest.executions) {
      expect(execution.status).toBe("ok");
      expect(execution.metrics.throughput?.value).toBeGreaterThan(0);
      // The workload echoes the device it was given: its own MIG device's UUID.
      const device = manifest.devices.find((d) => d.key === execution.device);
      const log = readFileSync(path.join(dir, execution.log ?? ""), "utf8");
      expect(log).toContain(`"device":"${device?.uuid}"`);
    }
    // Back as found: MIG off, no instances.
    expect(gpuLayout(await readSimState(sim.file))).toEqual(gpuLayout(JSON.parse(before) as SimState));
  });

  it("runs two-level partitioning serially and resolves a UUID per compute instance", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const out = tempDir("results");
    const result = await bench(["run", "test/fixtures/scenarios/run/two-level-short.yaml", "--out", out, "--gpu", "sim"], sim.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const manifest = await readRun(runDirOf(String(result.stdout)));
    const quad = manifest.devices.filter((d) => d.profile === "1c.4g.20gb");
    expect(quad).toHaveLength(4);
    expect(new Set(quad.map((d) => d.giId)).size).toBe(1);
    expect(new Set(manifest.devices.map((d) => d.uuid)).size).toBe(6);
    const starts = manifest.executions.map((e) => Date.parse(e.startedAt ?? ""));
    const ends = manifest.executions.map((e) => Date.parse(e.endedAt ?? ""));
    for (let k = 1; k < starts.length; k++) expect(starts[k]).toBeGreaterThanOrEqual(ends[k - 1] ?? 0);
    expect(String(result.stdout)).toMatch(/\| time \(s\) \|.*\(Total\) \|$/m);
    const state = await readSimState(sim.file);
    expect(state.gpus[0]?.gpuInstances).toEqual([]);
    expect(state.gpus[0]?.migMode.current).toBe("Disabled");
  });

  it("isolates a crashing instance: the others finish, the run is kept, exit 1, GPU restored", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const out = tempDir("results");
    const result = await bench(["run", "test/fixtures/scenarios/run/one-fails.yaml", "--out", out], sim.env);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/crash\.1 \(repetition 1\): failed, exited with code 3/);
    const manifest = await readRun(runDirOf(String(result.stdout)));
    expect(manifest.status).toBe("complete");
    expect(manifest.validity.valid).toBe(false);
    const byId = Object.fromEntries(manifest.executions.map((e) => [e.instanceId, e.status]));
    expect(byId).toEqual({ "matmul.1": "ok", "matmul.2": "ok", "crash.1": "failed" });
    expect((await readSimState(sim.file)).gpus[0]?.gpuInstances).toEqual([]);
  });

  it("stops on SIGINT: workloads killed, GPU restored, partial run marked interrupted, exit 130", async () => {
    const sim = await simState("H100-SXM5-80GB");
    const out = tempDir("results");
    const child = execa("node", [benchBin, "run", "test/fixtures/scenarios/run/long.yaml", "--out", out], {
      cwd: root,
      reject: false,
      env: sim.env,
    });
    let stderr = "";
    await new Promise<void>((resolve) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("starting matmul.1")) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    const manifest = await readRun(runDirOf(String(result.stdout)));
    expect(manifest.status).toBe("interrupted");
    expect(manifest.executions.map((e) => e.status)).toEqual(["cancelled", "cancelled"]);
    const state = await readSimState(sim.file);
    expect(state.gpus[0]?.gpuInstances).toEqual([]);
    expect(state.gpus[0]?.migMode.current).toBe("Disabled");
    const ps = await execa("ps", ["-eo", "args"]);
    expect(String(ps.stdout)).not.toContain(`--seconds 60 --size 32`);
  });

  it("refuses bad input with exit 2 and touches nothing", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const before = readFileSync(sim.file, "utf8");
    const out = tempDir("results");
    const broken = path.join(out, "broken.yaml");
    writeFileSync(broken, "name: x\ngpu: { model: A100-SXM4-40GB }\nlayout: { mig: maybe }\n");
    for (const args of [
      ["run", broken, "--out", out],
      ["run", "scenarios/quickstart-mig.yaml", "--gpu", "sim:V100", "--out", out],
      ["run", "scenarios/quickstart-mig.yaml", "--runtime", "podman", "--out", out],
    ]) {
      const result = await bench(args, sim.env);
      expect(result.exitCode, args.join(" ")).toBe(2);
    }
    expect(readdirSync(out)).toEqual(["broken.yaml"]);
    expect(readFileSync(sim.file, "utf8")).toBe(before);
  });

  it("never records the simulator as a real GPU, even when it is first on PATH", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const env = { ...sim.env, PATH: `${path.join(root, "bin", "sim")}${path.delimiter}${process.env.PATH ?? ""}` };
    const out = tempDir("results");
    const real = await bench(["run", "scenarios/quickstart-mig.yaml", "--gpu", "real", "--out", out], env);
    expect(real.exitCode).toBe(2);
    expect(String(real.stderr)).toContain("--gpu real: the nvidia-smi on PATH is migbench's simulator");
    const auto = await bench(["run", "test/fixtures/scenarios/run/two-level-short.yaml", "--out", out], env);
    expect(auto.exitCode, String(auto.stderr)).toBe(0);
    expect((await readRun(runDirOf(String(auto.stdout)))).simulated).toBe(true);
  });

  it("without --gpu, takes a GPU whose nvidia-smi answers for real, and goes on from the listing that found it", async () => {
    const sim = await simState("A100-SXM4-40GB");
    // A stand-in for a real driver (not migbench's simulator, so not taken for one): it answers through the
    // simulator and notes each call's first argument.
    const bin = tempDir("driver");
    const calls = path.join(bin, "calls.log");
    writeFileSync(
      path.join(bin, "nvidia-smi"),
      `#!/bin/sh\necho "$1" >>${JSON.stringify(calls)}\nexec ${JSON.stringify(path.join(root, "bin", "sim", "nvidia-smi"))} "$@"\n`,
      { mode: 0o755 },
    );
    const env = { ...sim.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` };
    const out = tempDir("results");
    const result = await bench(["run", "scenarios/quickstart.yaml", "--case", "quickstart-nomig-7-parallel", "--out", out], env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect((await readRun(runDirOf(String(result.stdout)))).simulated).toBe(false);
    const firstArgs = readFileSync(calls, "utf8").trim().split("\n");
    // One listing, the one that found the GPU, and no `-L` before it.
    expect(firstArgs.filter((a) => a.startsWith("--query-gpu=index,name,uuid"))).toHaveLength(1);
    expect(firstArgs[0]).toMatch(/^--query-gpu=index,name,uuid/);
    expect(firstArgs).not.toContain("-L");
  });

  it("with --any-gpu, records the GPU it ran on, not the scenario's model, and says so", async () => {
    const sim = await simState("H200-141GB");
    const out = tempDir("results");
    const args = ["run", "scenarios/quickstart.yaml", "--case", "quickstart-nomig-7-parallel", "--gpu", "sim:H200-141GB", "--any-gpu", "--out", out];
    const result = await bench(args, sim.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const manifest = await readRun(runDirOf(String(result.stdout)));
    expect(manifest.gpu.model).toBe("H200-141GB");
    expect(manifest.gpu.name).toBe("NVIDIA H200");
    expect(manifest.warnings).toContain("preflight: GPU 0 is a NVIDIA H200 (H200-141GB), not the scenario's A100-SXM4-40GB: run with --any-gpu");
    expect(String(result.stdout)).toMatch(/on H200-141GB, parallel schedule/);
    expect(String(result.stdout)).toMatch(/^- 1: bert-standin\.1 on H200-141GB \(GPU-/m);
    expect(String(result.stdout)).not.toMatch(/ on A100/);
  });

  it("stops with exit 3 and changes nothing when the GPU is another model", async () => {
    const sim = await simState("A100-SXM4-40GB");
    const out = tempDir("results");
    const result = await bench(["run", "scenarios/h100-80gb/table1-mig-7x1g.yaml", "--gpu", "sim:A100-SXM4-40GB", "--out", out], sim.env);
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toMatch(/is a NVIDIA A100-SXM4-40GB, but the scenario is for H100-SXM5-80GB; pass --any-gpu/);
    expect((await readSimState(sim.file)).gpus[0]?.migMode.current).toBe("Disabled");
    expect(existsSync(runDirOf(String(result.stdout)))).toBe(true);
  });
});
