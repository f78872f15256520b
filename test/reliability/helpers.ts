/**
 * What the reliability tests share: a simulated GPU host per test (its own simulator state, state folder
 * and results folder), scenarios written on the fly, runs in this process (the runner as `bench run`
 * calls it, with the simulator answering in-process so that a run costs a fraction of a second) or
 * through the real CLI, and the checks every fault must pass: GPU as found, no lock or open journal, no
 * workload process left.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { expect } from "vitest";
import { NvidiaSmi } from "../../src/gpu/nvidia-smi/index.js";
import { listLocks, openJournalFiles } from "../../src/gpu/partition/index.js";
import { initSimState, inProcessSim, readSimState, updateSimState, type SimFault, type SimState } from "../../src/gpu/sim/index.js";
import { runScenario, type RunOptions, type RunOutcome } from "../../src/runner/index.js";
import { loadScenarioText, type Scenario } from "../../src/scenario/index.js";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const benchBin = path.join(root, "bin", "bench.js");

const made: string[] = [];

/** A temporary folder, removed by `removeTempDirs` (afterAll). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `migbench-rel-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Host {
  readonly dir: string;
  /** The simulator's state file. */
  readonly sim: string;
  /** migbench's state folder (locks, journals). */
  readonly stateDir: string;
  readonly results: string;
  /** The driver with the simulator answering in-process (an injected hang is the driver's timeout). */
  readonly smi: NvidiaSmi;
  /** The GPUs as the host started: what every run must leave behind. */
  readonly initial: SimState["gpus"];
  /** Environment for a `bench` child on this host. */
  readonly env: Record<string, string>;
}

export function makeHost(model: string, prefix = "host"): Host {
  const dir = tempDir(prefix);
  const sim = path.join(dir, "sim.json");
  initSimState({ model, gpus: 1, file: sim, seed: prefix });
  const stateDir = path.join(dir, "state");
  return {
    dir,
    sim,
    stateDir,
    results: path.join(dir, "results"),
    smi: new NvidiaSmi({ exec: inProcessSim(sim), timeoutMs: 2_000 }),
    initial: readSimState(sim).gpus,
    env: { MIGBENCH_SIM_STATE: sim, MIGBENCH_STATE_DIR: stateDir, MIGBENCH_TELEMETRY_MS: "0" },
  };
}

export function setFaults(host: Host, faults: SimFault[]): void {
  updateSimState(host.sim, (state) => {
    state.faults = faults;
    state.faultCalls = {};
  });
}

export function clearFaults(host: Host): void {
  updateSimState(host.sim, (state) => {
    delete state.faults;
    delete state.faultCalls;
  });
}

/** Writes a scenario into the host's folder and loads it (its first case). */
export function scenario(host: Host, text: string, name = "scenario.yaml"): Scenario {
  const file = path.join(host.dir, name);
  writeFileSync(file, text);
  const loaded = loadScenarioText(text, file);
  if (!loaded.ok) throw new Error(`test scenario does not load:\n${loaded.problems.map((p) => `${p.line}:${p.col} ${p.message}`).join("\n")}`);
  return loaded.scenario;
}

/** A JSON line a jsonl workload prints, as a shell `printf` argument. */
export const SUMMARY_LINE = '{"event":"summary","items_per_second":40,"elapsed_s":0.1}';

/**
 * A scenario of `workloads` (name → shell script, or a command as is) on the host's GPU model, one
 * 1g.5gb MIG instance each or the full GPU; `sh -c SCRIPT MARKER` puts MARKER in each workload's command
 * line, so that `processesWith(MARKER)` finds any that outlived a run (a script of one command would be
 * exec'd by the shell, losing it: give two).
 */
export function shellScenario(
  host: Host,
  options: { name: string; mig: boolean; marker: string; workloads: Record<string, string | readonly string[]>; extra?: string; docker?: string; image?: string },
): Scenario {
  const model = host.initial[0]?.model ?? "";
  const layout = options.mig
    ? `{ mig: true, gpuInstances: [${Object.keys(options.workloads)
        .map((w) => `{ name: ${w}-gi, profile: 1g.5gb }`)
        .join(", ")}] }`
    : "{ mig: false }";
  const workloads = Object.entries(options.workloads)
    .map(([name, script]) =>
      [
        `  ${name}:`,
        ...(options.image ? [`    image: ${options.image}`] : []),
        `    command: ${JSON.stringify(typeof script === "string" ? ["sh", "-c", script, options.marker] : script)}`,
        ...(options.docker ? [`    docker: ${options.docker}`] : []),
        `    parser: jsonl`,
        `    metrics: { throughput: { key: items_per_second, unit: items/s } }`,
      ].join("\n"),
    )
    .join("\n");
  const run = Object.keys(options.workloads)
    .map((w) => (options.mig ? `  - { workload: ${w}, on: ${w}-gi }` : `  - { workload: ${w}, on: full-gpu }`))
    .join("\n");
  return scenario(host, `name: ${options.name}\ngpu: { model: ${model} }\nlayout: ${layout}\nworkloads:\n${workloads}\nrun:\n${run}\n${options.extra ?? ""}`, `${options.name}.yaml`);
}

