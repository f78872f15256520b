/**
 * Soak: 200 consecutive runs in one process with the process runtime, then 50 with containers, as a
 * nightly job strings them together. A run here is the runner `bench run` calls, with the simulated
 * GPU answering in-process (a run costs a fraction of a second; the nvidia-smi process path has the
 * fault matrix), real workload processes and real containers. The runs mix the paths a night meets:
 * success, a crashed workload, an interrupt, a driver failure, and telemetry with its sampler process.
 *
 * After every run nothing may be left: no child process, no workload, no container, no lock or open
 * journal, no temporary file. Across the runs nothing may grow: open file descriptors, heap after a full
 * GC, the state folder, or the environment (PATH); the results folder holds the run directories and
 * nothing else.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/errors.js";
import { CLOSED_JOURNALS_KEPT } from "../../src/gpu/partition/journal.js";
import { listLocks, openJournalFiles } from "../../src/gpu/partition/index.js";
import { listLabelledContainers } from "../../src/runtime/docker/index.js";
import { dockerForTests, TEST_IMAGE } from "../docker/engine.js";
import { clearFaults, makeHost, markerFor, processesWith, removeTempDirs, runHere, setFaults, shellScenario, SUMMARY_LINE, tempDir, type Host } from "./helpers.js";

afterAll(removeTempDirs);

/** The figures docs/reliability.md quotes. */
export const SOAK = { processRuns: 200, dockerRuns: 50 } as const;

const docker = await dockerForTests("soak, container runs");

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const openFds = (): number => readdirSync("/proc/self/fd").length;

