/**
 * Which GPU a run talks to: the real `nvidia-smi`, or the simulated one put first on PATH so that the
 * very same driver code runs against it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { InputError } from "../errors.js";
import { findModel } from "../gpu/catalog/index.js";
import { initSimState, readSimState, simBinDir } from "../gpu/sim/index.js";

/** What `--gpu` asked for, checked before anything is touched. */
export type GpuRequest = { kind: "auto" } | { kind: "real" } | { kind: "sim"; model: string };

export type GpuTarget = { kind: "real" } | { kind: "sim"; model: string; stateFile: string };

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

async function realGpuAnswers(): Promise<boolean> {
  const result = await execa("nvidia-smi", ["-L"], { reject: false, timeout: 10_000 });
  return result.exitCode === 0 && /^GPU \d+:/m.test(String(result.stdout));
}

/**
 * `auto` is the real GPU when nvidia-smi answers, otherwise the simulator of the scenario's model.
 * A simulator keeps its state in MIGBENCH_SIM_STATE when set, otherwise in the run directory.
 */
export async function resolveGpuTarget(request: GpuRequest, scenarioModel: string, runDir: string): Promise<GpuTarget> {
  if (request.kind === "real" || (request.kind === "auto" && (await realGpuAnswers()))) return { kind: "real" };
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

/** Makes `nvidia-smi` resolve to the simulator for this process and every workload it starts. */
export function activateGpuTarget(target: GpuTarget): void {
  if (target.kind !== "sim") return;
  process.env.PATH = `${simBinDir()}${path.delimiter}${process.env.PATH ?? ""}`;
  process.env.MIGBENCH_SIM_STATE = target.stateFile;
}
