/**
 * The nvidia-smi calls of one partition lifecycle (each is a process on a real host, and a Node start-up
 * with the simulator): how many, which reads go together, and the batched teardown, also when a
 * batched destroy fails part-way.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ExecResult } from "../../../src/gpu/nvidia-smi/index.js";
import { cleanup, openJournalFiles } from "../../../src/gpu/partition/index.js";
import { updateSimState } from "../../../src/gpu/sim/index.js";
import { deadOwner, gpusOf, lifecycle, makeHost, removeTempDirs, setFaults, wantedOfScenario, type Host } from "./harness.js";

afterAll(removeTempDirs);

const SEVEN = "scenarios/a100-40gb/table2-mig-7x1g-parallel.yaml";
const mutating = (host: Host): string[] => host.calls.filter((a) => a.some((t) => /^-(mig|cgi|cci|dci|dgi)$/.test(t))).map((a) => a.join(" "));
const what = (args: readonly string[]): string => args.find((a) => /^(-[a-zA-Z]+|--query-[a-z-]+)/.test(a) && a !== "-i")?.replace(/=.*/, "") ?? args.join(" ");

/**
 * A host whose calls each wait for the next turn of the event loop, so that calls issued together are
 * in flight together: `rounds` lists them, one entry per batch started while none other ran.
 */
function roundsHost(): { host: Host; rounds: string[][] } {
  const rounds: string[][] = [];
  let inFlight = 0;
  const host = makeHost("A100-SXM4-40GB", {
    around: async (args, run): Promise<ExecResult> => {
      if (inFlight === 0) rounds.push([]);
      rounds.at(-1)?.push(what(args));
      inFlight++;
      await new Promise((resolve) => setImmediate(resolve));
      try {
        return await run();
      } finally {
        inFlight--;
      }
    },
  });
  return { host, rounds };
}

