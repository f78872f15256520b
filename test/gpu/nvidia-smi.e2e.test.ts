/**
 * The driver end to end against the simulator's executable: built with tsc, found on PATH as
 * `nvidia-smi`, state in MIGBENCH_SIM_STATE.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execNvidiaSmi, type ExecOptions, type ExecResult } from "../../src/gpu/nvidia-smi/exec.js";
import { NvidiaSmi, NvidiaSmiError, parseCreateOutput } from "../../src/gpu/nvidia-smi/index.js";
import { queryGpuTolerant } from "../../src/gpu/nvidia-smi/query-fields.js";
import { initSimState, readSimState, simBinDir, updateSimState, type SimState } from "../../src/gpu/sim/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

let dir: string;
let stateFile: string;
let env: Record<string, string>;
let initial: SimState;
let smi: NvidiaSmi;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "migbench-e2e-"));
  stateFile = path.join(dir, "state.json");
  env = { PATH: `${simBinDir()}${path.delimiter}${process.env.PATH ?? ""}`, MIGBENCH_SIM_STATE: stateFile };
  smi = new NvidiaSmi({ env, timeoutMs: 20_000 });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fresh = (model = "A100-SXM4-40GB"): void => {
  initial = initSimState({ model, gpus: 1, file: stateFile, seed: "e2e" });
};

describe("the simulator's executable", () => {
  it("lives in simBinDir() as bin/sim/nvidia-smi and is found on PATH", async () => {
    fresh();
    expect(simBinDir()).toBe(path.join(root, "bin", "sim"));
    expect(statSync(path.join(simBinDir(), "nvidia-smi")).mode & 0o777).toBe(0o755);
    const which = await execa("sh", ["-c", "command -v nvidia-smi"], { env });
    expect(which.stdout).toBe(path.join(simBinDir(), "nvidia-smi"));
    const listed = await execa("nvidia-smi", ["-L"], { env });
    expect(listed.stdout).toBe(`GPU 0: NVIDIA A100-SXM4-40GB (UUID: ${initial.gpus[0]?.uuid})`);
  });

  it("is CommonJS by its own package.json, whatever the default module type or the package around it", async () => {
    fresh();
    const esm = await execa("node", ["--experimental-default-type=module", path.join(simBinDir(), "nvidia-smi"), "-L"], { env, reject: false });
    expect(esm.exitCode).toBe(0);
    // A copy of bin/sim in an ES module package, with dist/ linked beside it.
    const copy = path.join(dir, "esm");
    mkdirSync(path.join(copy, "bin"), { recursive: true });
    writeFileSync(path.join(copy, "package.json"), '{ "type": "module" }\n');
    cpSync(simBinDir(), path.join(copy, "bin", "sim"), { recursive: true });
    symlinkSync(path.join(root, "dist"), path.join(copy, "dist"));
    const viaCopy = await execa(path.join(copy, "bin", "sim", "nvidia-smi"), ["-L"], { env, reject: false });
    expect(viaCopy.stdout).toBe(esm.stdout);
    expect(viaCopy.exitCode).toBe(0);
  });

  it("compiles its bundle with the V8 code cache the build made, and without it when V8 refuses one", async () => {
    fresh();
    // Required as a module, the launcher runs nothing and gives its loader.
    const check = `const l = require(${JSON.stringify(path.join(simBinDir(), "nvidia-smi"))});
      const cached = l.load(l.readCodeCache()), foreign = l.load(Buffer.from("not a code cache"));
      console.log(JSON.stringify([cached.script.cachedDataRejected, foreign.script.cachedDataRejected, typeof foreign.sim.main]));`;
    const result = await execa("node", ["-e", check], { env });
    expect(JSON.parse(result.stdout)).toEqual([false, true, "function"]);
  });

  it("passes the exit code through and loops --query-gpu with -lms", async () => {
    fresh();
    const bad = await execa("nvidia-smi", ["--query-gpu=xyz", "--format=csv"], { env, reject: false });
    expect([bad.exitCode, bad.stdout]).toEqual([2, 'Field "xyz" is not a valid field to query.']);
    const loop = execa("nvidia-smi", ["--query-gpu=index,power.draw", "--format=csv,noheader", "-lms", "100"], { env, reject: false });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    loop.kill("SIGTERM");
    const out = await loop;
    expect(String(out.stdout).split("\n").filter((l) => /^0, \d+\.\d\d W$/.test(l)).length).toBeGreaterThanOrEqual(3);
  });

  it("loses no update when invocations run concurrently", async () => {
    fresh();
    await execa("nvidia-smi", ["-mig", "1"], { env });
    const runs = await Promise.all(Array.from({ length: 7 }, () => execa("nvidia-smi", ["mig", "-cgi", "19", "-C"], { env, reject: false })));
    expect(runs.map((r) => r.exitCode)).toEqual(Array(7).fill(0));
    const gis = readSimState(stateFile).gpus[0]?.gpuInstances ?? [];
    expect(gis.map((gi) => gi.start).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new Set(gis.map((gi) => gi.id)).size).toBe(7);
    expect(existsSync(`${stateFile}.lock`)).toBe(false);
  });
});

describe("NvidiaSmi against the simulator", () => {
  it("enables MIG, creates 7 x 1g with -C, resolves 7 MIG UUIDs, tears down to the start", async () => {
    fresh();
    expect(await smi.listGpus()).toEqual([{ index: 0, name: "NVIDIA A100-SXM4-40GB", uuid: initial.gpus[0]?.uuid, migDevices: [] }]);
    expect(await smi.migMode(0)).toEqual({ current: "Disabled", pending: "Disabled" });
    expect(await smi.setMigMode(0, true)).toEqual({ pending: false, message: "Enabled MIG Mode for GPU 00000000:07:00.0\nAll done." });
    expect(await smi.migMode(0)).toEqual({ current: "Enabled", pending: "Enabled" });
    expect(await smi.gpuInstances(0)).toEqual([]);
    expect(await smi.computeInstances(0)).toEqual([]);
    expect((await smi.giProfiles(0)).map((p) => [p.profileId, p.free, p.total])).toEqual([
      [19, 7, 7],
      [20, 1, 1],
      [15, 4, 4],
      [14, 3, 3],
      [9, 2, 2],
      [5, 1, 1],
      [0, 1, 1],
    ]);
    expect((await smi.giPlacements(0)).find((p) => p.profileId === 9)).toEqual({ gpuIndex: 0, profileId: 9, starts: [0, 4], size: 4 });

    const created = await smi.createGpuInstances(0, Array(7).fill(19), true);
    expect(created.gpuInstances.map((g) => g.instanceId)).toEqual([13, 11, 12, 7, 8, 9, 10]);
    expect(created.computeInstances).toHaveLength(7);

    const gis = await smi.gpuInstances(0);
    expect(gis.map((g) => g.placement.start).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const cis = await smi.computeInstances(0);
    expect(cis.map((c) => c.gpuInstanceId).sort((a, b) => a - b)).toEqual([7, 8, 9, 10, 11, 12, 13]);

    const devices = await smi.migDevices(0);
    expect(devices).toHaveLength(7);
    expect(new Set(devices.map((d) => d.uuid)).size).toBe(7);
    expect(devices.every((d) => /^MIG-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(d.uuid))).toBe(true);
    // Devices come in placement order: slot 0 holds GI 7.
    expect(devices.map((d) => [d.deviceIndex, d.giId, d.ciId, d.profileName])).toEqual([7, 8, 9, 10, 11, 12, 13].map((gi, k) => [k, gi, 0, "1g.5gb"]));
    const state = readSimState(stateFile);
    expect(devices.map((d) => d.uuid).sort()).toEqual((state.gpus[0]?.gpuInstances ?? []).flatMap((gi) => gi.computeInstances.map((ci) => ci.uuid)).sort());

    expect(await smi.destroyComputeInstances(0)).toHaveLength(7);
    expect(await smi.destroyGpuInstances(0)).toHaveLength(7);
    expect(await smi.setMigMode(0, false)).toMatchObject({ pending: false });
    expect(readSimState(stateFile)).toEqual(initial);
  });

  it("creates a GPU instance, then its compute instances separately, and destroys them one by one", async () => {
    fresh();
    await smi.setMigMode(0, true);
    const { gpuInstances } = await smi.createGpuInstances(0, ["4g.20gb"], false);
    expect(gpuInstances).toEqual([{ gpuIndex: 0, instanceId: 1, profileName: "4g.20gb", profileId: 5 }]);
    expect((await smi.ciProfiles(0, 1)).map((p) => [p.name, p.free, p.isDefault])).toEqual([
      ["1c.4g.20gb", 4, false],
      ["2c.4g.20gb", 2, false],
      ["4g.20gb", 1, true],
    ]);
    const cis = await smi.createComputeInstances(0, 1, ["1c.4g.20gb", 0]);
    expect(cis.map((c) => [c.gpuInstanceId, c.instanceId, c.profileName])).toEqual([
      [1, 0, "1c.4g.20gb"],
      [1, 1, "1c.4g.20gb"],
    ]);
    expect((await smi.migDevices(0)).map((d) => [d.giId, d.ciId])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    const inUse = await smi.destroyGpuInstances(0, 1).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(NvidiaSmiError);
    expect((inUse as NvidiaSmiError).toolMessage).toContain("Unable to destroy GPU instance ID  1 from GPU  0: In use by another client");
    expect(await smi.destroyComputeInstances(0, 1, 1)).toEqual([{ gpuIndex: 0, gpuInstanceId: 1, instanceId: 1 }]);
    expect(await smi.destroyComputeInstances(0, 1)).toEqual([{ gpuIndex: 0, gpuInstanceId: 1, instanceId: 0 }]);
    expect(await smi.destroyComputeInstances(0, 1)).toEqual([]);
    expect(await smi.destroyGpuInstances(0, 1)).toEqual([{ gpuIndex: 0, instanceId: 1 }]);
    expect(await smi.destroyGpuInstances(0)).toEqual([]);
  });

  it("turns a failed -cgi into an NvidiaSmiError that keeps what was created", async () => {
    fresh();
    await smi.setMigMode(0, true);
    const error = await smi.createGpuInstances(0, [19, 19, 14, 9], false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NvidiaSmiError);
    const e = error as NvidiaSmiError;
    expect(e.reason).toBe("failed");
    expect(e.exitCode).not.toBe(0);
    expect(e.commandLine).toBe("nvidia-smi mig -i 0 -cgi 19,19,14,9");
    expect(e.toolMessage).toMatch(/Unable to create a GPU instance on GPU {2}0 using profile 9: Insufficient Resources\nFailed to create GPU instances: Insufficient Resources$/);
    expect(parseCreateOutput(e.stdout).gpuInstances.map((g) => g.instanceId)).toEqual([13, 11, 3]);
    expect((await smi.gpuInstances(0)).map((g) => g.instanceId)).toEqual([3, 11, 13]);
  });

  it("reports a pending MIG mode, compute apps and telemetry", async () => {
    fresh("H100-SXM5-80GB");
    updateSimState(stateFile, (s) => void s.gpus[0]?.processes.push({ pid: 23808, name: "/tmp/ghost", usedMemoryMiB: 4188 }));
    const change = await smi.setMigMode(0, true);
    expect(change.pending).toBe(true);
    expect(change.message).toMatch(/^Warning: MIG mode is in pending enable state for GPU 00000000:07:00.0:In use by another client/);
    expect(await smi.migMode(0)).toEqual({ current: "Disabled", pending: "Enabled" });
    expect(await smi.computeApps(0)).toEqual([{ gpuUuid: initial.gpus[0]?.uuid, pid: 23808, processName: "/tmp/ghost", usedMemoryMiB: 4188 }]);
    const [row] = await smi.queryGpus(["name", "memory.total", "power.draw", "clocks.sm", "utilization.gpu", "temperature.gpu"], 0);
    expect(row?.name).toBe("NVIDIA H100 80GB HBM3");
    expect(row?.["memory.total"]).toBe("81559");
    expect(Number(row?.["power.draw"])).toBeGreaterThan(100);
    expect(Number(row?.["clocks.sm"])).toBeGreaterThan(1000);
    expect(await smi.driverInfo()).toEqual({ driverVersion: "535.129.03", cudaVersion: "12.2" });
  });

  it("says which command failed: missing binary, timeout, unsupported MIG", async () => {
    fresh("T4");
    const missing = await new NvidiaSmi({ bin: path.join(dir, "no-such-nvidia-smi") }).listGpus().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NvidiaSmiError);
    expect((missing as NvidiaSmiError).reason).toBe("not-found");
    expect((missing as NvidiaSmiError).message).toContain("no-such-nvidia-smi -L");

    const slow = path.join(dir, "slow-nvidia-smi");
    writeFileSync(slow, "#!/bin/sh\nexec sleep 5\n");
    chmodSync(slow, 0o755);
    const timeout = await new NvidiaSmi({ bin: slow, timeoutMs: 300 }).listGpus().catch((e: unknown) => e);
    expect((timeout as NvidiaSmiError).reason).toBe("timeout");

    const unsupported = await smi.setMigMode(0, true).catch((e: unknown) => e);
    expect(unsupported).toBeInstanceOf(NvidiaSmiError);
    expect((unsupported as NvidiaSmiError).toolMessage).toContain("Unable to enable MIG Mode for GPU 00000000:07:00.0: Not Supported");
    expect(await smi.migMode(0)).toEqual({ current: undefined, pending: undefined });

    const noMig = await smi.giProfiles(0).catch((e: unknown) => e);
    expect((noMig as NvidiaSmiError).exitCode).toBe(6);
    expect((noMig as NvidiaSmiError).toolMessage).toBe("No MIG-supported devices found.");
  });
});

describe("fields a driver may not know, through the executable", () => {
  it("a 535 driver answers clocks_event_reasons.active at the first ask; an older one refuses it and answers the old name", async () => {
    const asked: string[] = [];
    const exec = (args: readonly string[], options: ExecOptions): Promise<ExecResult> => {
      asked.push(args[0] ?? "");
      return execNvidiaSmi(args, options);
    };
    const choices = [["power.draw"], ["clocks_event_reasons.active", "clocks_throttle_reasons.active"]] as const;
    const options = { bin: "nvidia-smi", timeoutMs: 20_000, env };
    fresh();
    const current = await queryGpuTolerant(choices, 0, options, exec);
    expect(asked).toEqual(["--query-gpu=power.draw,clocks_event_reasons.active"]);
    expect(current).toEqual({ record: { "power.draw": expect.any(String), "clocks_event_reasons.active": "0x0000000000000001" }, unsupported: [] });

    // Refusals are remembered per tool: the older driver is asked under another PATH, as another tool.
    initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: stateFile, seed: "e2e", driverVersion: "530.30.02" });
    asked.length = 0;
    const older = await queryGpuTolerant(choices, 0, { ...options, env: { ...env, PATH: `${env.PATH}${path.delimiter}/nonexistent` } }, exec);
    expect(asked).toEqual(["--query-gpu=power.draw,clocks_event_reasons.active", "--query-gpu=power.draw,clocks_throttle_reasons.active"]);
    expect(older).toEqual({ record: { "power.draw": expect.any(String), "clocks_event_reasons.active": "0x0000000000000001" }, unsupported: [] });
  });
});
