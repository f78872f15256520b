/**
 * The partition lifecycle against the simulated GPU: every scenario in scenarios/ applies, verifies,
 * resolves its devices and tears down to the exact starting state; idempotent apply; honest pending MIG
 * mode; what preflight stops; creation orders retried with the slot model.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../../src/errors.js";
import { requireModel } from "../../../src/gpu/catalog/index.js";
import { keptJournalFiles, openJournalFiles, PartitionSession, readJournal, resetPartition, wantedFromEntries } from "../../../src/gpu/partition/index.js";
import { gpusOf, lifecycle, makeHost, setFaults, wantedOfScenario, removeTempDirs } from "./harness.js";

afterAll(removeTempDirs);

const scenarioFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? scenarioFiles(path.join(dir, e.name)) : e.name.endsWith(".yaml") ? [path.join(dir, e.name)] : []));

const SCENARIOS = scenarioFiles("scenarios").sort();

describe("every scenario in scenarios/: apply, verify, resolve, teardown to the exact start", () => {
  it("finds the scenarios", () => expect(SCENARIOS.length).toBeGreaterThanOrEqual(18));
  for (const file of SCENARIOS) {
    it(file, async () => {
      const { wanted, model } = await wantedOfScenario(file);
      for (const startWithMig of [false, true]) {
        if (startWithMig && !requireModel(model).mig) continue;
        const host = makeHost(model, startWithMig ? { change: (s) => void (s.gpus[0] && (s.gpus[0].migMode = { current: "Enabled", pending: "Enabled" })) } : {});
        let during: unknown;
        const outcome = await lifecycle(host, wanted, {
          expectedModel: model,
          during: () => {
            during = gpusOf(host)[0];
          },
        });
        expect(outcome.error).toBeUndefined();
        expect(outcome.problems).toEqual([]);
        const expectedDevices = wanted.mig ? wanted.gpuInstances.reduce((n, gi) => n + gi.computeInstances.length, 0) : 1;
        expect(outcome.devices).toBe(expectedDevices);
        const duringGpu = during as { migMode: { current: string }; gpuInstances: unknown[] };
        expect(duringGpu.migMode.current).toBe(wanted.mig ? "Enabled" : requireModel(model).mig ? "Disabled" : "Disabled");
        expect(duringGpu.gpuInstances).toHaveLength(wanted.mig ? wanted.gpuInstances.length : 0);
        expect(gpusOf(host)).toEqual(host.initialGpus);
        expect(openJournalFiles(host.root)).toEqual([]);
      }
    });
  }
});

describe("apply", () => {
  it("records GI id, CI id, profile, placement and a distinct MIG UUID per device, and journals before changing", async () => {
    const { wanted } = await wantedOfScenario("scenarios/a100-40gb/two-level.yaml");
    const host = makeHost("A100-SXM4-40GB");
    const session = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "r1", purpose: "run" });
    session.preflight(wanted);
    const applied = await session.apply(wanted);
    const state = gpusOf(host)[0];
    for (const d of applied.devices) {
      const gi = state?.gpuInstances.find((g) => g.id === d.giId);
      expect(gi?.start).toBe(d.start);
      expect(gi?.computeInstances.find((c) => c.id === d.ciId)?.uuid).toBe(d.uuid);
    }
    expect(applied.devices.map((d) => d.profile).sort()).toEqual(["1c.4g.20gb", "1c.4g.20gb", "1c.4g.20gb", "1c.4g.20gb", "1g.5gb", "1g.5gb"]);
    const records = readJournal(openJournalFiles(host.root)[0] ?? "").records;
    // Each change: an intent on disk, then its outcome, never the other way round.
    const steps = records.filter((r) => r.type === "intent").map((r) => (r.type === "intent" ? r.step : -1));
    for (const step of steps) {
      const intent = records.findIndex((r) => r.type === "intent" && r.step === step);
      const outcome = records.findIndex((r) => (r.type === "done" || r.type === "failed") && r.step === step);
      expect(intent).toBeLessThan(outcome);
    }
    expect(records.flatMap((r) => (r.type === "intent" ? [r.command.replace(/^\S+ /, "")] : []))).toEqual([
      "-i 0 -mig 1",
      "mig -i 0 -cgi 5,19,19",
      expect.stringMatching(/^mig -i 0 -cci 0,0,0,0 -gi \d+$/),
      expect.stringMatching(/^mig -i 0 -cci -gi \d+$/),
      expect.stringMatching(/^mig -i 0 -cci -gi \d+$/),
    ]);
    expect(await session.restore()).toEqual([]);
    session.release();
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("resolves the old MIG-GPU-<uuid>/<gi>/<ci> device names of R450/R460 drivers", async () => {
    const { wanted } = await wantedOfScenario("scenarios/a100-40gb/mixed-3g-4x1g.yaml");
    const host = makeHost("A100-SXM4-40GB", { driverVersion: "460.32.03" });
    const session = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "old-driver", purpose: "run" });
    const applied = await session.apply(wanted);
    const gpuUuid = host.initialGpus[0]?.uuid ?? "";
    expect(applied.devices.map((d) => d.uuid)).toEqual(applied.devices.map((d) => `MIG-${gpuUuid}/${d.giId}/${d.ciId}`));
    expect(await session.restore()).toEqual([]);
    session.release();
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("is idempotent: a GPU that already has the layout is reused, nothing created or destroyed", async () => {
    const host = makeHost("H100-SXM5-80GB");
    const { wanted } = await wantedOfScenario("scenarios/h100-80gb/mixed-3g-4x1g.yaml");
    const first = await PartitionSession.open({ smi: host.smi, root: host.root, gpuIndex: 0, runId: "by-hand", purpose: "partition" });
    first.preflight(wanted);
    const made = await first.apply(wanted);
    first.keep();
    first.release();
    const partitioned = gpusOf(host);
    const calls = host.calls.length;

    const outcome = await lifecycle(host, wanted);
    expect(outcome).toMatchObject({ reused: true, devices: 5, problems: [] });
    expect(outcome.notes).toContain("the GPU already had the layout: reused as found");
    expect(gpusOf(host)).toEqual(partitioned);
    // Only reads: no -mig, -cgi, -cci, -dci, -dgi.
    expect(host.calls.slice(calls).filter((a) => a.some((t) => /^-(mig|cgi|cci|dci|dgi)$/.test(t)))).toEqual([]);
    expect(made.devices.length).toBe(5);

    // The layout applied by hand stays until `bench partition reset`, which puts back what it found.
    expect(keptJournalFiles(host.root)).toHaveLength(1);
    const reset = await resetPartition({ smi: host.smi, root: host.root, gpuIndex: 0 });
    expect(reset.problems).toEqual([]);
    expect(gpusOf(host)).toEqual(host.initialGpus);
    expect(keptJournalFiles(host.root)).toEqual([]);
  });

  it("retries with the next creation order when the driver refuses the first, and says so", async () => {
    const model = requireModel("A100-SXM4-40GB");
    const wanted = wantedFromEntries(model, [{ profile: "3g.20gb", count: 1 }, { profile: "2g.10gb", count: 1 }, { profile: "1g.5gb", count: 2 }]);
    const host = makeHost(model.id);
    setFaults(host, [{ command: "-cgi", nth: 1, error: "Insufficient Resources", after: 2 }]);
    const outcome = await lifecycle(host, wanted);
    expect(outcome.error).toBeUndefined();
    expect(outcome.devices).toBe(4);
    expect(outcome.notes.join("\n")).toMatch(/created with creation order 2 after: -cgi 9,14,19,19 .*: Unable to create a GPU instance on GPU {2}0 using profile 19: Insufficient Resources; Failed to create GPU instances: Insufficient Resources/);
    expect(gpusOf(host)[0]?.gpuInstances).toEqual([]);
    expect(gpusOf(host)[0]?.migMode).toEqual(host.initialGpus[0]?.migMode);
  });

  it("gives up with the orders it tried when no order fits this driver, and leaves the GPU as found", async () => {
    // Planned for the pre-R560 placement; on R560 a first 3g lands at slot 0 and the 1g's run out of slots.
    const { wanted } = await wantedOfScenario("scenarios/a100-40gb/mixed-3g-4x1g.yaml");
    const host = makeHost("A100-SXM4-40GB", { driverVersion: "560.35.03" });
    const outcome = await lifecycle(host, wanted);
    expect(outcome.error?.message).toMatch(/could not create 3g\.20gb@4 \+ 1g\.5gb@0 .* on GPU 0; tried:\n {2}1\. -cgi 9,19,19,19,19 .*Insufficient Resources/s);
    expect((outcome.error as { exitCode?: number }).exitCode).toBe(EXIT.environment);
    expect(outcome.problems).toEqual([]);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("chooses the order for the driver's placement model (R560 puts a first 3g at 0)", async () => {
    const model = requireModel("A100-SXM4-40GB");
    const wanted = wantedFromEntries(model, [{ profile: "3g.20gb", count: 1 }, { profile: "1g.5gb", count: 3 }]);
    const host = makeHost(model.id, { driverVersion: "560.35.03" });
    const outcome = await lifecycle(host, wanted);
    expect(outcome.error).toBeUndefined();
    expect(outcome.notes.join("\n")).toMatch(/gi0 \(3g\.20gb\) is at slot 0, not 4 as planned: the driver chose it/);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("catches 'applied successfully' with nothing created: the read-back does not match, the next order is tried", async () => {
    const model = requireModel("A100-SXM4-40GB");
    const wanted = wantedFromEntries(model, [{ profile: "2g.10gb", count: 1 }, { profile: "1g.5gb", count: 3 }]);
    const host = makeHost(model.id);
    setFaults(host, [{ command: "-cgi", nth: 1, error: "silent" }]);
    const outcome = await lifecycle(host, wanted);
    expect(outcome.error).toBeUndefined();
    expect(outcome.notes.join("\n")).toMatch(/after: -cgi 14,19,19,19 .*the read-back does not match the layout: gi0 \(2g\.10gb\) is missing/);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });
});

describe("preflight stops with exit 3 and the GPU untouched", () => {
  const cases: { name: string; model?: string; change: (s: Parameters<NonNullable<Parameters<typeof makeHost>[1]>["change"] & object>[0]) => void; message: RegExp }[] = [
    {
      name: "processes hold the GPU: enabling MIG would stay pending, and they block the reset",
      change: (s) => void s.gpus[0]?.processes.push({ pid: 4242, name: "python3", usedMemoryMiB: 2048 }),
      message: /enabling MIG on GPU 0 needs the GPU to itself, but processes use it: PID 4242 \(python3, 2048 MiB\).*block the reset/,
    },
    {
      name: "a pending MIG mode change left by someone else",
      change: (s) => void (s.gpus[0] && (s.gpus[0].migMode = { current: "Disabled", pending: "Enabled" })),
      message: /pending MIG mode change \(current Disabled, pending Enabled\).*reboot, or reset the GPU/,
    },
    {
      name: "instances migbench did not create",
      change: (s) => {
        const gpu = s.gpus[0];
        if (!gpu) return;
        gpu.migMode = { current: "Enabled", pending: "Enabled" };
        gpu.gpuInstances.push({ id: 1, profileId: 5, start: 0, computeInstances: [] });
      },
      message: /already has MIG instances that are not the requested layout \(GI 1 4g\.20gb at slot 0:4 \(no compute instances\)\); migbench destroys only what it created: remove them \(`bench partition reset --gpu-index 0 --force`\)/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { wanted } = await wantedOfScenario("scenarios/quickstart-mig.yaml");
      const host = makeHost("A100-SXM4-40GB", { change: c.change });
      const before = gpusOf(host);
      const outcome = await lifecycle(host, wanted);
      expect(outcome.error?.message).toMatch(c.message);
      expect(outcome.error?.message).toMatch(/GPU 0 untouched/);
      expect((outcome.error as { exitCode?: number }).exitCode).toBe(EXIT.environment);
      expect(gpusOf(host)).toEqual(before);
      expect(host.calls.filter((a) => a.some((t) => /^-(mig|cgi|cci|dci|dgi)$/.test(t)))).toEqual([]);
    });
  }

  it("the wrong GPU model, unless anyGpu", async () => {
    const { wanted, model } = await wantedOfScenario("scenarios/h100-80gb/table1-mig-7x1g.yaml");
    const host = makeHost("A100-SXM4-40GB");
    const outcome = await lifecycle(host, wanted, { expectedModel: model });
    expect(outcome.error?.message).toMatch(/GPU 0 is a NVIDIA A100-SXM4-40GB, but the scenario is for H100-SXM5-80GB; pass --any-gpu/);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });
});

describe("pending MIG mode, reported honestly", () => {
  const needsReset = (resetSupported = true) => (s: Parameters<NonNullable<Parameters<typeof makeHost>[1]>["change"] & object>[0]): void => {
    const gpu = s.gpus[0];
    if (!gpu) return;
    gpu.migModeChangeNeedsReset = true;
    if (!resetSupported) gpu.resetSupported = false;
  };

  it("without --allow-gpu-reset: stops, quotes the driver, never resets, puts the mode back", async () => {
    const { wanted } = await wantedOfScenario("scenarios/quickstart-mig.yaml");
    const host = makeHost("A100-SXM4-40GB", { change: needsReset() });
    const outcome = await lifecycle(host, wanted);
    expect(outcome.error?.message).toMatch(/Enabling MIG on GPU 0 is pending until a GPU reset or a reboot:\nWarning: MIG mode is in pending enable state for GPU 00000000:07:00\.0:Not Supported\nReboot the system or try nvidia-smi --gpu-reset/);
    expect(outcome.error?.message).toMatch(/migbench never resets a GPU unless told to/);
    expect(host.calls.some((a) => a.includes("--gpu-reset"))).toBe(false);
    expect(outcome.problems).toEqual([]);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("with --allow-gpu-reset: resets to enable, runs, resets again to restore", async () => {
    const { wanted } = await wantedOfScenario("scenarios/quickstart-mig.yaml");
    const host = makeHost("A100-SXM4-40GB", { change: needsReset() });
    const outcome = await lifecycle(host, wanted, { allowGpuReset: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.devices).toBe(7);
    expect(host.calls.filter((a) => a.includes("--gpu-reset"))).toHaveLength(2);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });

  it("with --allow-gpu-reset where resets are refused (a VM): the driver's words, the mode put back", async () => {
    const { wanted } = await wantedOfScenario("scenarios/quickstart-mig.yaml");
    const host = makeHost("A100-SXM4-40GB", { change: needsReset(false) });
    const outcome = await lifecycle(host, wanted, { allowGpuReset: true });
    expect(outcome.error?.message).toMatch(/Resetting GPU 00000000:07:00\.0 is not supported\./);
    expect(gpusOf(host)).toEqual(host.initialGpus);
  });
});