export interface InProcessRun extends RunOutcome {
  readonly progress: readonly string[];
}

/** One run in this process, as `bench run` makes it, on the host's simulated GPU. */
export async function runHere(host: Host, scenarioToRun: Scenario, options: Partial<RunOptions> = {}, telemetryMs = 0): Promise<InProcessRun> {
  const progress: string[] = [];
  // The simulator's state for what the run starts itself (telemetry samplers, workloads); telemetry off
  // unless asked for: a sampler costs a process per run.
  const saved = { MIGBENCH_SIM_STATE: process.env.MIGBENCH_SIM_STATE, MIGBENCH_TELEMETRY_MS: process.env.MIGBENCH_TELEMETRY_MS };
  process.env.MIGBENCH_SIM_STATE = host.sim;
  process.env.MIGBENCH_TELEMETRY_MS = String(telemetryMs);
  const outcome = await runScenario({
    scenario: scenarioToRun,
    gpu: { kind: "sim", model: host.initial[0]?.model ?? "" },
    runtime: "process",
    resultsRoot: host.results,
    command: ["bench", "run", scenarioToRun.file],
    signal: new AbortController().signal,
    stateDir: host.stateDir,
    smi: host.smi,
    ...options,
    progress: (line) => {
      progress.push(line);
      options.progress?.(line);
    },
  }).finally(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  return { ...outcome, progress };
}

/** Runs the real `bench` executable on the host (never throws on a non-zero exit). */
export function bench(host: Host, args: readonly string[], env: Record<string, string> = {}) {
  return execa("node", [benchBin, ...args], { cwd: root, reject: false, env: { ...host.env, ...env } });
}

/** The run directory `bench run` printed last on stdout. */
export const runDirOf = (stdout: unknown): string => String(stdout).trim().split("\n").at(-1) ?? "";

/**
 * Live (not zombie) processes, other than this one, whose command line contains `marker` or whose
 * environment names the host's simulator state: a run's workloads (also inside containers, which share
 * this kernel) and the simulated nvidia-smi processes it started (telemetry samplers).
 */
export function processesWith(marker: string, host?: Host): string[] {
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (state === "Z" || state === "X") continue;
      const simulated = host !== undefined && readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(`MIGBENCH_SIM_STATE=${host.sim}`);
      if (cmdline.includes(marker) || simulated) found.push(`${name}: ${cmdline}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** What every fault must leave: the simulated GPU as found, no lock, no open journal, nothing of the run running. */
export function expectRestored(host: Host, marker: string, where: string): void {
  expect(readSimState(host.sim).gpus, `${where}: GPU as found`).toEqual(host.initial);
  expect(listLocks(host.stateDir), `${where}: no lock`).toEqual([]);
  expect(openJournalFiles(host.stateDir), `${where}: no open journal`).toEqual([]);
  expect(processesWith(marker, host), `${where}: no process left`).toEqual([]);
}

/** A unique marker for one test's workloads. */
export const markerFor = (what: string): string => `rel-${what}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;

/**
 * A real "disk full": a tmpfs of `sizeKiB` mounted on a fresh folder (root only; the sandbox and CI run as
 * root), filled to the last block on demand; the reason, where mounting is not permitted.
 */
export class TinyDisk {
  private constructor(readonly dir: string) {}

  static async mount(sizeKiB = 1024): Promise<TinyDisk | { reason: string }> {
    const dir = tempDir("disk");
    const mounted = await execa("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", dir], { reject: false, all: true });
    if (mounted.exitCode !== 0) return { reason: `cannot mount a tmpfs (${String(mounted.all).trim()})` };
    return new TinyDisk(dir);
  }

  /** Writes a filler file until the file system has no block left. */
  fill(): void {
    const filler = path.join(this.dir, ".filler");
    const chunk = Buffer.alloc(4096, 1);
    for (;;) {
      try {
        appendFileSync(filler, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") return;
        throw error;
      }
    }
  }

  free(): void {
    rmSync(path.join(this.dir, ".filler"), { force: true });
  }

  async unmount(): Promise<void> {
    await execa("umount", ["-l", this.dir], { reject: false });
  }
}
