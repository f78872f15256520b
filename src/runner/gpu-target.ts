/**
 * Which GPU a run talks to: the real `nvidia-smi`, or the simulated one put first on PATH so that the
 * very same driver code runs against it.
 */
import { accessSync, constants, existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { InputError } from "../errors.js";
import { findModel } from "../gpu/catalog/index.js";
import { NvidiaSmi, type GpuStatus } from "../gpu/nvidia-smi/index.js";
import { initSimState, readSimState, simBinDir } from "../gpu/sim/index.js";

/** What `--gpu` asked for, checked before anything is touched. */
export type GpuRequest = { kind: "auto" } | { kind: "real" } | { kind: "sim"; model: string };

/** A real GPU found by `auto` comes with the listing that found it: the run's first read of the GPU. */
export type GpuTarget = { kind: "real"; listed?: readonly GpuStatus[] } | { kind: "sim"; model: string; stateFile: string };

export function parseGpuFlag(flag: string | undefined, scenarioModel: string): GpuRequest {
  if (flag === undefined) return { kind: "auto" };
  if (flag === "real") return { kind: "real" };
  const match = /^sim(?::(.+))?$/.exec(flag);
  if (!match) throw new InputError(`--gpu takes sim:MODEL, sim or real; got "${flag}"`);
  const requested = match[1] ?? scenarioModel;
  const model = findModel(requested);
  if (!model) throw new InputError(`--gpu ${flag}: unknown GPU model "${requested}"; \`bench profiles\` lists the known ones`);
  return { kind: "sim", model: model.id };
}

/** The `nvidia-smi` that PATH resolves to, or null when there is none. */
function nvidiaSmiOnPath(): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir || ".", "nvidia-smi");
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * True when PATH leads to migbench's own simulator (`bench sim path` put first by hand, or a run in
 * this process): it answers like a real GPU, and a run on it must never be recorded as measured.
 */
export function simulatorOnPath(): boolean {
  const found = nvidiaSmiOnPath();
  return found !== null && found === realpathSync(path.join(simBinDir(), "nvidia-smi"));
}

/** The GPUs the real nvidia-smi lists, or null when there is none or it does not answer. */
async function realGpus(): Promise<GpuStatus[] | null> {
  if (nvidiaSmiOnPath() === null || simulatorOnPath()) return null;
  const gpus = await new NvidiaSmi({ timeoutMs: 10_000 }).gpuStatus().catch(() => null);
  return gpus !== null && gpus.length > 0 ? gpus : null;
}

/**
 * `auto` is the real GPU when nvidia-smi answers, otherwise the simulator of the scenario's model.
 * A simulator keeps its state in MIGBENCH_SIM_STATE when set, otherwise in the run directory.
 */
export async function resolveGpuTarget(request: GpuRequest, scenarioModel: string, runDir: string): Promise<GpuTarget> {
  if (request.kind === "real" && simulatorOnPath())
    throw new InputError("--gpu real: the nvidia-smi on PATH is migbench's simulator (bench sim path); take it off PATH, or run with --gpu sim");
  if (request.kind === "real") return { kind: "real" };
  const listed = request.kind === "auto" ? await realGpus() : null;
  if (listed) return { kind: "real", listed };
  const model = request.kind === "sim" ? request.model : scenarioModel;
  const stateFile = process.env.MIGBENCH_SIM_STATE ?? path.join(runDir, "sim-state.json");
  if (existsSync(stateFile)) {
    const state = await readSimState(stateFile);
    const simulated = state.gpus[0]?.model;
    if (simulated !== model) throw new InputError(`the simulator state ${stateFile} holds a ${simulated ?? "GPU-less host"}, not ${model}`);
  } else {
    await initSimState({ model, gpus: 1, file: stateFile });
  }
  return { kind: "sim", model, stateFile };
}

/** The variables `activateGpuTarget` sets, as they are now; the function returned puts them back. */
export function saveGpuEnvironment(): () => void {
  const saved = { PATH: process.env.PATH, MIGBENCH_SIM_STATE: process.env.MIGBENCH_SIM_STATE };
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Makes `nvidia-smi` resolve to the simulator for this process and every workload it starts. */
export function activateGpuTarget(target: GpuTarget): void {
  if (target.kind !== "sim") return;
  process.env.PATH = `${simBinDir()}${path.delimiter}${process.env.PATH ?? ""}`;
  process.env.MIGBENCH_SIM_STATE = target.stateFile;
}
