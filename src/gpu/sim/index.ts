/**
 * The simulated GPU host: an executable named `nvidia-smi` (bin/sim) that answers like the real tool
 * from a JSON state file named by MIGBENCH_SIM_STATE. Put `simBinDir()` first on PATH to use it.
 */
import path from "node:path";
import { packageRoot } from "../../package-root.js";

export { createSimState, initSimState, DEFAULT_DRIVER_VERSION, type InitSimOptions } from "./init.js";
export { runSim, loopIntervalMs, SIM_ENV, type SimEnv, type SimResult } from "./run.js";
export { inProcessSim } from "./in-process.js";
export { SimFault } from "./fault-schema.js";
export {
  readSimState,
  writeSimState,
  updateSimState,
  parseSimState,
  SimState,
  SimStateError,
  type SimGpu,
  type SimGpuInstance,
  type SimComputeInstance,
  type SimProcess,
} from "./state.js";

/** Absolute path of bin/sim. */
export function simBinDir(): string {
  return path.join(packageRoot(), "bin", "sim");
}
