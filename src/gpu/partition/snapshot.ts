/** Reading a GPU's partition state (read-only), and comparing two such states. */
import { EnvironmentError } from "../../errors.js";
import { together, type GpuStatus, type NvidiaSmi } from "../nvidia-smi/index.js";
import type { GpuInstanceState, GpuSnapshot, MigModeName } from "./types.js";

/**
 * The GPU `index` names, from one `--query-gpu` call (or from `listed`, that call's answer when the caller
 * has it); an EnvironmentError listing the GPUs when there is none.
 */
export async function findGpu(smi: NvidiaSmi, index: number, listed?: readonly GpuStatus[]): Promise<GpuStatus> {
  const gpus = listed ?? (await smi.gpuStatus());
  const gpu = gpus.find((g) => g.index === index);
  if (!gpu) {
    const listed = gpus.map((g) => `${g.index}: ${g.name}`).join(", ") || "none";
    throw new EnvironmentError(`GPU ${index} not found; nvidia-smi lists ${gpus.length} GPU(s) (${listed}); pick one with --gpu-index`);
  }
  return gpu;
}

const modeName = (mode: "Enabled" | "Disabled" | undefined): MigModeName => mode ?? "N/A";

export interface SnapshotOptions {
  /** Also list the processes on the GPU (one more nvidia-smi call; read-backs after a change skip it). */
  readonly processes?: boolean;
  /** The GPU's `--query-gpu` row when the caller just read it. */
  readonly status?: GpuStatus;
  /** MIG is probably on: list the instances while the status is read, not after it (one round of calls, not two). */
  readonly expectMig?: boolean;
}

/** MIG mode, every GPU and compute instance with profile and placement, and the processes on the GPU. */
export async function readGpuSnapshot(smi: NvidiaSmi, index: number, options: SnapshotOptions = {}): Promise<GpuSnapshot> {
  const known = options.status?.index === index ? options.status : undefined;
  // Used, and its failure reported, only when MIG turns out to be on (with MIG off, -lgi fails).
  const early = options.expectMig && !known ? settle(readGpuInstances(smi, index)) : undefined;
  const [gpu] = await together([known ? Promise.resolve(known) : findGpu(smi, index), early ?? Promise.resolve(undefined)]);
  const migMode = { current: modeName(gpu.migCurrent), pending: modeName(gpu.migPending) };
  const instances = async (): Promise<GpuInstanceState[]> => {
    const read = await early;
    if (!read) return readGpuInstances(smi, index);
    if ("error" in read) throw read.error;
    return read.value;
  };
  const [gpuInstances, apps] = await together([
    migMode.current === "Enabled" ? instances() : Promise.resolve([]),
    options.processes === false ? Promise.resolve([]) : smi.computeApps(index),
  ]);
  const processes = apps.map((p) => ({
    pid: p.pid,
    ...(p.processName ? { name: p.processName } : {}),
    ...(p.usedMemoryMiB === undefined ? {} : { usedMemoryMiB: p.usedMemoryMiB }),
  }));
  return {
    index,
    name: gpu.name,
    uuid: gpu.uuid,
    ...(gpu.pciBusId ? { pciBusId: gpu.pciBusId } : {}),
    ...(gpu.driverVersion ? { driverVersion: gpu.driverVersion } : {}),
    migMode,
    gpuInstances,
    processes,
    takenAt: new Date().toISOString(),
  };
}

/** A read's value or its error, kept for later. */
const settle = <T>(read: Promise<T>): Promise<{ value: T } | { error: unknown }> => read.then((value) => ({ value }), (error: unknown) => ({ error }));

/** `-lgi` and `-lci` (side by side) joined: each GPU instance with its compute instances, sorted by placement; MIG must be on. */
export async function readGpuInstances(smi: NvidiaSmi, index: number): Promise<GpuInstanceState[]> {
  const [gis, cis] = await together([smi.gpuInstances(index), smi.computeInstances(index)]);
  return gis
    .map((gi) => ({
      giId: gi.instanceId,
      profileId: gi.profileId,
      profileName: gi.name,
      start: gi.placement.start,
      size: gi.placement.size,
      computeInstances: cis
        .filter((ci) => ci.gpuInstanceId === gi.instanceId)
        .map((ci) => ({ ciId: ci.instanceId, profileId: ci.profileId, profileName: ci.name, ...(ci.placement ? { start: ci.placement.start } : {}) }))
        .sort((a, b) => (a.start ?? a.ciId) - (b.start ?? b.ciId)),
    }))
    .sort((a, b) => a.start - b.start);
}

const instanceKey = (gi: GpuInstanceState): string =>
  `GI ${gi.giId} ${gi.profileName} at ${gi.start}:${gi.size} [${gi.computeInstances.map((ci) => `CI ${ci.ciId} ${ci.profileName}`).join(", ")}]`;

export const describeInstance = (gi: GpuInstanceState): string =>
  `GI ${gi.giId} ${gi.profileName} at slot ${gi.start}:${gi.size}${gi.computeInstances.length > 0 ? ` (${gi.computeInstances.map((ci) => `CI ${ci.ciId} ${ci.profileName}`).join(", ")})` : " (no compute instances)"}`;

/** What differs between two states of the same GPU, in words; empty when they are the same. */
export function gpuStateDifferences(before: GpuSnapshot, after: GpuSnapshot): string[] {
  const problems: string[] = [];
  if (before.migMode.current !== after.migMode.current || before.migMode.pending !== after.migMode.pending) {
    problems.push(
      `MIG mode is ${after.migMode.current} (pending ${after.migMode.pending}); it was ${before.migMode.current} (pending ${before.migMode.pending})`,
    );
  }
  const was = new Set(before.gpuInstances.map(instanceKey));
  const now = new Set(after.gpuInstances.map(instanceKey));
  for (const gi of after.gpuInstances) if (!was.has(instanceKey(gi))) problems.push(`${describeInstance(gi)} was not there before`);
  for (const gi of before.gpuInstances) if (!now.has(instanceKey(gi))) problems.push(`${describeInstance(gi)} is gone`);
  return problems;
}

export const sameGpuState = (a: GpuSnapshot, b: GpuSnapshot): boolean => gpuStateDifferences(a, b).length === 0;

/** `PID 1234 (python, 2000 MiB)`. */
export const describeProcesses = (snapshot: GpuSnapshot): string =>
  snapshot.processes
    .map((p) => `PID ${p.pid} (${[p.name ?? "unknown", p.usedMemoryMiB === undefined ? undefined : `${p.usedMemoryMiB} MiB`].filter(Boolean).join(", ")})`)
    .join(", ");

/** The GPU with this UUID now (its index may have changed since a journal was written), or undefined. */
export async function locateGpu(smi: NvidiaSmi, uuid: string): Promise<GpuStatus | undefined> {
  return (await smi.gpuStatus()).find((g) => g.uuid === uuid);
}
