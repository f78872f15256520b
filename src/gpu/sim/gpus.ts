/** Views of the simulated GPUs the output formats share: selection, models, MIG devices in order. */
import { findCiProfile, requireModel, type CiProfile, type GiProfile, type GpuModel } from "../catalog/index.js";
import { profileById, type DriverOptions, type PlacedInstance } from "../placement/index.js";
import { listValue } from "./args.js";
import { driverMajor } from "./hardware.js";
import type { SimComputeInstance, SimGpu, SimGpuInstance, SimState } from "./state.js";

export const modelOf = (gpu: SimGpu): GpuModel => requireModel(gpu.model);

export const driverOptions = (state: SimState): DriverOptions => ({ driverMajor: driverMajor(state.driverVersion) });

export const isMigEnabled = (gpu: SimGpu): boolean => modelOf(gpu).mig !== null && gpu.migMode.current === "Enabled";

export const placedInstances = (gpu: SimGpu): PlacedInstance[] => gpu.gpuInstances.map((gi) => ({ profileId: gi.profileId, start: gi.start }));

/** GPUs `-i` names (index, UUID or PCI bus id, comma-separated), all without `-i`; null when one is unknown. */
export function selectGpus(state: SimState, id: string | true | undefined): SimGpu[] | null {
  if (id === true) return null;
  const wanted = listValue(id);
  if (!wanted) return state.gpus;
  const found = wanted.map((w) => {
    const key = w.toUpperCase();
    return state.gpus.find(
      (g) => String(g.index) === w || g.uuid.toUpperCase() === key || g.pciBusId === key || g.pciBusId.endsWith(`:${key}`) || g.pciBusId === `0000${key}`,
    );
  });
  return found.every((g): g is SimGpu => g !== undefined) ? found : null;
}

export interface MigDeviceView {
  /** Position in `-L` and in `-q -x` mig_devices. */
  readonly deviceIndex: number;
  readonly gi: SimGpuInstance;
  readonly ci: SimComputeInstance;
  readonly giProfile: GiProfile;
  readonly ciProfile: CiProfile;
}

export const giProfileOf = (model: GpuModel, gi: SimGpuInstance): GiProfile => profileById(model, gi.profileId);

export function ciProfileOf(giProfile: GiProfile, ci: SimComputeInstance): CiProfile {
  const profile = findCiProfile(giProfile, ci.profileId);
  if (!profile) throw new Error(`${giProfile.name} has no compute instance profile ${ci.profileId}`);
  return profile;
}

/** Every compute instance is a MIG device; they are listed in placement order (memory slot, then compute slice). */
export function migDevicesOf(gpu: SimGpu): MigDeviceView[] {
  const model = modelOf(gpu);
  if (!isMigEnabled(gpu)) return [];
  return [...gpu.gpuInstances]
    .sort((a, b) => a.start - b.start)
    .flatMap((gi) => {
      const giProfile = giProfileOf(model, gi);
      return [...gi.computeInstances].sort((a, b) => a.start - b.start).map((ci) => ({ gi, ci, giProfile, ciProfile: ciProfileOf(giProfile, ci) }));
    })
    .map((view, deviceIndex) => ({ ...view, deviceIndex }));
}
