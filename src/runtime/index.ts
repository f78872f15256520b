/**
 * Runtimes: how a workload instance is launched on a device. The runner picks one by name
 * (`bench run --runtime process|docker`); every runtime implements the same `Runtime` interface.
 */
import { createProcessRuntime } from "./process.js";
import type { Runtime } from "./types.js";

export type { GroupHooks, InstanceOutcome, InstanceStatus, LaunchSpec, Runtime } from "./types.js";
export { createProcessRuntime, type ProcessRuntimeOptions } from "./process.js";
export { formatLogLine, parseLogLine, readLogBatches, readLogLines, type LogLine, type StreamName } from "./log-writer.js";

/** Runtime name → factory. Factories, so that a runtime's setup (a Docker client) happens only when chosen. */
export const RUNTIMES: Readonly<Record<string, () => Runtime>> = {
  process: () => createProcessRuntime(),
};
