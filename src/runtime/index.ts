/**
 * Runtimes: how a workload instance is launched on a device. The runner picks one by name
 * (`bench run --runtime process|docker`); every runtime implements the same `Runtime` interface.
 */
import { createProcessRuntime } from "./process.js";
import type { GpuAccess, Runtime } from "./types.js";

export type {
  CleanupLog,
  ContainerEngineRecord,
  DockerLaunchOptions,
  GpuAccess,
  GroupHooks,
  ImageRecord,
  InstanceBarrier,
  InstanceOutcome,
  InstanceState,
  InstanceStatus,
  LaunchSpec,
  Runtime,
} from "./types.js";
export { createProcessRuntime, type ProcessRuntimeOptions } from "./process.js";
export { formatLogLine, parseLogLine, readLogBatches, readLogLines, type LogLine, type StreamName } from "./log-writer.js";
export { groupSkew, type GroupSkew } from "./skew.js";

/** What a runtime is told about the run it serves. */
export interface RuntimeContext {
  readonly runId: string;
  /**
   * The GPU is the simulator: there is no device for a container runtime to hand over, so containers get
   * their device through the environment only (`env-only`); on a real GPU, through the NVIDIA runtime.
   */
  readonly simulatedGpu: boolean;
}

export const gpuAccessFor = (context: RuntimeContext): GpuAccess => (context.simulatedGpu ? "env-only" : "nvidia");

/**
 * Runtime name → factory. Factories, so that a runtime's setup happens only when chosen; the Docker runtime
 * is even loaded only then (dockerode and its dependencies take about half a second to load).
 */
export const RUNTIMES: Readonly<Record<string, (context: RuntimeContext) => Promise<Runtime>>> = {
  process: async () => createProcessRuntime(),
  docker: async (context) => {
    const { createDockerRuntime } = await import("./docker/index.js");
    return createDockerRuntime({ runId: context.runId, gpuAccess: gpuAccessFor(context) });
  },
};
