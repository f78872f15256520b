/**
 * The fault matrix: every phase of a run × every fault a nightly run on a shared GPU can meet. Each cell
 * is run here, covered by a named existing test (checked to exist), or not applicable with the reason.
 * docs/reliability.md shows the same table (a test keeps the two equal; MIGBENCH_UPDATE_DOCS=1
 * regenerates it).
 *
 * What a cell run here checks, whatever the fault: the simulated GPU is exactly as found, no lock and no
 * open journal remain (after `bench cleanup` where the fault is a kill), no process or container of the
 * run is left, what was measured before the fault is in a run directory that reads back and says what
 * happened (status, validity, the execution's message), and the exit code and message are the
 * documented ones. Runs are in this process (the runner `bench run` calls, with the simulator answering
 * in-process) where the fault can be injected at an exact point; through the real `bench` where the
 * fault is a signal to the process, or a kill.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/errors.js";
import { listLocks, openJournalFiles, PartitionSession } from "../../src/gpu/partition/index.js";
import { readSimState } from "../../src/gpu/sim/index.js";
import { readRun } from "../../src/results/index.js";
import { removeLabelledContainers } from "../../src/runtime/docker/index.js";
import type { RunEvent } from "../../src/runner/events.js";
import { dockerForTests, leftovers, TEST_IMAGE } from "../docker/engine.js";
import { EngineProxy } from "./engine-proxy.js";
import {
  bench,
  clearFaults,
  expectRestored,
  makeHost,
  markerFor,
  processesWith,
  removeTempDirs,
  root,
  runDirOf,
  runHere,
  setFaults,
  shellScenario,
  SUMMARY_LINE,
  TinyDisk,
  type Host,
} from "./helpers.js";

const PHASES = ["preflight", "partition", "launch", "running", "collection", "teardown", "report"] as const;
type Phase = (typeof PHASES)[number];

const FAULTS = [
  "workload crash",
  "OOM-killed container",
  "hung workload",
  "nvidia-smi fails",
  "nvidia-smi hangs",
  "Docker engine goes away",
  "disk full",
  "SIGINT",
  "SIGTERM",
  "SIGKILL, then bench cleanup",
] as const;
type Fault = (typeof FAULTS)[number];

type Ref = { readonly file: string; readonly test: string };

type Cell =
  /** Run in this file by the tests of these titles; `also`: existing tests that go further. */
  | { readonly kind: "here"; readonly tests: readonly string[]; readonly also?: readonly Ref[] }
  /** Run by existing tests, named by file and title. */
  | { readonly kind: "covered"; readonly by: readonly Ref[] }
  | { readonly kind: "n/a"; readonly why: string };

const here = (...tests: string[]): Cell => ({ kind: "here", tests });
const na = (why: string): Cell => ({ kind: "n/a", why });
const by = (...refs: [file: string, test: string][]): Cell => ({ kind: "covered", by: refs.map(([file, test]) => ({ file, test })) });

const RUN_TEST = "test/cli/run.test.ts";
const DOCKER_RUN_TEST = "test/cli/run-docker.test.ts";
const PARTITION_FAULTS = "test/gpu/partition/faults.test.ts";
const PARTITION_KILL = "test/gpu/partition/kill.test.ts";
const THIS = "test/reliability/fault-matrix.test.ts";
const NO_WORKLOAD_YET = "no workload runs before launch";
const REPORT_READS_DIR = "`bench report` reads the run directory only: no GPU, driver or engine";
const REPORT_TEST = "report: bench report reads what every fault left (crash, kill, interrupt, disk full)";

/** How each fault is made to happen. */
const INJECTED: Readonly<Record<Fault, string>> = {
  "workload crash": "a workload that cannot be executed (launch), or that dies by SIGKILL half way through writing a JSON line (collection)",
  "OOM-killed container": "a container over its `docker.memory` limit, killed by the kernel",
  "hung workload": "a workload that never ends, with a `timeout:`",
  "nvidia-smi fails": "the simulator's fault injection (`faults` in its state file): the Nth call of a command answers with nvidia-smi's error lines and exit code",
  "nvidia-smi hangs": "the simulator's `hang` fault: no answer until killed (in-process: the driver's timeout)",
  "Docker engine goes away": "the run talks to the engine through a proxy socket (test/reliability/engine-proxy.ts) that cuts every connection and disappears just before a chosen API request",
  "disk full": "the results (or state) folder on a 1 MiB tmpfs mounted for the test, filled to the last block at the chosen moment (ENOSPC on every write)",
  SIGINT: "kill(2) to the `bench run` process; in-process, the abort its signal handler makes, at an exact event",
  SIGTERM: "kill(2) to the `bench run` process",
  "SIGKILL, then bench cleanup": "kill -9 of the `bench run` process while workloads run, then `bench cleanup`",
};

