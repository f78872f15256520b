/**
 * The GPU commands through the real CLI and the real simulated nvidia-smi executable: by-hand
 * partitioning (dry run, apply, show, export to mig-parted, reset), and a `bench run` killed with
 * SIGKILL in the middle of partitioning, whose stale lock stops the next run until `bench cleanup`
 * restores the exact starting state.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { initSimState, readSimState, simBinDir, updateSimState } from "../../src/gpu/sim/index.js";
import { bench, benchBin, root, tempDir } from "./helpers.js";

function simHost(model: string): { file: string; env: Record<string, string>; initial: ReturnType<typeof readSimState>["gpus"] } {
  const dir = tempDir("cli-partition");
  const file = path.join(dir, "sim.json");
  const initial = initSimState({ model, gpus: 1, file }).gpus;
  return { file, env: { MIGBENCH_SIM_STATE: file, MIGBENCH_STATE_DIR: path.join(dir, "state") }, initial };
}

describe("bench partition apply of a multi-case scenario", () => {
  it("is refused (exit 2, GPU untouched) instead of applying the first case's layout", async () => {
    const host = simHost("A100-SXM4-40GB");
    const result = await bench(["partition", "apply", "scenarios/quickstart.yaml", "--sim"], host.env);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain("scenarios/quickstart.yaml holds 3 cases (quickstart-mig-7x1g, quickstart-nomig-7-parallel, quickstart-nomig-7-serial)");
    expect(readSimState(host.file).gpus).toEqual(host.initial);
  });
});

describe("bench gpus / partition on the simulated GPU", () => {
  it("dry-runs, applies, shows, exports for mig-parted, re-applies idempotently and resets to the start", async () => {
    const host = simHost("A100-SXM4-40GB");
    const smi = path.join(simBinDir(), "nvidia-smi");

    const dry = await bench(["partition", "apply", "3g.20gb+2x1g.5gb", "--sim", "--dry-run"], host.env);
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    expect(String(dry.stdout)).toContain(`would run:\n  ${smi} -i 0 -mig 1\n  ${smi} mig -i 0 -cgi 9,19,19 -C\n`);
    expect(readSimState(host.file).gpus).toEqual(host.initial);

    const applied = await bench(["partition", "apply", "3g.20gb+2x1g.5gb", "--sim"], host.env);
    expect(applied.exitCode, String(applied.stderr)).toBe(0);
    expect(String(applied.stdout)).toMatch(/^GPU 0: applied 3g\.20gb@4 \+ 1g\.5gb@0 \+ 1g\.5gb@1$/m);
    expect(String(applied.stdout).match(/MIG-[0-9a-f-]{36}/g)).toHaveLength(3);

    const gpus = await bench(["gpus", "--sim"], host.env);
    expect(String(gpus.stdout)).toMatch(/^GPU 0: NVIDIA A100-SXM4-40GB \(GPU-[0-9a-f-]+\), catalog model A100-SXM4-40GB, driver 535\.129\.03\n {2}MIG mode: Enabled\n {2}GPU instances:\n {4}GI +\d+ {2}1g\.5gb +slot 0:1\n {6}CI +0 {2}1g\.5gb +MIG-/);
    expect(String(gpus.stdout)).toMatch(/GI +\d+ {2}3g\.20gb +slot 4:4\n/);
    expect(String(gpus.stdout)).toMatch(/ {2}processes: none\n {2}lock: free\n {2}applied by migbench: 3g\.20gb@4 \+ .*undo with `bench partition reset --gpu-index 0`/);

    const exported = path.join(path.dirname(host.file), "mig-parted.yaml");
    const exportRun = await bench(["partition", "export", "--sim", "--format", "mig-parted", "--out", exported, "--name", "study"], host.env);
    expect(exportRun.exitCode, String(exportRun.stderr)).toBe(0);
    expect(readFileSync(exported, "utf8")).toBe('version: v1\nmig-configs:\n  study:\n    - devices: [0]\n      mig-enabled: true\n      mig-devices:\n        "3g.20gb": 1\n        "1g.5gb": 2\n');

    const again = await bench(["partition", "apply", exported, "--sim"], host.env);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(String(again.stdout)).toMatch(/^GPU 0 already had 3g\.20gb@4 .*: nothing changed$/m);

    const reset = await bench(["partition", "reset", "--sim"], host.env);
    expect(reset.exitCode, String(reset.stderr)).toBe(0);
    expect(String(reset.stdout)).toMatch(/^undone: 3g\.20gb@4 \+ .*\nGPU 0: MIG Disabled, 0 GPU instance\(s\)$/);
    expect(readSimState(host.file).gpus).toEqual(host.initial);
  });
});

describe("a run killed with SIGKILL while partitioning", () => {
  it("leaves a stale lock that stops the next run; bench cleanup restores the exact start, then has nothing to do", async () => {
    const host = simHost("H100-SXM5-80GB");
    // The first -cgi creates its instances, then never answers: the run is stuck mid-partition.
    updateSimState(host.file, (s) => void (s.faults = [{ command: "-cgi", nth: 1, error: "hang", applied: true, hangMs: 30_000 }]));
    const out = tempDir("results");
    const child = execa("node", [benchBin, "run", "test/fixtures/scenarios/run/long.yaml", "--gpu", "sim:H100-SXM5-80GB", "--out", out], {
      cwd: root,
      reject: false,
      detached: true,
      env: host.env,
    });
    // Wait until the run is stuck inside -cgi, its instances created.
    const deadline = Date.now() + 30_000;
    while ((readSimState(host.file).gpus[0]?.gpuInstances.length ?? 0) < 2) {
      if (Date.now() > deadline) throw new Error("the run never reached -cgi");
      await new Promise((r) => setTimeout(r, 100));
    }
    // kill -9 the whole process group: bench and the nvidia-smi it waits for.
    process.kill(-(child.pid ?? 0), "SIGKILL");
    await child;
    expect(readSimState(host.file).gpus[0]?.gpuInstances).toHaveLength(2);

    const refused = await bench(["partition", "apply", "7x1g.10gb", "--sim"], host.env);
    expect(refused.exitCode).toBe(3);
    expect(String(refused.stderr)).toMatch(/is locked by run [0-9-]+-long-[0-9a-f]+ \(pid \d+ on .*\), which is no longer running \(stale lock\); .*run `bench cleanup`/);

    const cleaned = await bench(["cleanup", "--sim"], host.env);
    expect(cleaned.exitCode, String(cleaned.stderr)).toBe(0);
    expect(String(cleaned.stdout)).toMatch(/^restored: GPU GPU-[0-9a-f-]+, left by run [0-9-]+-long-/);
    expect(String(cleaned.stdout)).toMatch(/^cleared stale lock /m);
    expect(readSimState(host.file).gpus).toEqual(host.initial);

    const twice = await bench(["cleanup", "--sim"], host.env);
    expect(String(twice.stdout)).toMatch(/^nothing to clean up/);
  });
});
