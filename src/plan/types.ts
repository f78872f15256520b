/** A plan is the scenario made concrete: where each instance goes, in which order, what runs where. */

export interface PlannedComputeInstance {
  /** `gi0.ci0` */
  readonly key: string;
  readonly name?: string;
  readonly profileId: number;
  readonly profileName: string;
  /** Start and size in compute slices inside the GPU instance. */
  readonly start: number;
  readonly size: number;
  /** The default CI that `-cgi ... -C` creates. */
  readonly isDefault: boolean;
}

export interface PlannedGpuInstance {
  /** `gi0` */
  readonly key: string;
  readonly name?: string;
  readonly profileId: number;
  readonly profileName: string;
  /** Memory-slot placement. */
  readonly start: number;
  readonly size: number;
  readonly computeInstances: readonly PlannedComputeInstance[];
}

/** Something a workload copy runs on: one MIG device (a compute instance) or the whole GPU. */
export interface PlannedDevice {
  /** `gi0.ci0` for a MIG device, `gpu` for the whole GPU. */
  readonly key: string;
  readonly kind: "mig" | "gpu";
  /** Human label: `1g.5gb@0`, `1c.4g.20gb@0.2`, or the GPU model. */
  readonly label: string;
  readonly giKey?: string;
  readonly ciKey?: string;
}

/** One copy of a workload on one device: one column of the study's tables. */
export interface PlannedInstance {
  /** `bert-base-squad.1`, numbered per workload from 1. */
  readonly id: string;
  readonly workload: string;
  readonly device: string;
  /** 1-based position among all instances; the study's column number. */
  readonly column: number;
}

export interface MigPlan {
  readonly gpuInstances: readonly PlannedGpuInstance[];
  /** Indices into `gpuInstances`, in the order to create them. */
  readonly creationOrder: readonly number[];
  /** False when the planned placement needs explicit starts (the driver's default choices miss it). */
  readonly reachedByDefaultPlacement: boolean;
}

export interface Plan {
  readonly scenario: { readonly name: string; readonly title?: string; readonly file: string; readonly sha256: string };
  readonly gpu: { readonly model: string; readonly index: number; readonly memorySlots?: number };
  readonly mig: MigPlan | null;
  readonly devices: readonly PlannedDevice[];
  readonly instances: readonly PlannedInstance[];
  readonly schedule: "parallel" | "serial";
  /** Instance ids grouped by start: one group with everything (parallel) or one group per instance (serial). */
  readonly steps: readonly (readonly string[])[];
  readonly repetitions: number;
  readonly warmup: number;
}