const MATRIX: Readonly<Record<Fault, Readonly<Record<Phase, Cell>>>> = {
  "workload crash": {
    preflight: na(NO_WORKLOAD_YET),
    partition: na(NO_WORKLOAD_YET),
    launch: here("workload crash × launch: a command that cannot run is an error, the others run, exit 1"),
    running: by([RUN_TEST, "isolates a crashing instance: the others finish, the run is kept, exit 1, GPU restored"], [DOCKER_RUN_TEST, "isolates faults in containers: crash, OOM kill and timeout recorded, the others finish, exit 1"]),
    collection: here("workload crash × collection: killed mid-line, the samples before it and the cut line are kept, exit 1"),
    teardown: na("every workload has ended, reaped by its runtime, before teardown begins"),
    report: here(REPORT_TEST),
  },
  "OOM-killed container": {
    preflight: na("no container exists before launch"),
    partition: na("no container exists before launch"),
    launch: na("memory is exhausted by a running workload; a container that cannot start at all is the crash row"),
    running: by([DOCKER_RUN_TEST, "isolates faults in containers: crash, OOM kill and timeout recorded, the others finish, exit 1"]),
    collection: na("the engine's OOMKilled flag is read when the container has ended: part of the running cell"),
    teardown: na("containers are removed with their group, before teardown"),
    report: by(["test/report/study-table.test.ts", "show as `failed` when an instance never succeeded, and leave no aggregate"]),
  },
  "hung workload": {
    preflight: na(NO_WORKLOAD_YET),
    partition: na(NO_WORKLOAD_YET),
    launch: na("a hang is a workload that started and never ends: the running cell"),
    running: by(["test/runtime/process.test.ts", "kills a hanging instance at its timeout, with its child processes"], [DOCKER_RUN_TEST, "isolates faults in containers: crash, OOM kill and timeout recorded, the others finish, exit 1"]),
    collection: na("a timed-out workload is killed before collection"),
    teardown: na("every workload has ended before teardown begins"),
    report: by(["test/report/study-table.test.ts", "show as `failed` when an instance never succeeded, and leave no aggregate"]),
  },
  "nvidia-smi fails": {
    preflight: here("nvidia-smi fails × preflight: exit 3 with the driver's words, GPU untouched"),
    partition: {
      kind: "here",
      tests: ["nvidia-smi fails × partition: exit 3, the GPU restored, nothing launched"],
      also: [{ file: PARTITION_FAULTS, test: "each leaves the GPU exactly as found, with exit 3 and the driver's reason when the run stops" }],
    },
    launch: na("launching calls no nvidia-smi: the devices were resolved during partitioning"),
    running: here("nvidia-smi fails × running: the telemetry sampler stops early, said in the manifest; the measurement stands"),
    collection: na("collection calls no nvidia-smi"),
    teardown: here("nvidia-smi fails × teardown: exit 3, lock and journal kept; bench cleanup restores the GPU once the driver answers"),
    report: na(REPORT_READS_DIR),
  },
  "nvidia-smi hangs": {
    preflight: here("nvidia-smi hangs × preflight: the driver's timeout, exit 3, GPU untouched"),
    partition: {
      kind: "here",
      tests: ["nvidia-smi hangs × partition: a create that hangs after taking effect is undone, exit 3"],
      also: [{ file: PARTITION_FAULTS, test: "each leaves the GPU exactly as found, with exit 3 and the driver's reason when the run stops" }],
    },
    launch: na("launching calls no nvidia-smi"),
    running: here("nvidia-smi hangs × running: the run ends on time and the hung sampler is killed"),
    collection: na("collection calls no nvidia-smi"),
    teardown: by([PARTITION_FAULTS, "each leaves the GPU exactly as found, with exit 3 and the driver's reason when the run stops"]),
    report: na(REPORT_READS_DIR),
  },
  "Docker engine goes away": {
    preflight: by([DOCKER_RUN_TEST, "stops with exit 3 before partitioning when the engine does not answer"]),
    partition: na("partitioning does not talk to the engine; an engine that left meanwhile is met at launch"),
    launch: here("Docker engine goes away × launch: at container create, exit 3 naming the engine, GPU restored"),
    running: here("Docker engine goes away × running: while waiting for the container, exit 3; the container is removed once the engine is back"),
    collection: here("Docker engine goes away × collection: at container removal, the result kept, exit 3; the container is removed once the engine is back"),
    teardown: na("containers are removed with their group; teardown restores the GPU without the engine"),
    report: na(REPORT_READS_DIR),
  },
  "disk full": {
    preflight: here("disk full × preflight: exit 3 naming the run directory, nothing touched"),
    partition: here("disk full × partition: the journal cannot be written, so nothing is changed, exit 3"),
    launch: here("disk full × launch: exit 3, GPU restored, the manifest on disk the last one written"),
    running: here("disk full × running: the disk fills and frees while the workload runs; lost log lines are said, the run completes"),
    collection: here("disk full × collection: the metrics file cannot be written, exit 3, GPU restored"),
    teardown: here("disk full × teardown: the final manifest cannot be written, exit 3, the GPU restored before"),
    report: here(REPORT_TEST),
  },
  SIGINT: {
    preflight: here("SIGINT × preflight: while waiting for another run's lock, exit 130, GPU untouched"),
    partition: here("SIGINT × partition: partitioning finishes, nothing launched, GPU restored, exit 130"),
    launch: here("SIGINT × launch: aborted as the step starts, nothing runs, exit 130"),
    running: by([RUN_TEST, "stops on SIGINT: workloads killed, GPU restored, partial run marked interrupted, exit 130"], [DOCKER_RUN_TEST, "stops on SIGINT: containers removed, GPU restored, interrupted, exit 130; a second SIGINT names what is being cleaned"]),
    collection: here("SIGINT × collection: aborted while an outcome is collected, the outcome kept, exit 130"),
    teardown: here("SIGINT × teardown: aborted during the GPU restore, which completes, exit 130"),
    report: here(REPORT_TEST),
  },
  SIGTERM: {
    preflight: by([THIS, "SIGINT × preflight: while waiting for another run's lock, exit 130, GPU untouched"]),
    partition: by([THIS, "SIGINT × partition: partitioning finishes, nothing launched, GPU restored, exit 130"]),
    launch: by([THIS, "SIGINT × launch: aborted as the step starts, nothing runs, exit 130"]),
    running: here("SIGTERM × running: workloads stopped, the samples they gave kept, exit 130"),
    collection: by([THIS, "SIGINT × collection: aborted while an outcome is collected, the outcome kept, exit 130"]),
    teardown: by([THIS, "SIGINT × teardown: aborted during the GPU restore, which completes, exit 130"]),
    report: by([THIS, REPORT_TEST]),
  },
  "SIGKILL, then bench cleanup": {
    preflight: by([PARTITION_KILL, "reports a stale lock (its run was killed) instead of taking it; bench cleanup restores and clears it"]),
    partition: by([PARTITION_KILL, "restores the exact starting state from each point, and a second cleanup finds nothing"]),
    launch: na("a kill during launch leaves what a kill while running leaves: the running cells"),
    running: here(
      "SIGKILL × running (processes): bench cleanup ends the orphaned workloads, restores the GPU, clears the lock",
      "SIGKILL × running (containers): bench cleanup removes the orphaned containers and restores the GPU",
    ),
    collection: by(["test/results/atomic.test.ts", "survives many concurrent writers: the file is always one whole version"]),
    teardown: by([PARTITION_KILL, "restores the exact starting state from each point, and a second cleanup finds nothing"]),
    report: here(REPORT_TEST),
  },
};

