/**
 * A run killed (kill -9) at every step of the lifecycle, then `bench cleanup`: at each nvidia-smi call
 * boundary the world is copied (the simulated GPU and migbench's state folder, as the kill leaves them:
 * journal and lock naming a process that is gone); cleanup on each copy must bring the GPU back to the
 * exact starting state, clear the stale lock, and find nothing to do the second time. Also: lock
 * contention, waiting for a lock, stale and foreign locks.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../../src/errors.js";
import { cleanup, listLocks, lockPath, openJournalFiles, PartitionSession } from "../../../src/gpu/partition/index.js";
import { NvidiaSmi } from "../../../src/gpu/nvidia-smi/index.js";
import { inProcessSim, readSimState } from "../../../src/gpu/sim/index.js";
import { deadOwner, gpusOf, lifecycle, makeHost, wantedOfScenario, type HostOptions, removeTempDirs, tempDir } from "./harness.js";

afterAll(removeTempDirs);

type World = Map<string, string>;

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** The simulated GPU and the state folder, as text keyed by path relative to the host's folder. */
function copyWorld(dir: string): World {
  return new Map(filesUnder(dir).map((f) => [path.relative(dir, f), readFileSync(f, "utf8")]));
}

function materialize(world: World): { dir: string; smi: NvidiaSmi; root: string; file: string } {
  const dir = tempDir("killed");
  for (const [rel, text] of world) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  const file = path.join(dir, "sim.json");
  return { dir, file, root: path.join(dir, "state"), smi: new NvidiaSmi({ exec: inProcessSim(file), timeoutMs: 1000 }) };
}

const CASES: { name: string; scenario: string; host?: HostOptions }[] = [
  { name: "two-level A100", scenario: "scenarios/a100-40gb/two-level.yaml" },
  { name: "7 x 1g on an H100", scenario: "scenarios/h100-80gb/table1-mig-7x1g.yaml" },
  {
    name: "full-GPU scenario on an A100 found with MIG on",
    scenario: "scenarios/a100-40gb/table1-nomig-7-serial.yaml",
    host: { change: (s) => void (s.gpus[0] && (s.gpus[0].migMode = { current: "Enabled", pending: "Enabled" })) },
  },
];

describe.each(CASES)("killed at every step, then bench cleanup: $name", ({ scenario, host: hostOptions }) => {
  it("restores the exact starting state from each point, and a second cleanup finds nothing", async () => {
    const { wanted, model } = await wantedOfScenario(scenario);
    const worlds: { at: string; world: World }[] = [];
    let dir = "";
    const host = makeHost(model, {
      ...hostOptions,
      around: async (args, run) => {
        worlds.push({ at: `before ${args.join(" ")}`, world: copyWorld(dir) });
        const result = await run();
        worlds.push({ at: `after ${args.join(" ")}`, world: copyWorld(dir) });
        return result;
      },
    });
    dir = host.dir;
    const outcome = await lifecycle(host, wanted, { owner: deadOwner("killed-run") });
    expect(outcome.error).toBeUndefined();
    expect(worlds.length).toBeGreaterThanOrEqual(16);

    let restored = 0;
    for (const { at, world } of worlds) {
      const copy = materialize(world);
      const first = await cleanup({ smi: copy.smi, root: copy.root });
      expect(first.entries.filter((e) => e.outcome !== "restored"), at).toEqual([]);
      expect(readSimState(copy.file).gpus, at).toEqual(host.initialGpus);
      expect(listLocks(copy.root), at).toEqual([]);
      expect(openJournalFiles(copy.root), at).toEqual([]);
      restored += first.entries.length;
      const second = await cleanup({ smi: copy.smi, root: copy.root });
      expect(second, at).toEqual({ entries: [], locksCleared: [], locksKept: [] });
    }
    expect(restored).toBeGreaterThan(worlds.length / 2);
  });
});

