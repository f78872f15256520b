/** The simulator's fault injection, reset behaviours and `+me` limit, in-process (one run of the real executable for a hang). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initSimState, readSimState, runSim, simBinDir, updateSimState, type SimFault, type SimResult } from "../../src/gpu/sim/index.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "migbench-simfault-"));
  file = path.join(dir, "state.json");
  initSimState({ model: "A100-SXM4-40GB", gpus: 1, file, seed: "faults" });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const smi = (...argv: string[]): SimResult => runSim(argv, { MIGBENCH_SIM_STATE: file });
const faults = (list: SimFault[]): void => updateSimState(file, (s) => void (s.faults = list));
const gis = (): number => readSimState(file).gpus[0]?.gpuInstances.length ?? -1;

describe("fault injection", () => {
  it("fails only the nth call of the named command, in the tool's words and exit code", () => {
    smi("-i", "0", "-mig", "1");
    faults([{ command: "-cgi", nth: 2, error: "In use by another client" }]);
    expect(smi("mig", "-cgi", "19", "-C").exitCode).toBe(0);
    expect(smi("mig", "-i", "0", "-lgi").exitCode).toBe(0); // other commands are not counted
    expect(smi("mig", "--create-gpu-instance", "19", "-C")).toEqual({
      stdout: "Unable to create a GPU instance on GPU  0 using profile 19: In use by another client\nFailed to create GPU instances: In use by another client\n",
      stderr: "",
      exitCode: 255,
    });
    expect(smi("mig", "-cgi", "19", "-C").exitCode).toBe(0);
    expect(gis()).toBe(2);
    expect(readSimState(file).faultCalls).toEqual({ "-cgi": 3 });
  });

  it("`after`: creates that many of the list, then fails on the next", () => {
    smi("-i", "0", "-mig", "1");
    faults([{ command: "-cgi", error: "Insufficient Resources", after: 2 }]);
    const out = smi("mig", "-cgi", "9,19,19", "-C");
    expect(out.exitCode).toBe(255);
    expect(out.stdout.split("\n").filter((l) => l.startsWith("Successfully created GPU"))).toHaveLength(2);
    expect(out.stdout).toMatch(/using profile 19: Insufficient Resources\nFailed to create GPU instances: Insufficient Resources\n$/);
    expect(gis()).toBe(2);
  });

  it("`silent`: says it succeeded, exits 0, changes nothing", () => {
    smi("-i", "0", "-mig", "1");
    faults([{ command: "-cgi", error: "silent" }]);
    const out = smi("mig", "-cgi", "19", "-C");
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^Successfully created GPU instance ID/);
    expect(gis()).toBe(0);
  });

  it("`applied`: the change happens, then the failure; `exit:N`: Unknown Error with that code", () => {
    faults([
      { command: "-mig", nth: 1, error: "Unknown Error", applied: true },
      { command: "-dgi", error: "exit:4" },
    ]);
    const mig = smi("-i", "0", "-mig", "1");
    expect(mig.stdout).toMatch(/^Enabled MIG Mode for GPU 00000000:07:00\.0\nAll done\.\nUnable to enable MIG Mode for GPU 00000000:07:00\.0: Unknown Error\n/);
    expect(readSimState(file).gpus[0]?.migMode.current).toBe("Enabled");
    smi("mig", "-cgi", "19", "-C");
    expect(smi("mig", "-dgi")).toMatchObject({ stdout: "Failed to destroy GPU instances: Unknown Error\n", exitCode: 4 });
  });

  it("`hang`: the executable stays silent until killed or the hang runs out", async () => {
    faults([{ command: "-L", error: "hang", hangMs: 400 }]);
    expect(smi("-L")).toMatchObject({ stdout: "", hangMs: 400 });
    const started = Date.now();
    const run = await execa(path.join(simBinDir(), "nvidia-smi"), ["-L"], { env: { MIGBENCH_SIM_STATE: file }, reject: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect([run.stdout, run.exitCode]).toEqual(["", 1]);
  });

  it("rejects a malformed fault with the state file's name", () => {
    const bad = path.join(dir, "bad.json");
    // Written without the simulator's validation: the point is a bad file.
    writeFileSync(bad, JSON.stringify({ ...readSimState(file), faults: [{ command: "cgi", error: "boom" }] }));
    const out = runSim(["-L"], { MIGBENCH_SIM_STATE: bad });
    expect(out.exitCode).toBe(255);
    expect(out.stderr).toMatch(/state file .*bad\.json: invalid: faults\.0\.command: expected the option that names the command/);
  });
});

describe("MIG mode changes that need a reset", () => {
  it("prints the pending warning, resets with the real messages, refuses in a VM", () => {
    updateSimState(file, (s) => void (s.gpus[0] && (s.gpus[0].migModeChangeNeedsReset = true)));
    expect(smi("-i", "0", "-mig", "1").stdout).toBe(
      "Warning: MIG mode is in pending enable state for GPU 00000000:07:00.0:Not Supported\n" +
        "Reboot the system or try nvidia-smi --gpu-reset to make MIG mode effective on GPU 00000000:07:00.0\nAll done.\n",
    );
    expect(readSimState(file).gpus[0]?.migMode).toEqual({ current: "Disabled", pending: "Enabled" });
    expect(smi("-i", "0", "--gpu-reset")).toEqual({ stdout: "GPU 00000000:07:00.0 was successfully reset.\nAll done.\n", stderr: "", exitCode: 0 });
    expect(readSimState(file).gpus[0]?.migMode).toEqual({ current: "Enabled", pending: "Enabled" });
    updateSimState(file, (s) => void (s.gpus[0] && (s.gpus[0].resetSupported = false)));
    smi("-i", "0", "-mig", "0");
    expect(smi("-i", "0", "-r")).toMatchObject({ stdout: "Resetting GPU 00000000:07:00.0 is not supported.\n", exitCode: 3 });
  });

  it("processes on the GPU keep the change pending and block the reset", () => {
    updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 77, name: "python", usedMemoryMiB: 100 }));
    expect(smi("-i", "0", "-mig", "1").stdout).toMatch(/pending enable state for GPU 00000000:07:00\.0:In use by another client/);
    expect(smi("-i", "0", "--gpu-reset").stdout).toMatch(/^The following GPUs could not be reset:\n {2}GPU 00000000:07:00\.0: In use by another client/);
  });
});

describe("+me limits", () => {
  it("one media-extension instance per GPU: the second is Insufficient Resources", () => {
    smi("-i", "0", "-mig", "1");
    const out = smi("mig", "-cgi", "20,1g.5gb+me", "-C");
    expect(out.exitCode).toBe(255);
    expect(out.stdout).toMatch(/using profile 1g\.5gb\+me: Insufficient Resources/);
    expect(gis()).toBe(1);
  });
});
