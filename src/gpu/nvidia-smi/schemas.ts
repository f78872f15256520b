/** The shapes the parsers return, as zod schemas: every parsed output is validated before it is used. */
import { z } from "zod";

const index = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const maybeNumber = z.number().optional();

export const Placement = z.object({ start: index, size: z.number().int().positive() });
export type Placement = z.infer<typeof Placement>;

/** A MIG device line of `-L`; the old `MIG-GPU-<uuid>/<gi>/<ci>` form also names its instances. */
export const ListedMigDevice = z.object({
  name: z.string().min(1),
  deviceIndex: index,
  uuid: z.string().regex(/^MIG-/),
  gpuInstanceId: index.optional(),
  computeInstanceId: index.optional(),
});
export type ListedMigDevice = z.infer<typeof ListedMigDevice>;

export const ListedGpu = z.object({
  index,
  name: z.string().min(1),
  uuid: z.string().regex(/^GPU-/),
  migDevices: z.array(ListedMigDevice),
});
export type ListedGpu = z.infer<typeof ListedGpu>;

/** One `--query-…` row: field (as requested) → value without unit; undefined for `[N/A]` and the like. */
export const QueryRecord = z.record(z.string(), z.string().optional());
export type QueryRecord = z.infer<typeof QueryRecord>;

export const GiProfileRow = z.object({
  gpuIndex: index,
  name: z.string().min(1),
  profileId: index,
  free: count,
  total: count,
  memoryGiB: maybeNumber,
  p2p: z.boolean().optional(),
  sms: maybeNumber,
  decoders: maybeNumber,
  encoders: maybeNumber,
  copyEngines: maybeNumber,
  jpegDecoders: maybeNumber,
  ofas: maybeNumber,
});
export type GiProfileRow = z.infer<typeof GiProfileRow>;

export const GiPlacements = z.object({
  gpuIndex: index,
  profileId: index,
  starts: z.array(index),
  size: z.number().int().positive(),
});
export type GiPlacements = z.infer<typeof GiPlacements>;

export const GpuInstanceRow = z.object({
  gpuIndex: index,
  name: z.string().min(1),
  profileId: index,
  instanceId: index,
  /** Absent in the older format without a Placement column. */
  placement: Placement.optional(),
});
export type GpuInstanceRow = z.infer<typeof GpuInstanceRow>;

export const ComputeInstanceRow = z.object({
  gpuIndex: index,
  gpuInstanceId: index,
  name: z.string().min(1),
  profileId: index,
  instanceId: index,
  placement: Placement.optional(),
});
export type ComputeInstanceRow = z.infer<typeof ComputeInstanceRow>;

export const CiProfileRow = z.object({
  gpuIndex: index,
  gpuInstanceId: index,
  name: z.string().min(1),
  profileId: index,
  /** Starred: the compute instance `-C` creates. */
  isDefault: z.boolean(),
  free: count,
  total: count,
  sms: maybeNumber,
});
export type CiProfileRow = z.infer<typeof CiProfileRow>;

export const CreatedGpuInstance = z.object({ gpuIndex: index, instanceId: index, profileName: z.string().min(1), profileId: index });
/** The older guide's line names no compute-instance id. */
export const CreatedComputeInstance = z.object({
  gpuIndex: index,
  gpuInstanceId: index,
  instanceId: index.optional(),
  profileName: z.string().min(1),
  profileId: index,
});
export const CreateOutput = z.object({ gpuInstances: z.array(CreatedGpuInstance), computeInstances: z.array(CreatedComputeInstance) });
export type CreatedGpuInstance = z.infer<typeof CreatedGpuInstance>;
export type CreatedComputeInstance = z.infer<typeof CreatedComputeInstance>;
export type CreateOutput = z.infer<typeof CreateOutput>;

export const DestroyOutput = z.object({
  gpuInstances: z.array(z.object({ gpuIndex: index, instanceId: index })),
  computeInstances: z.array(z.object({ gpuIndex: index, gpuInstanceId: index, instanceId: index })),
});
export type DestroyOutput = z.infer<typeof DestroyOutput>;

const MemoryUsage = z.object({ totalMiB: maybeNumber, reservedMiB: maybeNumber, usedMiB: maybeNumber, freeMiB: maybeNumber });

export const XmlMigDevice = z.object({
  index,
  gpuInstanceId: index,
  computeInstanceId: index,
  multiprocessorCount: maybeNumber,
  memory: MemoryUsage,
});
export type XmlMigDevice = z.infer<typeof XmlMigDevice>;

export const XmlProcess = z.object({
  pid: index,
  name: z.string().optional(),
  usedMemoryMiB: maybeNumber,
  gpuInstanceId: index.optional(),
  computeInstanceId: index.optional(),
});

export const XmlGpu = z.object({
  pciBusId: z.string().optional(),
  productName: z.string().optional(),
  uuid: z.string().optional(),
  serial: z.string().optional(),
  vbiosVersion: z.string().optional(),
  migMode: z.object({ current: z.string().optional(), pending: z.string().optional() }),
  migDevices: z.array(XmlMigDevice),
  memory: MemoryUsage,
  utilization: z.object({ gpuPercent: maybeNumber, memoryPercent: maybeNumber }),
  temperatureC: maybeNumber,
  power: z.object({ drawW: maybeNumber, limitW: maybeNumber }),
  clocks: z.object({ graphicsMHz: maybeNumber, smMHz: maybeNumber, memMHz: maybeNumber }),
  processes: z.array(XmlProcess),
});
export type XmlGpu = z.infer<typeof XmlGpu>;

export const QueryXml = z.object({
  driverVersion: z.string().optional(),
  cudaVersion: z.string().optional(),
  attachedGpus: count.optional(),
  gpus: z.array(XmlGpu),
});
export type QueryXml = z.infer<typeof QueryXml>;

export const MigModeState = z.object({ current: z.enum(["Enabled", "Disabled"]).optional(), pending: z.enum(["Enabled", "Disabled"]).optional() });
export type MigModeState = z.infer<typeof MigModeState>;

/** A MIG device resolved by joining `-L` (index → UUID, name) and `-q -x` (index → GI/CI ids). */
export const MigDevice = z.object({ deviceIndex: index, uuid: z.string().regex(/^MIG-/), giId: index, ciId: index, profileName: z.string().min(1) });
export type MigDevice = z.infer<typeof MigDevice>;

export const ComputeApp = z.object({ gpuUuid: z.string().optional(), pid: index, processName: z.string().optional(), usedMemoryMiB: maybeNumber });
export type ComputeApp = z.infer<typeof ComputeApp>;
