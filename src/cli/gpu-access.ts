/**
 * How the GPU commands (`bench gpus`, `partition`, `cleanup`) reach nvidia-smi: the real one on PATH, or
 * with `--sim` the simulator (its state named by MIGBENCH_SIM_STATE). Driver failures become exit 3.
 */
import path from "node:path";
import type { Argv } from "yargs";
import { EnvironmentError, InputError } from "../errors.js";
// The driver module (execa, zod schemas) loads only when a command reaches the GPU: `bench --help` and the
// other commands start without it (docs/performance.md, CLI start).
import { NvidiaSmiError } from "../gpu/nvidia-smi/errors.js";
import type { NvidiaSmi } from "../gpu/nvidia-smi/index.js";

export const withGpuOptions = <T>(y: Argv<T>): Argv<T> =>
  y.option("sim", { type: "boolean", default: false, describe: "Use the simulated nvidia-smi (state file from MIGBENCH_SIM_STATE)" });

export async function driverFor(args: Readonly<Record<string, unknown>>): Promise<NvidiaSmi> {
  const { NvidiaSmi } = await import("../gpu/nvidia-smi/index.js");
  if (args.sim !== true) return new NvidiaSmi();
  if (!process.env.MIGBENCH_SIM_STATE) throw new InputError("--sim needs MIGBENCH_SIM_STATE: create a state with `bench sim init --model MODEL --state FILE` and export its path");
  const { simBinDir } = await import("../gpu/sim/index.js");
  return new NvidiaSmi({ bin: path.join(simBinDir(), "nvidia-smi") });
}

/** Runs `fn`, turning a driver failure into an EnvironmentError (exit 3) that says what failed. */
export async function reportingDriverErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof NvidiaSmiError)) throw error;
    const hint = error.reason === "not-found" ? "; is the NVIDIA driver installed? (`--sim` uses the simulator)" : "";
    throw new EnvironmentError(`${error.message}${hint}`);
  }
}