/** Live child processes of this process. */
function children(): string[] {
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === process.pid && state !== "Z") found.push(`${name} ${stat.slice(0, stat.lastIndexOf(")") + 1)}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

function bytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);
}

/**
 * Heap after a full collection, in MiB, without V8's compiled code: the JIT keeps optimising more of the
 * harness over hundreds of runs (code, deopt data: ~1 KiB a run, tapering off), which is not a leak.
 */
function heapMiB(): number {
  gc();
  gc();
  const data = v8.getHeapSpaceStatistics().filter((s) => !s.space_name.startsWith("code"));
  return data.reduce((sum, s) => sum + s.space_used_size, 0) / 2 ** 20;
}

/** Files a run directory may hold; anything else (a temporary file, a stray write) is a leak. */
const RUN_FILE = /^(manifest\.json|logs\/rep\d\d\/[\w.-]+\.log|samples\/rep\d\d\/[\w.-]+\.jsonl|metrics\/rep\d\d\/[\w.-]+\.json|telemetry\/gpu\d+\.csv)$/;

interface Tracker {
  readonly fds: number[];
  readonly heap: { run: number; mib: number }[];
}

/** After each run: nothing of it left, and the figures noted. */
async function afterRun(host: Host, marker: string, run: number, tracker: Tracker): Promise<void> {
  // Exited children are reaped a tick later.
  for (let k = 0; k < 40 && children().length > 0; k++) await new Promise((r) => setTimeout(r, 25));
  expect(children(), `run ${run}: child processes`).toEqual([]);
  expect(processesWith(marker, host), `run ${run}: workloads`).toEqual([]);
  expect(listLocks(host.stateDir), `run ${run}: locks`).toEqual([]);
  expect(openJournalFiles(host.stateDir), `run ${run}: open journals`).toEqual([]);
  tracker.fds.push(openFds());
  if (run % 10 === 0) tracker.heap.push({ run, mib: heapMiB() });
}

/** The lowest heap reading in a window of runs: robust against a collection that happened to run late. */
const lowest = (tracker: Tracker, from: number, to: number): number => Math.min(...tracker.heap.filter((h) => h.run >= from && h.run <= to).map((h) => h.mib));

function expectNoGrowth(tracker: Tracker, runs: number, host: Host, label: string): void {
  const warm = runs / 10;
  const third = (runs - warm) / 3;
  const fdsWarm = tracker.fds[warm - 1] ?? 0;
  const fdsEnd = Math.max(...tracker.fds.slice(-10));
  const heapEarly = lowest(tracker, warm, warm + third);
  const heapLate = lowest(tracker, runs - third, runs);
  console.info(
    `soak (${label}): ${runs} runs; open fds ${fdsWarm} after run ${warm}, at most ${fdsEnd} in the last 10; heap ${heapEarly.toFixed(1)} MiB early, ${heapLate.toFixed(1)} MiB late; state folder ${bytesUnder(host.stateDir)} bytes`,
  );
  // A descriptor lost per run would show as one per run; a run's manifest kept alive, as ~50 KiB per run.
  expect(fdsEnd - fdsWarm, "open file descriptors").toBeLessThanOrEqual(2);
  // The windows' centres are 2/3 of the measured runs apart; the JIT's metadata adds ~2 KiB a run, tapering.
  expect(((heapLate - heapEarly) * 1024) / ((2 * (runs - warm)) / 3), "heap growth after GC, KiB per run").toBeLessThan(8);
  // The results folder: one directory per run, each with its own files only.
  const dirs = readdirSync(host.results);
  expect(dirs).toHaveLength(runs);
  for (const dir of dirs) {
    const files = readdirSync(path.join(host.results, dir), { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => path.relative(path.join(host.results, dir), path.join(e.parentPath, e.name)));
    for (const file of files) expect(file, dir).toMatch(RUN_FILE);
  }
  expect(readdirSync(path.join(host.stateDir, "journals", "closed")).length).toBeLessThanOrEqual(CLOSED_JOURNALS_KEPT);
}

describe("soak", () => {
  it(`${SOAK.processRuns} runs with the process runtime leave nothing behind and grow nothing`, async () => {
    const host = makeHost("T4", "soak");
    const marker = markerFor("soak");
    const ok = shellScenario(host, { name: "soak-ok", mig: false, marker, workloads: { w: `echo '${SUMMARY_LINE}'` } });
    const crash = shellScenario(host, { name: "soak-crash", mig: false, marker, workloads: { w: `echo '{"step":1,"items_per_second":2}'; exit 3` } });
    const env = { PATH: process.env.PATH, MIGBENCH_SIM_STATE: process.env.MIGBENCH_SIM_STATE };
    const tracker: Tracker = { fds: [], heap: [] };
    const outcomes = new Map<number, number>();
    for (let run = 1; run <= SOAK.processRuns; run++) {
      // The paths of a night: mostly success; a crash, an interrupt, a driver that fails; now and then telemetry.
      const controller = new AbortController();
      const kind = run % 10 === 3 ? "crash" : run % 10 === 6 ? "interrupt" : run % 10 === 9 ? "driver" : "ok";
      if (kind === "driver") setFaults(host, [{ command: "--query-gpu", nth: 1, error: "Unknown Error" }]);
      const outcome = await runHere(
        host,
        kind === "crash" ? crash : ok,
        { signal: controller.signal, progress: (line) => void (kind === "interrupt" && / starting /.test(line) && controller.abort()) },
        run % 20 === 0 ? 100 : 0,
      );
      if (kind === "driver") clearFaults(host);
      const expected = { ok: EXIT.ok, crash: EXIT.invalid, interrupt: EXIT.interrupted, driver: EXIT.environment }[kind];
      expect(outcome.exitCode, `run ${run} (${kind}): ${outcome.progress.join("\n")}`).toBe(expected);
      outcomes.set(outcome.exitCode, (outcomes.get(outcome.exitCode) ?? 0) + 1);
      await afterRun(host, marker, run, tracker);
    }
    expect({ PATH: process.env.PATH, MIGBENCH_SIM_STATE: process.env.MIGBENCH_SIM_STATE }, "the environment as found").toEqual(env);
    console.info(`soak (process): exit codes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expectNoGrowth(tracker, SOAK.processRuns, host, "process runtime");
  }, 600_000);

  it.skipIf(!docker.ok)(`${SOAK.dockerRuns} runs with containers leave no container, gate or process behind and grow nothing`, async () => {
    const host = makeHost("T4", "soak-docker");
    const marker = markerFor("soak-docker");
    const scenario = shellScenario(host, { name: "soak-docker", mig: false, marker, image: TEST_IMAGE, docker: "{ network: none }", workloads: { w: `echo '${SUMMARY_LINE}'` } });
    // The start gate's FIFO folders go to the temporary folder: a private one, to count them.
    const tmp = tempDir("soak-tmp");
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const tracker: Tracker = { fds: [], heap: [] };
    try {
      for (let run = 1; run <= SOAK.dockerRuns; run++) {
        const outcome = await runHere(host, scenario, { runtime: "docker" });
        expect(outcome.exitCode, `run ${run}: ${outcome.progress.join("\n")}`).toBe(EXIT.ok);
        expect(outcome.manifest.runtime).toMatchObject({ name: "docker", startGate: true });
        expect(await listLabelledContainers(outcome.manifest.runId), `run ${run}: containers`).toEqual([]);
        expect(readdirSync(tmp), `run ${run}: temporary files`).toEqual([]);
        await afterRun(host, marker, run, tracker);
      }
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expectNoGrowth(tracker, SOAK.dockerRuns, host, "containers");
  }, 600_000);
});
