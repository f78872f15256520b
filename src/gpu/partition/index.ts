/**
 * The partition lifecycle, first cut: preflight, snapshot, apply (idempotent), verify, resolve MIG UUIDs,
 * teardown and restore. It only ever destroys what it created and puts the MIG mode back as it found it.
 */
import { EnvironmentError } from "../../errors.js";
import type { Plan, PlannedGpuInstance } from "../../plan/types.js";
import { findModel } from "../catalog/index.js";
import { NvidiaSmiError, parseCreateOutput, type NvidiaSmi } from "../nvidia-smi/index.js";

export interface InstanceSnapshot {
  readonly giId: number;
  readonly profileId: number;
  readonly start: number;
  readonly size: number;
  readonly computeInstances: readonly { readonly ciId: number; readonly profileId: number }[];
}

/** The GPU as found before the run. */
export interface GpuSnapshot {
  readonly index: number;
  readonly name: string;
  readonly uuid: string;
  readonly migEnabled: boolean;
  readonly gpuInstances: readonly InstanceSnapshot[];
}

/** A device the run can pin work to, as the driver knows it. */
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

/** What apply changed, so that teardown undoes exactly that. */
export interface AppliedLayout {
  readonly snapshot: GpuSnapshot;
  readonly devices: readonly ResolvedDevice[];
  readonly enabledMig: boolean;
  readonly disabledMig: boolean;
  readonly createdGiIds: readonly number[];
}

export async function snapshot(smi: NvidiaSmi, index: number): Promise<GpuSnapshot> {
  const gpus = await smi.listGpus();
  const gpu = gpus.find((g) => g.index === index);
  if (!gpu) throw new EnvironmentError(`GPU ${index} not found; nvidia-smi lists ${gpus.length} GPU(s)`);
  const mode = await smi.migMode(index);
  const migEnabled = mode.current === "Enabled";
  if (!migEnabled) return { index, name: gpu.name, uuid: gpu.uuid, migEnabled, gpuInstances: [] };
  const [gis, cis] = await Promise.all([smi.gpuInstances(index), smi.computeInstances(index)]);
  return {
    index,
    name: gpu.name,
    uuid: gpu.uuid,
    migEnabled,
    gpuInstances: gis.map((gi) => ({
      giId: gi.instanceId,
      profileId: gi.profileId,
      start: gi.placement.start,
      size: gi.placement.size,
      computeInstances: cis.filter((ci) => ci.gpuInstanceId === gi.instanceId).map((ci) => ({ ciId: ci.instanceId, profileId: ci.profileId })),
    })),
  };
}

/** Checks the GPU is the one the plan names; a mismatch stops the run before anything changes. */
export function preflight(plan: Plan, found: GpuSnapshot, options: { anyGpu?: boolean } = {}): void {
  const model = findModel(found.name);
  if (!options.anyGpu && model?.id !== plan.gpu.model) {
    throw new EnvironmentError(
      `GPU ${found.index} is a ${found.name}, but the scenario is for ${plan.gpu.model}; pass --any-gpu to run it anyway`,
    );
  }
  if (plan.mig && !model?.mig) throw new EnvironmentError(`GPU ${found.index} (${found.name}) does not support MIG`);
}

const sameLayout = (plan: readonly PlannedGpuInstance[], found: readonly InstanceSnapshot[]): boolean => {
  const key = (profileId: number, start: number, cis: readonly number[]): string => `${profileId}@${start}:${[...cis].sort().join(",")}`;
  const want = plan.map((gi) => key(gi.profileId, gi.start, gi.computeInstances.map((ci) => ci.profileId))).sort();
  const have = found.map((gi) => key(gi.profileId, gi.start, gi.computeInstances.map((ci) => ci.profileId))).sort();
  return want.length === have.length && want.every((k, i) => k === have[i]);
};

async function setMig(smi: NvidiaSmi, index: number, enabled: boolean): Promise<void> {
  const result = await smi.setMigMode(index, enabled);
  if (result.pending) {
    throw new EnvironmentError(
      `MIG mode change on GPU ${index} is pending and needs a GPU reset or a reboot; migbench never resets a GPU on its own.\n${result.message}`,
    );
  }
}

/** Applies the plan's layout and resolves every planned device to a UUID. */
export async function apply(smi: NvidiaSmi, plan: Plan, found: GpuSnapshot): Promise<AppliedLayout> {
  const index = plan.gpu.index;
  if (!plan.mig) {
    if (found.gpuInstances.length > 0) {
      throw new EnvironmentError(`GPU ${index} has MIG instances; a full-GPU scenario needs MIG off and migbench destroys only what it created`);
    }
    const disabledMig = found.migEnabled;
    if (disabledMig) await setMig(smi, index, false);
    const device = plan.devices[0];
    return {
      snapshot: found,
      devices: [{ key: device?.key ?? "gpu", kind: "gpu", uuid: found.uuid, label: device?.label ?? found.name }],
      enabledMig: false,
      disabledMig,
      createdGiIds: [],
    };
  }

  const enabledMig = !found.migEnabled;
  if (enabledMig) await setMig(smi, index, true);
  const reuse = found.gpuInstances.length > 0 && sameLayout(plan.mig.gpuInstances, found.gpuInstances);
  if (found.gpuInstances.length > 0 && !reuse) {
    throw new EnvironmentError(
      `GPU ${index} already has MIG instances that differ from the plan (${found.gpuInstances.map((gi) => `GI ${gi.giId} at ${gi.start}:${gi.size}`).join(", ")}); ` +
        "migbench destroys only what it created: remove them first",
    );
  }
  const createdGiIds: number[] = [];
  try {
    if (!reuse) await createLayout(smi, plan, createdGiIds);
    const devices = await verifyAndResolve(smi, plan);
    return { snapshot: found, devices, enabledMig, disabledMig: false, createdGiIds };
  } catch (error) {
    await undo(smi, index, createdGiIds, enabledMig, false);
    throw error;
  }
}

