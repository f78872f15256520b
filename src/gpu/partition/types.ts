/**
 * The data of the partition lifecycle: a GPU as found (the snapshot every restore aims at), the layout
 * a run wants, and the devices it got. Snapshots are written to journals and read back after a crash,
 * so they are zod schemas: what comes back from disk is checked before anything acts on it.
 */
import { z } from "zod";

const id = z.number().int().nonnegative();
export const MigModeName = z.enum(["Enabled", "Disabled", "N/A"]);
export type MigModeName = z.infer<typeof MigModeName>;

export const ComputeInstanceState = z.object({ ciId: id, profileId: id, profileName: z.string(), start: id.optional() });
export type ComputeInstanceState = z.infer<typeof ComputeInstanceState>;

export const GpuInstanceState = z.object({
  giId: id,
  profileId: id,
  profileName: z.string(),
  start: id,
  size: z.number().int().positive(),
  computeInstances: z.array(ComputeInstanceState),
});
export type GpuInstanceState = z.infer<typeof GpuInstanceState>;

export const GpuProcess = z.object({ pid: id, name: z.string().optional(), usedMemoryMiB: z.number().optional() });
export type GpuProcess = z.infer<typeof GpuProcess>;

/** A GPU as nvidia-smi shows it at one moment. */
export const GpuSnapshot = z.object({
  index: id,
  name: z.string(),
  uuid: z.string(),
  pciBusId: z.string().optional(),
  driverVersion: z.string().optional(),
  migMode: z.object({ current: MigModeName, pending: MigModeName }),
  gpuInstances: z.array(GpuInstanceState),
  processes: z.array(GpuProcess),
  takenAt: z.string(),
});
export type GpuSnapshot = z.infer<typeof GpuSnapshot>;

/** One compute instance a layout asks for. */
export interface WantedComputeInstance {
  /** The plan's device key (`gi0.ci0`). */
  readonly key: string;
  readonly profileId: number;
  readonly profileName: string;
  /** The GPU instance's default compute instance (what `-C` creates). */
  readonly isDefault: boolean;
}

/** One GPU instance a layout asks for, at the start the plan chose. */
export interface WantedGpuInstance {
  readonly key: string;
  readonly profileId: number;
  readonly profileName: string;
  readonly start: number;
  readonly size: number;
  /** The scenario pinned `start`; otherwise any start the driver picks is as good. */
  readonly pinned: boolean;
  readonly computeInstances: readonly WantedComputeInstance[];
}

/** What a run wants of the GPU: its whole self with MIG off, or a MIG layout. */
export type WantedLayout =
  | { readonly mig: false; readonly deviceKey: string }
  | {
      readonly mig: true;
      /** Catalog id of the model the layout was planned for. */
      readonly model: string;
      readonly gpuInstances: readonly WantedGpuInstance[];
      /** The plan's creation order (indices into gpuInstances); tried first when the driver model agrees. */
      readonly creationOrder: readonly number[];
    };

/** A device the run can pin work to, as the driver knows it (the manifest's `devices`). */
export interface ResolvedDevice {
  readonly key: string;
  readonly kind: "mig" | "gpu";
  readonly uuid: string;
  readonly label: string;
  readonly giId?: number;
  readonly ciId?: number;
  readonly profile?: string;
  readonly start?: number;
  readonly size?: number;
}

/** What apply did: the devices, and whether it changed anything at all. */
export interface AppliedLayout {
  readonly snapshot: GpuSnapshot;
  readonly devices: readonly ResolvedDevice[];
  /** The GPU already had the layout: nothing was created, nothing will be destroyed. */
  readonly reused: boolean;
  /** Remarks worth keeping with the results (retried orders, placements other than planned). */
  readonly notes: readonly string[];
  /** The GPU as the read-back after creating found it, where apply created instances: teardown starts from it. */
  readonly readBack?: GpuState;
}

/** What a restore acts on: the MIG mode and the instances. */
export type GpuState = Pick<GpuSnapshot, "migMode" | "gpuInstances">;
