/** From a checked scenario to a concrete plan: placements, creation order, devices, instances, steps. */
import { findCiProfile, findGiProfile, type GiProfile } from "../gpu/catalog/index.js";
import { placeComputeInstances, solveLayout } from "../gpu/placement/index.js";
import type { ExpandedGi, Scenario } from "../scenario/types.js";
import type { MigPlan, Plan, PlannedDevice, PlannedGpuInstance, PlannedInstance } from "./types.js";

export type * from "./types.js";

export class PlanError extends Error {}

function giProfile(scenario: Scenario, gi: ExpandedGi): GiProfile {
  const profile = findGiProfile(scenario.model, gi.profileId);
  if (!profile) throw new PlanError(`${scenario.model.id} has no GPU instance profile ${gi.profileId}`);
  return profile;
}

function planMig(scenario: Scenario): MigPlan {
  const result = solveLayout(
    scenario.model,
    scenario.gpuInstances.map((gi) => (gi.start === undefined ? { profileId: gi.profileId } : { profileId: gi.profileId, start: gi.start })),
  );
  if (!result.ok) throw new PlanError(result.problems.map((p) => p.message).join("; "));
  const { starts, creationOrder, reachedByDefaultPlacement } = result.solution;
  const gpuInstances = scenario.gpuInstances.map((gi, index): PlannedGpuInstance => {
    const profile = giProfile(scenario, gi);
    const ciProfiles = gi.computeInstances.map((ci) => {
      const p = findCiProfile(profile, ci.profileId);
      if (!p) throw new PlanError(`${profile.name} has no compute instance profile ${ci.profileId}`);
      return p;
    });
    const ciStarts = placeComputeInstances(profile.computeSlices, ciProfiles);
    if (!ciStarts) throw new PlanError(`the compute instances of ${gi.key} (${profile.name}) do not fit`);
    return {
      key: gi.key,
      ...(gi.name === undefined ? {} : { name: gi.name }),
      profileId: profile.id,
      profileName: profile.name,
      start: starts[index] ?? 0,
      size: profile.memorySlots,
      computeInstances: gi.computeInstances.map((ci, k) => ({
        key: ci.key,
        ...(ci.name === undefined ? {} : { name: ci.name }),
        profileId: ci.profileId,
        profileName: ci.profileName,
        start: ciStarts[k] ?? 0,
        size: ci.computeSlices,
        isDefault: ciProfiles[k]?.isDefault ?? false,
      })),
    };
  });
  return { gpuInstances, creationOrder, reachedByDefaultPlacement };
}

/** MIG devices in the order `nvidia-smi -L` lists them: by memory placement, then compute placement. */
function migDevices(mig: MigPlan): PlannedDevice[] {
  return [...mig.gpuInstances]
    .sort((a, b) => a.start - b.start)
    .flatMap((gi) =>
      [...gi.computeInstances]
        .sort((a, b) => a.start - b.start)
        .map((ci) => ({
          key: ci.key,
          kind: "mig" as const,
          label: ci.isDefault ? `${ci.profileName}@${gi.start}` : `${ci.profileName}@${gi.start}.${ci.start}`,
          giKey: gi.key,
          ciKey: ci.key,
        })),
    );
}

/** The devices a `run[].on` selects. */
function selectDevices(on: string | readonly string[], mig: MigPlan | null, devices: readonly PlannedDevice[]): PlannedDevice[] {
  const names = typeof on === "string" ? [on] : on;
  return names.flatMap((name) => {
    if (name === "full-gpu" || name === "each-mig-device") return [...devices];
    const gis = new Set(mig?.gpuInstances.filter((gi) => gi.name === name).map((gi) => gi.key));
    const cis = new Set(mig?.gpuInstances.flatMap((gi) => gi.computeInstances.filter((ci) => ci.name === name).map((ci) => ci.key)));
    const selected = devices.filter((d) => (d.giKey && gis.has(d.giKey)) || (d.ciKey && cis.has(d.ciKey)));
    if (selected.length === 0) throw new PlanError(`run target "${name}" names no GPU or compute instance`);
    return selected;
  });
}

export function buildPlan(scenario: Scenario): Plan {
  const { doc } = scenario;
  const mig = doc.layout.mig ? planMig(scenario) : null;
  const devices: PlannedDevice[] = mig ? migDevices(mig) : [{ key: "gpu", kind: "gpu", label: scenario.model.id }];

  const perWorkload = new Map<string, number>();
  const instances: PlannedInstance[] = [];
  for (const entry of doc.run) {
    for (const device of selectDevices(entry.on, mig, devices)) {
      for (let copy = 0; copy < entry.copies; copy++) {
        const n = (perWorkload.get(entry.workload) ?? 0) + 1;
        perWorkload.set(entry.workload, n);
        instances.push({ id: `${entry.workload}.${n}`, workload: entry.workload, device: device.key, column: instances.length + 1 });
      }
    }
  }
  const ids = instances.map((i) => i.id);
  return {
    scenario: {
      name: doc.name,
      ...(doc.title === undefined ? {} : { title: doc.title }),
      file: scenario.file,
      sha256: scenario.sha256,
    },
    gpu: { model: scenario.model.id, index: doc.gpu.index, ...(scenario.model.mig ? { memorySlots: scenario.model.mig.memorySlots } : {}) },
    mig,
    devices,
    instances,
    schedule: doc.schedule,
    steps: doc.schedule === "parallel" ? [ids] : ids.map((id) => [id]),
    repetitions: doc.repetitions,
    warmup: doc.warmup,
  };
}