/**
 * Creates the GPU instances in one `-cgi` call in the planned order (what a user would type, and what
 * the driver's default placement was modelled on), then any non-default compute instances.
 */
async function createLayout(smi: NvidiaSmi, plan: Plan, createdGiIds: number[]): Promise<void> {
  const mig = plan.mig;
  if (!mig) return;
  const index = plan.gpu.index;
  const ordered = mig.creationOrder.map((i) => mig.gpuInstances[i]).filter((gi): gi is PlannedGpuInstance => gi !== undefined);
  const hasDefaultCi = (gi: PlannedGpuInstance): boolean => gi.computeInstances.length === 1 && gi.computeInstances[0]?.isDefault === true;
  const allDefault = ordered.every(hasDefaultCi);
  let created;
  try {
    created = await smi.createGpuInstances(index, ordered.map((gi) => gi.profileId), allDefault);
  } catch (error) {
    if (error instanceof NvidiaSmiError) createdGiIds.push(...parseCreateOutput(error.stdout).gpuInstances.map((gi) => gi.instanceId));
    throw new EnvironmentError(`creating the GPU instances failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  createdGiIds.push(...created.gpuInstances.map((gi) => gi.instanceId));
  if (created.gpuInstances.length !== ordered.length) {
    throw new EnvironmentError(`nvidia-smi created ${created.gpuInstances.length} of ${ordered.length} GPU instances`);
  }
  if (allDefault) return;
  for (const [k, gi] of ordered.entries()) {
    const giId = created.gpuInstances[k]?.instanceId;
    if (giId === undefined) continue;
    await smi.createComputeInstances(index, giId, hasDefaultCi(gi) ? undefined : gi.computeInstances.map((ci) => ci.profileId));
  }
}

/** Reads the layout back, checks every instance's profile and placement, and maps devices to UUIDs. */
async function verifyAndResolve(smi: NvidiaSmi, plan: Plan): Promise<ResolvedDevice[]> {
  const mig = plan.mig;
  if (!mig) return [];
  const index = plan.gpu.index;
  const [gis, cis, migDevices] = await Promise.all([smi.gpuInstances(index), smi.computeInstances(index), smi.migDevices(index)]);
  const devices: ResolvedDevice[] = [];
  for (const planned of mig.gpuInstances) {
    const gi = gis.find((g) => g.profileId === planned.profileId && g.placement.start === planned.start);
    if (!gi) {
      const actual = gis.map((g) => `${g.name}@${g.placement.start}`).join(", ");
      throw new EnvironmentError(`${planned.key} (${planned.profileName}) is not at slot ${planned.start} after creation; the GPU has ${actual}`);
    }
    const giCis = cis.filter((c) => c.gpuInstanceId === gi.instanceId);
    const unused = [...giCis];
    for (const ci of planned.computeInstances) {
      const k = unused.findIndex((c) => c.profileId === ci.profileId);
      const found = unused.splice(k, 1)[0];
      if (k < 0 || !found) throw new EnvironmentError(`${ci.key} (${ci.profileName}) was not created in GPU instance ${gi.instanceId}`);
      const device = migDevices.find((d) => d.giId === gi.instanceId && d.ciId === found.instanceId);
      if (!device) throw new EnvironmentError(`no MIG device UUID found for GPU instance ${gi.instanceId}, compute instance ${found.instanceId}`);
      const plannedDevice = plan.devices.find((d) => d.key === ci.key);
      devices.push({
        key: ci.key,
        kind: "mig",
        uuid: device.uuid,
        label: plannedDevice?.label ?? ci.profileName,
        giId: gi.instanceId,
        ciId: found.instanceId,
        profile: ci.profileName,
        start: planned.start,
        size: planned.size,
      });
    }
  }
  return devices;
}

async function undo(smi: NvidiaSmi, index: number, createdGiIds: readonly number[], enabledMig: boolean, disabledMig: boolean): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  for (const giId of [...createdGiIds].reverse()) {
    await attempt(`destroy compute instances of GI ${giId}`, () => smi.destroyComputeInstances(index, giId));
    await attempt(`destroy GI ${giId}`, () => smi.destroyGpuInstances(index, giId));
  }
  if (enabledMig) await attempt("disable MIG", () => smi.setMigMode(index, false));
  if (disabledMig) await attempt("re-enable MIG", () => smi.setMigMode(index, true));
  return problems;
}

/** Destroys what apply created and restores the MIG mode; returns problems instead of throwing. */
export async function teardown(smi: NvidiaSmi, applied: AppliedLayout): Promise<string[]> {
  const problems = await undo(smi, applied.snapshot.index, applied.createdGiIds, applied.enabledMig, applied.disabledMig);
  const after = await snapshot(smi, applied.snapshot.index).catch((error: unknown) => {
    problems.push(`read back the GPU: ${String(error)}`);
    return null;
  });
  if (after && !sameSnapshot(after, applied.snapshot)) {
    problems.push(`GPU ${applied.snapshot.index} differs from how it was found after teardown`);
  }
  return problems;
}

export function sameSnapshot(a: GpuSnapshot, b: GpuSnapshot): boolean {
  const norm = (s: GpuSnapshot): string =>
    JSON.stringify({ mig: s.migEnabled, gis: [...s.gpuInstances].map((g) => `${g.profileId}@${g.start}/${g.computeInstances.length}`).sort() });
  return norm(a) === norm(b);
}
