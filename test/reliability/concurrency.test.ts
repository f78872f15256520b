/**
 * Two runs on one GPU, through the real `bench` on one simulated host (one state folder, as on a shared
 * machine): the second stops naming the first, or with --wait-lock waits for it and runs after it; a
 * lock left by a process that is gone is reported as stale and `bench cleanup` clears it.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/errors.js";
import { listLocks, PartitionSession } from "../../src/gpu/partition/index.js";
import { readRun } from "../../src/results/index.js";
import { bench, expectRestored, makeHost, markerFor, processesWith, removeTempDirs, runDirOf, shellScenario, SUMMARY_LINE } from "./helpers.js";

afterAll(removeTempDirs);

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("two runs on the same GPU", () => {
  it("the second stops naming the first; with --wait-lock it waits, then runs once the first is done", async () => {
    const host = makeHost("T4", "two-runs");
    const marker = markerFor("two-runs");
    const release = path.join(host.dir, "release");
    // The first run's workload holds the GPU until the test releases it.
    const scenario = shellScenario(host, { name: "two-runs", mig: false, marker, workloads: { w: `while [ ! -e ${release} ]; do sleep 0.05; done; echo '${SUMMARY_LINE}'` } });
    const args = ["run", scenario.file, "--gpu", "sim", "--out", host.results];

    const first = bench(host, args);
    await waitFor(() => processesWith(marker).length > 0, "the first run's workload started");

    const second = await bench(host, args);
    expect(second.exitCode).toBe(EXIT.environment);
    expect(String(second.stderr)).toMatch(
      new RegExp(`GPU 0 \\(GPU-[0-9a-f-]+\\) is in use by run \\S+-two-runs-[0-9a-f]{4} \\(pid ${first.pid} on ${os.hostname()}, since [^)]*: \\S+bench\\.js run ${scenario.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} .*\\); wait for it to finish, or pass --wait-lock`),
    );
    expect((await readRun(runDirOf(second.stdout))).executions).toEqual([]);

    const third = bench(host, [...args, "--wait-lock"]);
    let waiting = "";
    third.stderr?.on("data", (chunk: Buffer) => {
      waiting += chunk.toString();
    });
    await waitFor(() => /waiting: GPU 0 .* is in use by run \S+-two-runs-/.test(waiting), "the third run waits");
    writeFileSync(release, "");
    const [firstDone, thirdDone] = await Promise.all([first, third]);
    expect(firstDone.exitCode, String(firstDone.stderr)).toBe(EXIT.ok);
    expect(thirdDone.exitCode, String(thirdDone.stderr)).toBe(EXIT.ok);
    const [a, c] = await Promise.all([readRun(runDirOf(firstDone.stdout)), readRun(runDirOf(thirdDone.stdout))]);
    expect(Date.parse(c.executions[0]?.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(a.endedAt ?? ""));
    expectRestored(host, marker, "two runs");
  });

  it("reports a stale lock from a process that is gone, which bench cleanup clears", async () => {
    const host = makeHost("T4", "stale");
    const marker = markerFor("stale");
    const scenario = shellScenario(host, { name: "stale", mig: false, marker, workloads: { w: `echo '${SUMMARY_LINE}'` } });
    // A run that took the lock and died: its process (a PID that has exited) never released it.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid ?? 999_999;
    const owner = { pid: dead, hostname: os.hostname(), runId: "killed-run", startedAt: new Date().toISOString(), command: ["bench", "run", "killed.yaml"] };
    await PartitionSession.open({ smi: host.smi, root: host.stateDir, gpuIndex: 0, runId: owner.runId, purpose: "run", owner });
    expect(listLocks(host.stateDir)).toHaveLength(1);

    const refused = await bench(host, ["run", scenario.file, "--gpu", "sim", "--out", host.results]);
    expect(refused.exitCode).toBe(EXIT.environment);
    expect(String(refused.stderr)).toMatch(
      new RegExp(`is locked by run killed-run \\(pid ${dead} on ${os.hostname()}, .*\\), which is no longer running \\(stale lock\\); it may have left the GPU partitioned: run \`bench cleanup\``),
    );
    const cleanup = await bench(host, ["cleanup", "--sim"]);
    expect(cleanup.exitCode).toBe(EXIT.ok);
    expect(String(cleanup.stdout)).toMatch(new RegExp(`^cleared stale lock .*\\.lock \\(run killed-run \\(pid ${dead} `, "m"));
    const after = await bench(host, ["run", scenario.file, "--gpu", "sim", "--out", host.results]);
    expect(after.exitCode, String(after.stderr)).toBe(EXIT.ok);
    expectRestored(host, marker, "stale lock cleared");
  });
});
