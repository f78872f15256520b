/**
 * LaunchSpec → the Engine API's container-create body. Pure data: everything a container gets (device,
 * environment, mounts, limits, labels) is decided here and can be checked without an engine.
 */
import type { ContainerCreateOptions } from "./engine.js";
import { containerLabels } from "./labels.js";
import { BARRIER_MOUNT, barrierEnvironment } from "../start-barrier.js";
import { GATE_MOUNT, gatedEntrypoint } from "./start-gate.js";
import type { GpuAccess, LaunchSpec } from "../types.js";

/** Docker's size units are binary: 1k = 1024 bytes (as `docker run --shm-size 1g`). */
const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "1g" → 1073741824; throws on anything Docker would not accept. */
export function parseSize(value: string): number {
  const match = /^(\d+)([bkmg]?)$/i.exec(value.trim());
  const unit = SIZE_UNITS[(match?.[2] ?? "").toLowerCase()];
  if (!match || unit === undefined) throw new Error(`invalid size "${value}": expected a number with an optional unit b, k, m or g`);
  return Number(match[1]) * unit;
}

/**
 * The environment inside the container. Unlike a process, a container inherits nothing from the harness:
 * only the spec's variables and the device pinning. NVIDIA_VISIBLE_DEVICES is always set to the device,
 * so that an image's own `NVIDIA_VISIBLE_DEVICES=all` (every NGC image has one) cannot widen what the
 * container sees. CUDA_VISIBLE_DEVICES:
 * - env-only: the device's UUID, as the process runtime sets it (there is no container toolkit to hand
 *   the device over; the workload must pick it itself);
 * - nvidia: left unset: the toolkit exposes exactly the one device, and a scenario's own value could only
 *   point at a device the container does not have.
 */
export function containerEnv(spec: LaunchSpec, gpuAccess: GpuAccess): string[] {
  const env: Record<string, string> = { ...spec.env };
  delete env.CUDA_VISIBLE_DEVICES;
  env.NVIDIA_VISIBLE_DEVICES = spec.device.uuid;
  if (gpuAccess === "env-only") env.CUDA_VISIBLE_DEVICES = spec.device.uuid;
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** Container names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; run and instance ids mostly fit already. */
export function containerName(runId: string, instanceId: string, suffix: string): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, "_");
  return `migbench-${clean(runId)}-${clean(instanceId)}-${suffix}`;
}

export interface ContainerContext {
  readonly runId: string;
  readonly gpuAccess: GpuAccess;
  /** Unique per container of the run (a repetition may re-create an instance). */
  readonly nameSuffix: string;
  /** Recorded in a label so that `bench cleanup` can tell a live run's containers from a dead one's. */
  readonly owner: string;
  /**
   * Wait at the group's start gate (start-gate.ts): the gate's folder on this host, and the image's own
   * entrypoint, which the gate's shell execs in front of the command.
   */
  readonly gate?: { readonly hostDir: string; readonly imageEntrypoint: readonly string[] };
  /** Take part in the group's start barrier (start-barrier.ts): its folder on this host. */
  readonly barrierDir?: string;
}

/** The create body for one instance. Throws (with a message for the outcome) on an invalid option. */
export function containerConfig(spec: LaunchSpec, context: ContainerContext): ContainerCreateOptions {
  if (!spec.image) throw new Error(`instance ${spec.instanceId} has no image: the docker runtime runs images only`);
  const options = spec.docker ?? {};
  const hostConfig: NonNullable<ContainerCreateOptions["HostConfig"]> = {};
  if (context.gpuAccess === "nvidia") {
    // The CLI's `--gpus device=<uuid>`. Never Count together with DeviceIDs: the engine rejects that.
    hostConfig.DeviceRequests = [{ Driver: "nvidia", DeviceIDs: [spec.device.uuid], Capabilities: [["gpu"]] }];
  }
  if (options.shmSize !== undefined) hostConfig.ShmSize = parseSize(options.shmSize);
  if (options.memory !== undefined) {
    hostConfig.Memory = parseSize(options.memory);
    // Without a swap limit a memory-limited container swaps instead of being OOM-killed, and its
    // measurements mean nothing.
    hostConfig.MemorySwap = hostConfig.Memory;
  }
  if (options.ulimits !== undefined) {
    hostConfig.Ulimits = Object.entries(options.ulimits).map(([name, limit]) =>
      typeof limit === "number" ? { Name: name, Soft: limit, Hard: limit } : { Name: name, Soft: limit.soft, Hard: limit.hard },
    );
  }
  const mounts = (options.mounts ?? []).map((m) => ({ Type: "bind" as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false }));
  if (context.gate) mounts.push({ Type: "bind", Source: context.gate.hostDir, Target: GATE_MOUNT, ReadOnly: true });
  // Read-write: the workload creates its ready file there.
  if (context.barrierDir) mounts.push({ Type: "bind", Source: context.barrierDir, Target: BARRIER_MOUNT, ReadOnly: false });
  if (mounts.length > 0) hostConfig.Mounts = mounts;
  if (options.network !== undefined) hostConfig.NetworkMode = options.network;
  return {
    name: containerName(context.runId, spec.instanceId, context.nameSuffix),
    Image: spec.image,
    // The command replaces the image's CMD and runs without a shell; the image's ENTRYPOINT, if any,
    // still wraps it, as with `docker run IMAGE ARGS...`. Behind a start gate, the gate's shell is the
    // entrypoint and execs the image's entrypoint and the command once released.
    ...(context.gate
      ? { Entrypoint: gatedEntrypoint(), Cmd: [...context.gate.imageEntrypoint, ...spec.command] }
      : { Cmd: [...spec.command] }),
    Env: [...containerEnv(spec, context.gpuAccess), ...(context.barrierDir ? Object.entries(barrierEnvironment(spec.instanceId, BARRIER_MOUNT)).map(([key, value]) => `${key}=${value}`) : [])],
    Labels: containerLabels(context.runId, spec.instanceId, context.owner),
    ...(options.workdir === undefined ? {} : { WorkingDir: options.workdir }),
    ...(options.user === undefined ? {} : { User: options.user }),
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    HostConfig: hostConfig,
  };
}
