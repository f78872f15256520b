/**
 * Expansion of the layout's shorthand into explicit instances: `count: N` becomes N GPU instances keyed
 * `gi0, gi1, ...` in the order written, each with its compute instances (`gi0.ci0`, ...; the GI's
 * default CI when none are given). Every instance remembers the entry it came from, so that later
 * stages can point problems back at the YAML.
 */
import { findCiProfile, findGiProfile, type GpuModel } from "../gpu/catalog/index.js";
import type { GpuInstanceSpec } from "./schema.js";
import type { DocPath, ExpandedCi, ExpandedGi } from "./types.js";

/** Where the layout's GPU instances live in a scenario document. */
export const GPU_INSTANCES_PATH: DocPath = ["layout", "gpuInstances"];

/**
 * Expands `specs` against `model`'s catalog. The checks have already resolved every profile; an
 * unknown one here is a bug in the caller, hence a thrown Error rather than a problem.
 */
export function expandGpuInstances(model: GpuModel, specs: readonly GpuInstanceSpec[]): ExpandedGi[] {
  const expanded: ExpandedGi[] = [];
  specs.forEach((spec, entry) => {
    const sourcePath = [...GPU_INSTANCES_PATH, entry];
    const profile = findGiProfile(model, spec.profile);
    if (!profile) throw new Error(`expand: ${model.id} has no GPU instance profile "${spec.profile}"`);
    for (let copy = 0; copy < spec.count; copy++) {
      const key = `gi${expanded.length}`;
      const computeInstances: ExpandedCi[] = [];
      const ciSpecs = spec.computeInstances ?? [];
      ciSpecs.forEach((ciSpec, ciEntry) => {
        const ciProfile = findCiProfile(profile, ciSpec.profile);
        if (!ciProfile) throw new Error(`expand: ${profile.name} has no compute instance profile "${ciSpec.profile}"`);
        for (let ciCopy = 0; ciCopy < ciSpec.count; ciCopy++) {
          computeInstances.push({
            key: `${key}.ci${computeInstances.length}`,
            ...(ciSpec.name === undefined ? {} : { name: ciSpec.name }),
            profileId: ciProfile.id,
            profileName: ciProfile.name,
            computeSlices: ciProfile.computeSlices,
            sourcePath: [...sourcePath, "computeInstances", ciEntry],
          });
        }
      });
      if (ciSpecs.length === 0) {
        const ciDefault = profile.ciProfiles.find((p) => p.isDefault);
        if (!ciDefault) throw new Error(`catalog: ${profile.name} has no default compute instance profile`);
        computeInstances.push({
          key: `${key}.ci0`,
          profileId: ciDefault.id,
          profileName: ciDefault.name,
          computeSlices: ciDefault.computeSlices,
          sourcePath,
        });
      }
      expanded.push({
        key,
        ...(spec.name === undefined ? {} : { name: spec.name }),
        profileId: profile.id,
        profileName: profile.name,
        ...(spec.start === undefined ? {} : { start: spec.start }),
        computeInstances,
        sourcePath,
      });
    }
  });
  return expanded;
}
