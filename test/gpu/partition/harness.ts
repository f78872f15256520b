/**
 * A simulated GPU host for lifecycle tests: the real driver code and the real partition lifecycle,
 * with the simulator answering in-process (the process path has its own tests in test/cli). Every host
 * has its own state folder (MIGBENCH_STATE_DIR is never the user's).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NvidiaSmi, type ExecOptions, type ExecResult, type NvidiaSmiExec } from "../../../src/gpu/nvidia-smi/index.js";
import { PartitionSession, wantedFromPlan, type WantedLayout } from "../../../src/gpu/partition/index.js";
import type { ProcessOwner } from "../../../src/gpu/partition/owner.js";
import { inProcessSim, initSimState, readSimState, updateSimState, type SimFault, type SimState } from "../../../src/gpu/sim/index.js";
import { buildPlan } from "../../../src/plan/index.js";
import { loadScenarioFile } from "../../../src/scenario/index.js";

export interface Host {
  readonly dir: string;
  /** The simulator's state file. */
  readonly file: string;
  /** The migbench state folder (locks, journals). */
  readonly root: string;
  readonly smi: NvidiaSmi;
  /** Every nvidia-smi argument list run so far, in order. */
  readonly calls: string[][];
  /** The GPUs as the host started: what every lifecycle must leave behind. */
  readonly initialGpus: SimState["gpus"];
}

export interface HostOptions {
  readonly driverVersion?: string;
  readonly change?: (state: SimState) => void;
  /** Wraps each call (to copy the world at a call boundary, say). */
  readonly around?: (args: readonly string[], run: () => Promise<ExecResult>) => Promise<ExecResult>;
}

const made: string[] = [];

/** A temporary folder, removed by `removeTempDirs` (call it in afterAll). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `migbench-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function makeHost(model: string, options: HostOptions = {}): Host {
  const dir = tempDir("partition");
  const file = path.join(dir, "sim.json");
  initSimState({ model, gpus: 1, file, seed: "partition", ...(options.driverVersion ? { driverVersion: options.driverVersion } : {}) });
  if (options.change) updateSimState(file, options.change);
  const calls: string[][] = [];
  const sim = inProcessSim(file);
  const exec: NvidiaSmiExec = (args: readonly string[], execOptions: ExecOptions) => {
    calls.push([...args]);
    const run = (): Promise<ExecResult> => sim(args, execOptions);
    return options.around ? options.around(args, run) : run();
  };
  return { dir, file, root: path.join(dir, "state"), smi: new NvidiaSmi({ exec, timeoutMs: 1000 }), calls, initialGpus: readSimState(file).gpus };
}

export const gpusOf = (host: Host): SimState["gpus"] => readSimState(host.file).gpus;

export function setFaults(host: Host, faults: SimFault[]): void {
  updateSimState(host.file, (state) => {
    state.faults = faults;
    state.faultCalls = {};
  });
}

export function clearFaults(host: Host): void {
  updateSimState(host.file, (state) => {
    delete state.faults;
    delete state.faultCalls;
  });
}

/** A PID that belonged to a process that has exited: the owner of a "killed" run. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid ?? 999_999;
}

export function deadOwner(runId: string): ProcessOwner {
  return { pid: deadPid(), hostname: os.hostname(), runId, startedAt: new Date().toISOString(), command: ["bench", "run", "(killed)"] };
}

/** The layout `bench run` would apply for a scenario file. */
export async function wantedOfScenario(file: string): Promise<{ wanted: WantedLayout; model: string }> {
  const loaded = await loadScenarioFile(file);
  if (!loaded.ok) throw new Error(`${file}: ${loaded.problems.map((p) => p.message).join("; ")}`);
  const { scenario } = loaded;
  const pinned = new Set(scenario.gpuInstances.filter((gi) => gi.start !== undefined).map((gi) => gi.key));
  return { wanted: wantedFromPlan(buildPlan(scenario), pinned), model: scenario.model.id };
}

export interface LifecycleOutcome {
  readonly devices: number;
  readonly reused: boolean;
  readonly notes: readonly string[];
  /** What stopped apply (or open/preflight), if anything. */
  readonly error?: Error;
  /** What restore could not put back. */
  readonly problems: readonly string[];
}

/** open → preflight → apply → (the run) → restore → release, as the runner does it. */
export async function lifecycle(
  host: Host,
  wanted: WantedLayout,
  options: { owner?: ProcessOwner; allowGpuReset?: boolean; expectedModel?: string; during?: () => void | Promise<void> } = {},
): Promise<LifecycleOutcome> {
  let session: PartitionSession | undefined;
  let error: Error | undefined;
  let devices = 0;
  let reused = false;
  let notes: readonly string[] = [];
  try {
    session = await PartitionSession.open({
      smi: host.smi,
      root: host.root,
      gpuIndex: 0,
      runId: options.owner?.runId ?? "test-run",
      purpose: "run",
      allowGpuReset: options.allowGpuReset ?? false,
      ...(options.owner ? { owner: options.owner } : {}),
    });
    session.preflight(wanted, options.expectedModel ? { expectedModel: options.expectedModel } : {});
    const applied = await session.apply(wanted);
    devices = applied.devices.length;
    reused = applied.reused;
    notes = applied.notes;
    await options.during?.();
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
  }
  const problems = session ? await session.restore() : [];
  session?.release();
  return { devices, reused, notes, problems, ...(error ? { error } : {}) };
}

export const readText = (file: string): string => readFileSync(file, "utf8");