afterAll(removeTempDirs);

const docker = await dockerForTests("fault matrix, Docker cells");
const disk = await TinyDisk.mount();
if (!(disk instanceof TinyDisk)) {
  if (process.env.CI === "true") throw new Error(`fault matrix: CI=true but the disk-full cells cannot run: ${disk.reason}`);
  console.warn(`fault matrix, disk-full cells: skipped: ${disk.reason}`);
}
afterAll(async () => {
  if (disk instanceof TinyDisk) await disk.unmount();
});

/** Run directories the faults left, for the report column. */
const leftBehind: { fault: string; dir: string; status: string }[] = [];

/** With these environment variables set for one in-process run. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const OK_WORKLOAD = `sleep 0.2; echo '${SUMMARY_LINE}'`;

describe("the matrix", () => {
  it("has one cell per phase and fault, each run here, covered by a named test, or not applicable with a reason", () => {
    for (const fault of FAULTS) {
      expect(Object.keys(MATRIX[fault]).sort(), fault).toEqual([...PHASES].sort());
      for (const phase of PHASES) {
        const cell = MATRIX[fault][phase];
        if (cell.kind === "n/a") expect(cell.why.length, `${fault} × ${phase}`).toBeGreaterThan(10);
      }
    }
  });

  it("names only tests that exist", () => {
    const titles = new Set<string>();
    for (const fault of FAULTS) {
      for (const phase of PHASES) {
        const cell = MATRIX[fault][phase];
        if (cell.kind === "here") for (const test of cell.tests) titles.add(test);
        const refs = cell.kind === "covered" ? cell.by : cell.kind === "here" ? (cell.also ?? []) : [];
        for (const ref of refs) {
          if (ref.file === THIS) titles.add(ref.test);
          const text = readFileSync(path.join(root, ref.file), "utf8");
          expect(text.includes(ref.test), `${fault} × ${phase}: ${ref.file} › ${ref.test}`).toBe(true);
        }
      }
    }
    // The cells run here are exactly the tests of this file declared with `cell(...)`.
    expect([...IMPLEMENTED].sort()).toEqual([...titles].sort());
  });

  it("is the table docs/reliability.md shows", () => {
    const file = path.join(root, "docs", "reliability.md");
    const doc = readFileSync(file, "utf8");
    const table = renderMatrix();
    const start = "<!-- fault-matrix:start -->\n";
    const end = "<!-- fault-matrix:end -->";
    const from = doc.indexOf(start);
    const to = doc.indexOf(end);
    expect(from >= 0 && to > from, "docs/reliability.md has the fault-matrix markers").toBe(true);
    if (process.env.MIGBENCH_UPDATE_DOCS === "1") writeFileSync(file, doc.slice(0, from + start.length) + table + doc.slice(to));
    else expect(doc.slice(from + start.length, to), "regenerate with MIGBENCH_UPDATE_DOCS=1").toBe(table);
  });
});

/** The matrix as Markdown: the table, then the reasons and references it abbreviates. */
function renderMatrix(): string {
  const notes: string[] = [];
  const note = (text: string): string => {
    let k = notes.indexOf(text);
    if (k < 0) k = notes.push(text) - 1;
    return `[${k + 1}]`;
  };
  const lines = [`| fault | ${PHASES.join(" | ")} |`, `|---|${PHASES.map(() => "---").join("|")}|`];
  for (const fault of FAULTS) {
    const cells = PHASES.map((phase) => {
      const cell = MATRIX[fault][phase];
      if (cell.kind === "here") return ["**here**", ...(cell.also ?? []).map((r) => note(`\`${r.file}\` › ${r.test}`))].join(" ");
      if (cell.kind === "n/a") return `n/a ${note(cell.why)}`;
      return `covered ${cell.by.map((r) => note(`\`${r.file}\` › ${r.test}`)).join(" ")}`;
    });
    lines.push(`| ${fault} | ${cells.join(" | ")} |`);
  }
  lines.push("", ...notes.map((text, k) => `${k + 1}. ${text}`), "", "How each fault is injected:", "");
  for (const fault of FAULTS) lines.push(`- **${fault}**: ${INJECTED[fault]}`);
  return `${lines.join("\n")}\n`;
}

const IMPLEMENTED = new Set<string>();

/** A test that implements a cell of the matrix (its title is the one the cell names). */
function cell(title: string, fn: () => Promise<void>, options: { skip?: string | false; timeout?: number } = {}): void {
  IMPLEMENTED.add(title);
  // Only a cell whose dependency is absent is skipped, with the reason in its title (dockerForTests
  // already printed it, and fails instead under CI=true).
  it.skipIf(Boolean(options.skip))(options.skip ? `${title} (skipped: ${options.skip})` : title, fn, options.timeout ?? 60_000);
}

/** A run's directory reads back, with this status. */
async function expectKept(dir: string, status: string): Promise<Awaited<ReturnType<typeof readRun>>> {
  const manifest = await readRun(dir);
  expect(manifest.status).toBe(status);
  return manifest;
}

describe("workload crash", () => {
  cell("workload crash × launch: a command that cannot run is an error, the others run, exit 1", async () => {
    const host = makeHost("A100-SXM4-40GB", "crash-launch");
    const marker = markerFor("crash-launch");
    const scenario = shellScenario(host, { name: "crash-launch", mig: true, marker, workloads: { good: OK_WORKLOAD, missing: ["/nonexistent/workload-binary", marker] } });
    const run = await runHere(host, scenario);
    expect(run.exitCode).toBe(EXIT.invalid);
    const manifest = await expectKept(run.dir, "complete");
    expect(Object.fromEntries(manifest.executions.map((e) => [e.instanceId, e.status]))).toEqual({ "good.1": "ok", "missing.1": "error" });
    expect(manifest.executions.find((e) => e.instanceId === "missing.1")?.message).toMatch(/could not start \/nonexistent\/workload-binary/);
    expect(manifest.validity.reasons.join("\n")).toMatch(/missing\.1 \(repetition 1\): error/);
    expectRestored(host, marker, "crash at launch");
    leftBehind.push({ fault: "crash at launch", dir: run.dir, status: "complete" });
  });

  cell("workload crash × collection: killed mid-line, the samples before it and the cut line are kept, exit 1", async () => {
    const host = makeHost("T4", "crash-collect");
    const marker = markerFor("crash-collect");
    const script = `echo '{"step":1,"items_per_second":12.5}'; printf '{"event":"summary","items_per_se'; kill -9 $$`;
    const run = await runHere(host, shellScenario(host, { name: "crash-collect", mig: false, marker, workloads: { cut: script } }));
    expect(run.exitCode).toBe(EXIT.invalid);
    const manifest = await expectKept(run.dir, "complete");
    const [execution] = manifest.executions;
    expect(execution?.status).toBe("failed");
    expect(execution?.signal).toBe("SIGKILL");
    expect(execution?.parse).toMatchObject({ complete: false, problems: 1, sampleCount: 1 });
    expect(execution?.metrics.throughput?.value).toBe(12.5);
    const log = readFileSync(path.join(run.dir, execution?.log ?? ""), "utf8");
    expect(log).toMatch(/stdout\| \{"event":"summary","items_per_se$/m);
    const result = JSON.parse(readFileSync(path.join(run.dir, execution?.parse.result ?? ""), "utf8")) as { problems: { line: number; message: string }[] };
    expect(result.problems[0]).toMatchObject({ line: 2, message: expect.stringMatching(/malformed JSON/) });
    expectRestored(host, marker, "crash mid-line");
  });
});

describe("nvidia-smi fails or hangs", () => {
  for (const [fault, error, says] of [
    ["fails", "Unknown Error", /Unknown Error/],
    ["hangs", "hang", /no answer within 2000 ms|timed out/],
  ] as const) {
    const title = fault === "fails" ? "nvidia-smi fails × preflight: exit 3 with the driver's words, GPU untouched" : "nvidia-smi hangs × preflight: the driver's timeout, exit 3, GPU untouched";
    cell(title, async () => {
      const host = makeHost("A100-SXM4-40GB", `smi-${fault}-preflight`);
      const marker = markerFor("smi-preflight");
      setFaults(host, [{ command: "--query-gpu", error }]);
      const run = await runHere(host, shellScenario(host, { name: "smi-preflight", mig: true, marker, workloads: { w: OK_WORKLOAD } }));
      expect(run.exitCode).toBe(EXIT.environment);
      expect(run.progress.at(-1)).toMatch(/^run failed: /);
      expect(run.progress.at(-1)).toMatch(says);
      const manifest = await expectKept(run.dir, "failed");
      expect(manifest.executions).toEqual([]);
      expect(manifest.validity.valid).toBe(false);
      clearFaults(host);
      expectRestored(host, marker, `nvidia-smi ${fault} at preflight`);
    });
  }

  for (const [title, fault] of [
    ["nvidia-smi fails × partition: exit 3, the GPU restored, nothing launched", { command: "-cgi", error: "Insufficient Resources" }],
    ["nvidia-smi hangs × partition: a create that hangs after taking effect is undone, exit 3", { command: "-cgi", error: "hang", applied: true }],
  ] as const) {
    cell(title, async () => {
      const host = makeHost("A100-SXM4-40GB", "smi-partition");
      const marker = markerFor("smi-partition");
      setFaults(host, [fault]);
      const run = await runHere(host, shellScenario(host, { name: "smi-partition", mig: true, marker, workloads: { a: OK_WORKLOAD, b: OK_WORKLOAD } }));
      expect(run.exitCode).toBe(EXIT.environment);
      expect(run.progress.at(-1)).toMatch(/^run failed: could not create 1g\.5gb@\d \+ 1g\.5gb@\d on GPU 0; tried:/);
      expect((await expectKept(run.dir, "failed")).executions).toEqual([]);
      clearFaults(host);
      expectRestored(host, marker, title);
    });
  }

  for (const [fault, error] of [
    ["fails", "Unknown Error"],
    ["hangs", "hang"],
  ] as const) {
    const title =
      fault === "fails"
        ? "nvidia-smi fails × running: the telemetry sampler stops early, said in the manifest; the measurement stands"
        : "nvidia-smi hangs × running: the run ends on time and the hung sampler is killed";
    cell(title, async () => {
      const host = makeHost("T4", `smi-${fault}-running`);
      const marker = markerFor("smi-running");
      const scenario = shellScenario(host, { name: "smi-running", mig: false, marker, workloads: { w: `sleep 1.2; echo '${SUMMARY_LINE}'` } });
      // Once the sampler runs, every query fails (or hangs) until the workload has ended.
      const run = await runHere(
        host,
        scenario,
        {
          progress: (line) => {
            if (line.startsWith("telemetry: sampling")) setFaults(host, [{ command: "--query-gpu", error, ...(error === "hang" ? { hangMs: 120_000 } : {}) }]);
          },
          events: (event: RunEvent) => {
            if (event.kind === "state" && event.state === "exited") clearFaults(host);
          },
        },
        100,
      );
      expect(run.exitCode, run.progress.join("\n")).toBe(EXIT.ok);
      const manifest = await expectKept(run.dir, "complete");
      expect(manifest.validity.valid).toBe(true);
      expect(manifest.telemetry?.gpus[0]?.samples).toBeGreaterThan(0);
      if (fault === "fails") {
        const warnings = manifest.warnings.join("\n");
        expect(warnings).toMatch(/telemetry: GPU 0: unexpected line from nvidia-smi: Unable to query the GPU on GPU 0: Unknown Error/);
        expect(warnings).toMatch(/telemetry: nvidia-smi for GPU 0 stopped early \(exit \d+\)/);
      }
      expectRestored(host, marker, `nvidia-smi ${fault} while running`);
    });
  }

  cell("nvidia-smi fails × teardown: exit 3, lock and journal kept; bench cleanup restores the GPU once the driver answers", async () => {
    const host = makeHost("A100-SXM4-40GB", "smi-teardown");
    const marker = markerFor("smi-teardown");
    const scenario = shellScenario(host, { name: "smi-teardown", mig: true, marker, workloads: { w: OK_WORKLOAD } });
    setFaults(host, [{ command: "-dgi", error: "In use by another client" }]);
    const result = await bench(host, ["run", scenario.file, "--gpu", "sim", "--out", host.results]);
    expect(result.exitCode, String(result.stderr)).toBe(EXIT.environment);
    expect(String(result.stderr)).toMatch(/run failed: the GPU could not be fully restored:\n.*In use by another client/);
    expect(String(result.stderr)).not.toMatch(/\n\s+at /);
    const manifest = await expectKept(runDirOf(result.stdout), "failed");
    expect(manifest.executions.map((e) => e.status)).toEqual(["ok"]);
    expect(manifest.warnings.join("\n")).toMatch(/teardown: .*`bench cleanup` retries/);
    expect(listLocks(host.stateDir)).toHaveLength(1);
    expect(openJournalFiles(host.stateDir)).toHaveLength(1);
    // Once the driver answers again, `bench cleanup` restores the GPU from the journal and clears the lock.
    clearFaults(host);
    const cleanup = await bench(host, ["cleanup", "--sim"]);
    expect(cleanup.exitCode, String(cleanup.stderr)).toBe(EXIT.ok);
    expect(String(cleanup.stdout)).toMatch(/^restored: GPU /m);
    expect(String(cleanup.stdout)).toMatch(/^cleared stale lock /m);
    expectRestored(host, marker, "restore failed, then cleanup");
  });
});

describe.skipIf(!docker.ok)("the Docker engine goes away", () => {
  const REAL = process.env.DOCKER_HOST ?? "";
  for (const [title, at] of [
    ["Docker engine goes away × launch: at container create, exit 3 naming the engine, GPU restored", (r: string) => r.startsWith("POST /containers/create")],
    ["Docker engine goes away × running: while waiting for the container, exit 3; the container is removed once the engine is back", (r: string) => /^POST \/containers\/\w+\/wait/.test(r)],
    ["Docker engine goes away × collection: at container removal, the result kept, exit 3; the container is removed once the engine is back", (r: string) => r.startsWith("DELETE /containers/")],
  ] as const) {
    cell(title, async () => {
      const host = makeHost("A100-SXM4-40GB", "engine");
      const proxy = await EngineProxy.start(host.dir, REAL);
      proxy.goAwayAt(at);
      const marker = markerFor("engine");
      const scenario = shellScenario(host, {
        name: "engine-gone",
        mig: true,
        marker,
        image: TEST_IMAGE,
        docker: "{ network: none }",
        workloads: { w: `sleep 1; echo '${SUMMARY_LINE}'` },
      });
      const run = await withEnv({ DOCKER_HOST: proxy.host }, () => runHere(host, scenario, { runtime: "docker" }));
      proxy.close();
      const cut = await proxy.wentAway;
      expect(at(cut), cut).toBe(true);
      expect(run.exitCode, run.progress.join("\n")).toBe(EXIT.environment);
      expect(run.progress.at(-1)).toMatch(/^run failed: cannot reach the Docker engine at unix:\/\/.*engine-proxy\.sock \(DOCKER_HOST\)/);
      const manifest = await expectKept(run.dir, "failed");
      expect(manifest.executions).toHaveLength(1);
      const [execution] = manifest.executions;
      if (cut.startsWith("DELETE")) {
        // The workload finished before the engine left: its result stands, and says the container stayed.
        expect(execution?.status).toBe("ok");
        expect(execution?.metrics.throughput?.value).toBe(40);
      }
      if (!cut.startsWith("POST /containers/create")) expect(execution?.message).toMatch(/could not be removed \(`bench cleanup` removes it\)/);
      // The engine is back: what `bench cleanup` does for a dead harness's containers, for this run.
      await removeLabelledContainers(manifest.runId);
      expect(await leftovers(manifest.runId)).toEqual([]);
      expectRestored(host, marker, title);
    });
  }
});

describe.skipIf(!(disk instanceof TinyDisk))("the disk is full", () => {
  const tiny = disk as TinyDisk;
  const fullHost = (name: string): Host => ({ ...makeHost("A100-SXM4-40GB", name), results: path.join(tiny.dir, name) });

  cell("disk full × preflight: exit 3 naming the run directory, nothing touched", async () => {
    const host = fullHost("full-preflight");
    const marker = markerFor("full-preflight");
    const scenario = shellScenario(host, { name: "full-preflight", mig: true, marker, workloads: { w: OK_WORKLOAD } });
    tiny.fill();
    try {
      const error = await runHere(host, scenario).catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: EXIT.environment, message: expect.stringMatching(/^cannot write the run directory .*full-preflight.*: ENOSPC: no space left on device/) });
      // Through the CLI: the same, without a stack trace.
      const cli = await bench(host, ["run", scenario.file, "--gpu", "sim", "--out", host.results]);
      expect(cli.exitCode).toBe(EXIT.environment);
      expect(String(cli.stderr)).toMatch(/^bench: cannot write the run directory .*: ENOSPC/m);
      expect(String(cli.stderr)).not.toMatch(/\n\s+at /);
    } finally {
      tiny.free();
    }
    expectRestored(host, marker, "disk full before the run");
  });

  cell("disk full × partition: the journal cannot be written, so nothing is changed, exit 3", async () => {
    const base = makeHost("A100-SXM4-40GB", "full-partition");
    const host = { ...base, stateDir: path.join(tiny.dir, "full-partition-state") };
    const marker = markerFor("full-partition");
    const scenario = shellScenario(host, { name: "full-partition", mig: true, marker, workloads: { w: OK_WORKLOAD } });
    try {
      const run = await runHere(host, scenario, { progress: (line) => void (line.startsWith("partition:") && tiny.fill()) });
      expect(run.exitCode).toBe(EXIT.environment);
      expect(run.progress.at(-1)).toMatch(/^run failed: .*ENOSPC/);
      expect((await expectKept(run.dir, "failed")).executions).toEqual([]);
    } finally {
      tiny.free();
    }
    expectRestored(host, marker, "state folder full at partitioning");
  });

  for (const [phase, title, when] of [
    ["launch", "disk full × launch: exit 3, GPU restored, the manifest on disk the last one written", (line: string) => /step 1\/1: starting/.test(line)],
    ["teardown", "disk full × teardown: the final manifest cannot be written, exit 3, the GPU restored before", (line: string) => line === "teardown: restoring the GPU"],
  ] as const) {
    cell(title, async () => {
      const host = fullHost(`full-${phase}`);
      const marker = markerFor(`full-${phase}`);
      const scenario = shellScenario(host, { name: `full-${phase}`, mig: true, marker, workloads: { w: OK_WORKLOAD } });
      let dir = "";
      try {
        // With telemetry: its summary is the first write of the teardown, and must not stop the restore.
        const error = await runHere(
          host,
          scenario,
          {
            progress: (line) => {
              dir ||= /^run (\S+):/.exec(line)?.[1] ?? "";
              if (when(line)) tiny.fill();
            },
          },
          100,
        ).catch((e: unknown) => e);
        expect(error).toMatchObject({ exitCode: EXIT.environment, message: expect.stringMatching(/^cannot write the run directory .*: ENOSPC/) });
      } finally {
        tiny.free();
      }
      expectRestored(host, marker, `disk full at ${phase}`);
      // What was written before the disk filled reads back; a run that never recorded its end says "running".
      const manifest = await expectKept(path.join(host.results, dir), "running");
      if (phase === "teardown") expect(manifest.executions.map((e) => e.status)).toEqual(["ok"]);
      leftBehind.push({ fault: `disk full at ${phase}`, dir: path.join(host.results, dir), status: "running" });
    });
  }

  cell("disk full × running: the disk fills and frees while the workload runs; lost log lines are said, the run completes", async () => {
    const host = fullHost("full-running");
    const marker = markerFor("full-running");
    const filler = path.join(tiny.dir, ".workload-filler");
    // The workload fills the disk itself, talks while it is full, then frees it and prints its summary.
    const script = `head -c 4000000 /dev/zero > ${filler} 2>/dev/null; for i in 1 2 3 4 5; do echo "lost line $i"; sleep 0.05; done; rm -f ${filler}; echo '${SUMMARY_LINE}'`;
    const run = await runHere(host, shellScenario(host, { name: "full-running", mig: false, marker, workloads: { w: script } }));
    expect(run.exitCode, run.progress.join("\n")).toBe(EXIT.ok);
    const manifest = await expectKept(run.dir, "complete");
    const [execution] = manifest.executions;
    expect(execution?.status).toBe("ok");
    expect(execution?.metrics.throughput?.value).toBe(40);
    expect(execution?.message).toMatch(/log file .* incomplete: ENOSPC/);
    expectRestored(host, marker, "disk full while running");
  });

  cell("disk full × collection: the metrics file cannot be written, exit 3, GPU restored", async () => {
    const host = fullHost("full-collection");
    const marker = markerFor("full-collection");
    let dir = "";
    try {
      const error = await runHere(
        host,
        shellScenario(host, { name: "full-collection", mig: true, marker, workloads: { w: OK_WORKLOAD } }),
        {
          progress: (line) => void (dir ||= /^run (\S+):/.exec(line)?.[1] ?? ""),
          events: (event) => void (event.kind === "state" && event.state === "exited" && tiny.fill()),
        },
        100,
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: EXIT.environment, message: expect.stringMatching(/^cannot write the run directory .*: ENOSPC/) });
    } finally {
      tiny.free();
    }
    expectRestored(host, marker, "disk full at collection");
    await expectKept(path.join(host.results, dir), "running");
  });
});

/** Starts `bench` and calls `act` once its stderr matches `when`; resolves with the result and everything it printed. */
async function benchUntil(host: Host, args: readonly string[], when: RegExp, act: (pid: number) => void | Promise<void>) {
  const child = bench(host, args);
  let stderr = "";
  let acted: Promise<void> | undefined;
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!acted && when.test(stderr)) acted = Promise.resolve(act(child.pid ?? 0));
  });
  const result = await child;
  await acted;
  expect(acted, `never saw ${when} in:\n${stderr}`).toBeDefined();
  return result;
}

describe("signals", () => {
  cell("SIGINT × preflight: while waiting for another run's lock, exit 130, GPU untouched", async () => {
    const host = makeHost("T4", "sigint-preflight");
    const marker = markerFor("sigint-preflight");
    const scenario = shellScenario(host, { name: "sigint-preflight", mig: false, marker, workloads: { w: OK_WORKLOAD } });
    const holder = await PartitionSession.open({ smi: host.smi, root: host.stateDir, gpuIndex: 0, runId: "the-first-run", purpose: "run" });
    try {
      const result = await benchUntil(host, ["run", scenario.file, "--gpu", "sim", "--wait-lock", "--out", host.results], /waiting: GPU 0 .* is in use by run the-first-run/, (pid) => {
        process.kill(pid, "SIGINT");
      });
      expect(result.exitCode).toBe(EXIT.interrupted);
      const manifest = await expectKept(runDirOf(result.stdout), "interrupted");
      expect(manifest.executions).toEqual([]);
      leftBehind.push({ fault: "SIGINT while waiting", dir: runDirOf(result.stdout), status: "interrupted" });
    } finally {
      holder.release();
    }
    expectRestored(host, marker, "SIGINT while waiting for the lock");
  });

  cell("SIGTERM × running: workloads stopped, the samples they gave kept, exit 130", async () => {
    const host = makeHost("T4", "sigterm-running");
    const marker = markerFor("sigterm-running");
    const script = `trap 'exit 143' TERM; echo '{"step":1,"items_per_second":7}'; while :; do sleep 0.1; done`;
    const scenario = shellScenario(host, { name: "sigterm-running", mig: false, marker, workloads: { w: script } });
    const result = await benchUntil(host, ["run", scenario.file, "--gpu", "sim", "--out", host.results], /starting w\.1/, async (pid) => {
      await waitFor(() => processesWith(marker).length > 0);
      process.kill(pid, "SIGTERM");
    });
    expect(result.exitCode).toBe(EXIT.interrupted);
    expect(String(result.stderr)).toContain("bench: SIGTERM: stopping the workloads and restoring the GPU (partial results are kept)");
    const manifest = await expectKept(runDirOf(result.stdout), "interrupted");
    expect(manifest.executions.map((e) => [e.status, e.parse.sampleCount, e.metrics.throughput?.value])).toEqual([["cancelled", 1, 7]]);
    expectRestored(host, marker, "SIGTERM while running");
  });

  /** In-process: the abort `bench run`'s signal handler makes, at an exact point of the run. */
  const abortAt = async (name: string, when: { line?: (line: string) => boolean; event?: (event: RunEvent) => boolean }) => {
    const host = makeHost("A100-SXM4-40GB", name);
    const marker = markerFor(name);
    const controller = new AbortController();
    const run = await runHere(host, shellScenario(host, { name, mig: true, marker, workloads: { a: OK_WORKLOAD, b: OK_WORKLOAD } }), {
      signal: controller.signal,
      progress: (line) => void (when.line?.(line) && controller.abort()),
      events: (event) => void (when.event?.(event) && controller.abort()),
    });
    expect(run.exitCode).toBe(EXIT.interrupted);
    expectRestored(host, marker, name);
    return { run, manifest: await expectKept(run.dir, "interrupted") };
  };

  cell("SIGINT × partition: partitioning finishes, nothing launched, GPU restored, exit 130", async () => {
    const { manifest } = await abortAt("abort-partition", { line: (line) => line.startsWith("partition: enable MIG") });
    expect(manifest.executions).toEqual([]);
    expect(manifest.devices).toHaveLength(2);
    expect(manifest.validity.reasons).toContain("the run was interrupted");
  });

  cell("SIGINT × launch: aborted as the step starts, nothing runs, exit 130", async () => {
    const { manifest } = await abortAt("abort-launch", { line: (line) => /step 1\/1: starting/.test(line) });
    expect(manifest.executions.map((e) => [e.status, e.startedAt])).toEqual([
      ["cancelled", null],
      ["cancelled", null],
    ]);
  });

  cell("SIGINT × collection: aborted while an outcome is collected, the outcome kept, exit 130", async () => {
    const { manifest } = await abortAt("abort-collection", { event: (event) => event.kind === "outcome" });
    expect(manifest.executions.map((e) => e.status)).toEqual(["ok", "ok"]);
    expect(manifest.validity.reasons).toEqual(["the run was interrupted"]);
  });

  cell("SIGINT × teardown: aborted during the GPU restore, which completes, exit 130", async () => {
    const { run, manifest } = await abortAt("abort-teardown", { line: (line) => line === "teardown: restoring the GPU" });
    expect(manifest.executions.map((e) => e.status)).toEqual(["ok", "ok"]);
    expect(run.progress.filter((l) => /nvidia-smi -i 0 -mig 0/.test(l))).toHaveLength(1);
  });

  cell("SIGKILL × running (processes): bench cleanup ends the orphaned workloads, restores the GPU, clears the lock", async () => {
    const host = makeHost("A100-SXM4-40GB", "sigkill");
    const marker = markerFor("sigkill");
    // One workload that talks (it would die at its next write to the closed pipe) and one that is quiet.
    const scenario = shellScenario(host, {
      name: "sigkill",
      mig: true,
      marker,
      workloads: { quiet: "sleep 60; echo done", chatty: `while :; do echo '{"step":1,"items_per_second":3}'; sleep 0.2; done` },
    });
    const result = await benchUntil(host, ["run", scenario.file, "--gpu", "sim", "--out", host.results], /starting/, async (pid) => {
      await waitFor(() => processesWith(marker).length >= 2);
      process.kill(pid, "SIGKILL");
    });
    expect(result.signal).toBe("SIGKILL");
    expect(processesWith(marker).length, "workloads outlive a killed harness").toBeGreaterThan(0);
    expect(readSimState(host.sim).gpus[0]?.gpuInstances).toHaveLength(2);
    expect(listLocks(host.stateDir)).toHaveLength(1);

    const cleanup = await bench(host, ["cleanup", "--sim"]);
    expect(cleanup.exitCode, String(cleanup.stderr)).toBe(EXIT.ok);
    expect(String(cleanup.stdout)).toMatch(new RegExp(`ended workload process \\d+ \\(sh -c sleep 60; echo done ${marker}\\)`));
    expect(String(cleanup.stdout)).toMatch(/^restored: GPU /m);
    expect(String(cleanup.stdout)).toMatch(/^cleared stale lock /m);
    expectRestored(host, marker, "SIGKILL, then bench cleanup");
    expect(String((await bench(host, ["cleanup", "--sim"])).stdout)).toMatch(/^nothing to clean up/);
    const dir = readdirSync(host.results).map((d) => path.join(host.results, d))[0] ?? "";
    await expectKept(dir, "running");
    leftBehind.push({ fault: "SIGKILL", dir, status: "running" });
  });

  cell(
    "SIGKILL × running (containers): bench cleanup removes the orphaned containers and restores the GPU",
    async () => {
      const host = makeHost("T4", "sigkill-docker");
      const marker = markerFor("sigkill-docker");
      const scenario = shellScenario(host, { name: "sigkill-docker", mig: false, marker, image: TEST_IMAGE, docker: "{ network: none }", workloads: { w: "sleep 60; echo done" } });
      const result = await benchUntil(host, ["run", scenario.file, "--gpu", "sim", "--runtime", "docker", "--out", host.results], /starting w\.1/, async (pid) => {
        await waitFor(() => processesWith(marker).length > 0);
        process.kill(pid, "SIGKILL");
      });
      expect(result.signal).toBe("SIGKILL");
      const runId = path.basename(readdirSync(host.results)[0] ?? "");
      expect(await leftovers(runId)).toHaveLength(1);
      const cleanup = await bench(host, ["cleanup", "--sim"]);
      expect(cleanup.exitCode, String(cleanup.stderr)).toBe(EXIT.ok);
      expect(String(cleanup.stdout)).toMatch(new RegExp(`removed container migbench-${runId}-w\\.1-`));
      expect(await leftovers(runId)).toEqual([]);
      expectRestored(host, marker, "SIGKILL of a docker run, then bench cleanup");
    },
    { skip: !docker.ok && "no Docker engine", timeout: 120_000 },
  );
});

describe("the report phase", () => {
  beforeAll(() => expect(leftBehind.length).toBeGreaterThan(0));

  cell(REPORT_TEST, async () => {
    const host = makeHost("T4", "report");
    const result = await bench(host, ["report", ...leftBehind.map((l) => l.dir)]);
    expect(result.exitCode, String(result.stderr)).toBe(EXIT.ok);
    const text = String(result.stdout);
    // Each run as it was left: complete, interrupted, or "running" where it could not record its end.
    for (const left of leftBehind) expect(text, left.fault).toContain(`${path.basename(left.dir)} (${left.status})`);
    if (disk instanceof TinyDisk) {
      // The report's own output on a full disk: a clear error, no stack trace, no partial file.
      const out = path.join(disk.dir, "report.md");
      disk.fill();
      try {
        const full = await bench(host, ["report", leftBehind[0]?.dir ?? "", "--out", out]);
        expect(full.exitCode).toBe(EXIT.environment);
        expect(String(full.stderr)).toMatch(/^bench: --out .*report\.md: ENOSPC: no space left on device/m);
        expect(String(full.stderr)).not.toMatch(/\n\s+at /);
      } finally {
        disk.free();
      }
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(disk.dir).filter((f) => f.includes("report.md"))).toEqual([]);
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