describe("the per-GPU lock", () => {
  it("refuses a second session on the same GPU, naming the first; --wait-lock waits for it", async () => {
    const { wanted } = await wantedOfScenario("scenarios/quickstart-mig.yaml");
    const host = makeHost("A100-SXM4-40GB");
    const first = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "first-run", purpose: "run", command: ["bench", "run", "a.yaml"] });
    await first.apply(wanted);
    const second = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "second-run", purpose: "run" }).catch((e: unknown) => e);
    expect(second).toMatchObject({ exitCode: EXIT.environment });
    expect((second as Error).message).toMatch(
      new RegExp(`^GPU 0 \\(GPU-[0-9a-f-]+\\) is in use by run first-run \\(pid ${process.pid} on ${os.hostname()}, since .*: bench run a\\.yaml\\); wait for it to finish, or pass --wait-lock`),
    );

    const waiting: string[] = [];
    const queued = PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "queued-run", purpose: "run", waitLock: true, log: (l) => waiting.push(l) });
    await new Promise((r) => setTimeout(r, 200));
    expect(waiting.join("\n")).toMatch(/waiting: GPU 0 .* is in use by run first-run/);
    expect(await first.restore()).toEqual([]);
    first.release();
    const third = await queued;
    // It reads the GPU under the lock: as the first run left it (restored).
    expect(third.snapshot.migMode.current).toBe("Disabled");
    third.release();
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("reports a stale lock (its run was killed) instead of taking it; bench cleanup restores and clears it", async () => {
    const { wanted } = await wantedOfScenario("scenarios/a100-40gb/mixed-3g-4x1g.yaml");
    const host = makeHost("A100-SXM4-40GB");
    const killed = deadOwner("killed-run");
    const crashed = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: killed.runId, purpose: "run", owner: killed });
    await crashed.apply(wanted); // ...and never restores: the process "died" here.
    const refused = await lifecycle(host, wanted);
    expect(refused.error?.message).toMatch(
      new RegExp(`is locked by run killed-run \\(pid ${killed.pid} on .*\\), which is no longer running \\(stale lock\\); it may have left the GPU partitioned: run \`bench cleanup\``),
    );
    expect(gpusOf(host)[0]?.gpuInstances).toHaveLength(5);

    const report = await cleanup({ smi: host.smi, root: host.root });
    expect(report.entries.map((e) => e.outcome)).toEqual(["restored"]);
    expect(report.locksCleared).toHaveLength(1);
    expect(gpusOf(host)).toEqual(host.initialGpus);
    expect((await lifecycle(host, wanted)).error).toBeUndefined();
    expect(await cleanup({ smi: host.smi, root: host.root })).toEqual({ entries: [], locksCleared: [], locksKept: [] });
  });

  it("leaves a live run's journal and lock alone, and a lock from another host", async () => {
    const { wanted } = await wantedOfScenario("scenarios/quickstart-mig.yaml");
    const host = makeHost("A100-SXM4-40GB");
    const live = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "live-run", purpose: "run" });
    await live.apply(wanted);
    const report = await cleanup({ smi: host.smi, root: host.root });
    expect(report.entries.map((e) => [e.outcome, e.details[0]])).toEqual([["skipped", "its run is still going; it restores the GPU itself"]]);
    expect(report.locksKept.join("\n")).toMatch(/held by run live-run .*, still running/);
    expect(gpusOf(host)[0]?.gpuInstances).toHaveLength(7);
    expect(await live.restore()).toEqual([]);
    live.release();

    const lock = lockPath(host.root, host.initialGpus[0]?.uuid ?? "");
    const elsewhere = { ...deadOwner("remote-run"), hostname: "another-host" };
    mkdirSync(path.dirname(lock), { recursive: true });
    writeFileSync(lock, JSON.stringify({ version: 1, gpu: { uuid: host.initialGpus[0]?.uuid, index: 0, name: "x" }, owner: elsewhere }));
    expect((await lifecycle(host, wanted)).error?.message).toMatch(/locked by run remote-run .* on another host sharing this state folder/);
    expect((await cleanup({ smi: host.smi, root: host.root })).locksKept.join("\n")).toMatch(/held by run remote-run .*, on another host/);
    writeFileSync(lock, "{ half a lock");
    expect((await lifecycle(host, wanted)).error?.message).toMatch(/has a lock file migbench cannot read .*not JSON/);
  });
});