describe("a 7 x 1g lifecycle", () => {
  it("creates in one call, destroys in one -dci and one -dgi for all seven, and reads together what can be read together", async () => {
    const { wanted } = await wantedOfScenario(SEVEN);
    const { host, rounds } = roundsHost();
    let ids: number[] = [];
    const outcome = await lifecycle(host, wanted, {
      during: () => {
        ids = (gpusOf(host)[0]?.gpuInstances ?? []).map((gi) => gi.id).sort((a, b) => b - a);
      },
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.problems).toEqual([]);
    expect(ids).toHaveLength(7);
    expect(mutating(host)).toEqual([
      "-i 0 -mig 1",
      "mig -i 0 -cgi 19,19,19,19,19,19,19 -C",
      `mig -i 0 -dci -gi ${ids.join(",")}`,
      `mig -i 0 -dgi -gi ${ids.join(",")}`,
      "-i 0 -mig 0",
    ]);
    // Each round's calls in any order.
    expect(rounds.map((round) => [...round].sort())).toEqual(
      [
        ["--query-gpu"], // find the GPU (before the lock)
        ["--query-compute-apps"], // snapshot under the lock
        ["-mig"],
        ["-cgi"],
        ["-L", "-q", "-lgi", "-lci"], // MIG devices looked up during the read-back
        // Teardown starts from that read-back: nothing changed it while the session held the GPU.
        ["-dci"],
        ["-dgi"],
        ["-mig"],
        ["--query-gpu"], // read back: as found
      ].map((round) => round.sort()),
    );
    expect(host.calls).toHaveLength(12);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("a batched destroy that fails part-way: the rest one at a time, and exactly what is left is reported", async () => {
    const { wanted } = await wantedOfScenario(SEVEN);
    const host = makeHost("A100-SXM4-40GB");
    let busy: { id: number; start: number } | undefined;
    const outcome = await lifecycle(host, wanted, {
      owner: deadOwner("batched-destroy"),
      during: () => {
        // A process on one MIG device: its compute instance cannot be destroyed, the other six can.
        updateSimState(host.file, (s) => {
          const gpu = s.gpus[0];
          const gi = gpu?.gpuInstances[3];
          if (!gpu || !gi) throw new Error("no GPU instance to hold");
          busy = { id: gi.id, start: gi.start };
          gpu.processes.push({ pid: 4242, name: "python", usedMemoryMiB: 900, gpuInstanceId: gi.id, computeInstanceId: 0 });
        });
      },
    });
    if (!busy) throw new Error("the lifecycle did not run");
    const held = `GI ${busy.id} 1g.5gb at slot ${busy.start}:1 (CI 0 1g.5gb)`;
    expect(gpusOf(host)[0]?.gpuInstances.map((gi) => gi.id)).toEqual([busy.id]);
    expect(gpusOf(host)[0]?.migMode.current).toBe("Enabled");
    const destroyProblems = outcome.problems.filter((p) => p.startsWith("destroy "));
    expect(destroyProblems).toHaveLength(1);
    expect(destroyProblems[0]).toMatch(/In use by another client/);
    expect(destroyProblems[0]?.startsWith(`destroy ${held}: `)).toBe(true);
    expect(outcome.problems).toContain(`${held} was not there before`);
    // After the batch, one -dci/-dgi per GPU instance.
    const destroys = mutating(host).filter((c) => / -d(ci|gi) /.test(c));
    expect(destroys.slice(0, 1)).toEqual([expect.stringMatching(/-dci -gi (\d+,){6}\d+$/)]);
    expect(destroys.slice(1).every((c) => /-gi \d+$/.test(c))).toBe(true);

    // Once the process is gone, cleanup finishes the job from the journal.
    updateSimState(host.file, (s) => void (s.gpus[0] && (s.gpus[0].processes = [])));
    const report = await cleanup({ smi: host.smi, root: host.root });
    expect(report.entries.map((e) => e.outcome)).toEqual(["restored"]);
    expect(gpusOf(host)).toEqual(host.initialGpus);
    expect(openJournalFiles(host.root)).toEqual([]);
  });

  it("teardown from the read-back still names an instance made by someone else meanwhile, and leaves it alone", async () => {
    const { wanted } = await wantedOfScenario("scenarios/a100-40gb/table2-mig-1x1g-serial.yaml");
    const host = makeHost("A100-SXM4-40GB");
    let stranger = "";
    const outcome = await lifecycle(host, wanted, {
      during: async () => {
        // Another tool, ignoring the lock: a 1g.5gb with its compute instance.
        await host.smi.createGpuInstances(0, [19], true);
        const made = gpusOf(host)[0]?.gpuInstances.at(-1);
        stranger = `GI ${made?.id} 1g.5gb at slot ${made?.start}:1 (CI 0 1g.5gb)`;
      },
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.problems).toContain(`${stranger} appeared while migbench held the GPU, and its journal does not show creating it: left alone`);
    // Only the session's own instance was destroyed.
    expect(gpusOf(host)[0]?.gpuInstances).toHaveLength(1);
    expect(mutating(host).filter((c) => / -d(ci|gi) /.test(c))).toEqual([expect.stringMatching(/-dci -gi \d+$/), expect.stringMatching(/-dgi -gi \d+$/)]);
  });

  it("teardown from the read-back: an instance destroyed by someone else meanwhile is read afresh, the rest destroyed", async () => {
    const { wanted } = await wantedOfScenario(SEVEN);
    const host = makeHost("A100-SXM4-40GB");
    const outcome = await lifecycle(host, wanted, {
      during: async () => {
        const gone = gpusOf(host)[0]?.gpuInstances[2]?.id;
        if (gone === undefined) throw new Error("no GPU instance to destroy");
        await host.smi.destroyComputeInstances(0, gone);
        await host.smi.destroyGpuInstances(0, gone);
      },
    });
    expect(outcome.problems).toEqual([]);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("a batched destroy that reports failure after doing its work: the read-back finds nothing left", async () => {
    const { wanted } = await wantedOfScenario(SEVEN);
    const host = makeHost("A100-SXM4-40GB");
    setFaults(host, [{ command: "-dgi", nth: 1, error: "Unknown Error", applied: true }]);
    const outcome = await lifecycle(host, wanted);
    expect(outcome.problems).toEqual([]);
    expect(mutating(host).filter((c) => / -d(ci|gi) /.test(c))).toHaveLength(2);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });
});
