/**
 * The layout a run wants, from a plan (`bench run`) or from entries such as a LAYOUT shorthand or a
 * mig-parted config (`bench partition apply`): every GPU instance with its profile, planned start and
 * compute instances. Entries are solved with the slot model, like a scenario's layout.
 */
import { InputError } from "../../errors.js";
import type { Plan } from "../../plan/types.js";
import { findCiProfile, findGiProfile, type GpuModel } from "../catalog/index.js";
import { placeComputeInstances, solveLayout, type DriverOptions } from "../placement/index.js";
import type { WantedGpuInstance, WantedLayout } from "./types.js";

/** One line of a layout: `count` GPU instances of `profile`, each with the given compute instances (default: one filling it). */
export interface LayoutEntry {
  readonly profile: string;
  readonly count: number;
  readonly start?: number;
  readonly computeInstances?: readonly { readonly profile: string; readonly count: number }[];
}

/** The plan's layout; `pinnedKeys` are the GPU instances whose start the scenario fixed. */
export function wantedFromPlan(plan: Plan, pinnedKeys: ReadonlySet<string> = new Set()): WantedLayout {
  if (!plan.mig) {
    return { mig: false, deviceKey: plan.devices[0]?.key ?? "gpu" };
  }
  return {
    mig: true,
    model: plan.gpu.model,
    creationOrder: plan.mig.creationOrder,
    gpuInstances: plan.mig.gpuInstances.map((gi) => ({
      key: gi.key,
      profileId: gi.profileId,
      profileName: gi.profileName,
      start: gi.start,
      size: gi.size,
      pinned: pinnedKeys.has(gi.key),
      computeInstances: gi.computeInstances.map((ci) => ({ key: ci.key, profileId: ci.profileId, profileName: ci.profileName, isDefault: ci.isDefault })),
    })),
  };
}

/** Entries solved against `model` as the driver places instances; bad entries are an InputError. */
export function wantedFromEntries(model: GpuModel, entries: readonly LayoutEntry[], driver?: DriverOptions): WantedLayout {
  if (!model.mig) throw new InputError(`${model.id} does not support MIG`);
  const names = model.mig.profiles.map((p) => p.name).join(", ");
  const instances: Omit<WantedGpuInstance, "start">[] = [];
  const pins: (number | undefined)[] = [];
  for (const entry of entries) {
    const profile = findGiProfile(model, entry.profile);
    if (!profile) throw new InputError(`${model.id} has no GPU instance profile "${entry.profile}"; its profiles: ${names}`);
    const ciProfiles = (entry.computeInstances ?? []).flatMap((ci) => {
      const p = findCiProfile(profile, ci.profile);
      if (!p) throw new InputError(`a ${profile.name} GPU instance has no compute instance profile "${ci.profile}"; its profiles: ${profile.ciProfiles.map((c) => c.name).join(", ")}`);
      return Array.from({ length: ci.count }, () => p);
    });
    const cis = ciProfiles.length > 0 ? ciProfiles : profile.ciProfiles.filter((p) => p.isDefault);
    if (placeComputeInstances(profile.computeSlices, cis) === null) {
      throw new InputError(`these compute instances do not fit in a ${profile.name}: ${cis.map((c) => c.name).join(", ")}`);
    }
    for (let copy = 0; copy < entry.count; copy++) {
      const key = `gi${instances.length}`;
      instances.push({
        key,
        profileId: profile.id,
        profileName: profile.name,
        size: profile.memorySlots,
        pinned: entry.start !== undefined,
        computeInstances: cis.map((ci, k) => ({ key: `${key}.ci${k}`, profileId: ci.id, profileName: ci.name, isDefault: ci.isDefault })),
      });
      pins.push(entry.start);
    }
  }
  if (instances.length === 0) throw new InputError("the layout names no GPU instance");
  const solved = solveLayout(
    model,
    instances.map((gi, k) => (pins[k] === undefined ? { profileId: gi.profileId } : { profileId: gi.profileId, start: pins[k] })),
    driver,
  );
  if (!solved.ok) throw new InputError(`the layout does not fit a ${model.id}: ${solved.problems.map((p) => p.message).join("; ")}`);
  return {
    mig: true,
    model: model.id,
    creationOrder: solved.solution.creationOrder,
    gpuInstances: instances.map((gi, k) => ({ ...gi, start: solved.solution.starts[k] ?? 0 })),
  };
}

/** `3g.20gb@4 + 4x1g.5gb`, as a person would write the layout. */
export function describeWanted(wanted: WantedLayout): string {
  if (!wanted.mig) return "MIG off (the whole GPU)";
  return wanted.gpuInstances
    .map((gi) => {
      const cis = gi.computeInstances.every((ci) => ci.isDefault) ? "" : ` [${gi.computeInstances.map((ci) => ci.profileName).join(", ")}]`;
      return `${gi.profileName}@${gi.start}${cis}`;
    })
    .join(" + ");
}
