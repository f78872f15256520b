import { MODELS, type ModelRow, type PlacementRule } from "./models.js";

export { MODELS } from "./models.js";

/** A compute-instance profile inside a GPU instance (`nvidia-smi mig -lcip`). */
export interface CiProfile {
  readonly id: number;
  readonly name: string;
  readonly computeSlices: number;
  /** Allowed start positions in compute slices of the GPU instance. */
  readonly starts: readonly number[];
  readonly max: number;
  readonly sms: number;
  /** The CI `-C` creates and `-lcip` stars. */
  readonly isDefault: boolean;
}

/** A GPU-instance profile of one model (`nvidia-smi mig -lgip`, `-lgipp`). */
export interface GiProfile extends PlacementRule {
  readonly id: number;
  readonly name: string;
  readonly sms: number;
  readonly memoryGiB: number;
  readonly ciProfiles: readonly CiProfile[];
}

export interface MigGeometry {
  readonly memorySlots: number;
  readonly computeSlices: number;
  /** Ordered as `nvidia-smi mig -lgip` lists them. */
  readonly profiles: readonly GiProfile[];
}

export interface GpuModel {
  readonly id: string;
  readonly smiNames: readonly string[];
  readonly architecture: ModelRow["architecture"];
  readonly memoryMiB: number;
  readonly sms: number;
  readonly mig: MigGeometry | null;
  readonly estimated?: string;
}

/** Compute-instance profile IDs by slice count, as NVML numbers them. */
const CI_PROFILE_ID: Readonly<Record<number, number>> = { 1: 0, 2: 1, 3: 2, 4: 3, 7: 4, 8: 5, 6: 6 };
/** Which CI sizes a GI of N compute slices can be split into. */
const CI_SPLITS: Readonly<Record<number, readonly number[]>> = {
  1: [1],
  2: [1, 2],
  3: [1, 2, 3],
  4: [1, 2, 4],
  7: [1, 2, 3, 4, 7],
};

function ciProfilesFor(giName: string, computeSlices: number, sms: number): CiProfile[] {
  const baseName = giName.replace(/\+me$/, "");
  return (CI_SPLITS[computeSlices] ?? [computeSlices]).map((slices) => {
    const starts: number[] = [];
    for (let s = 0; s + slices <= computeSlices; s += slices === 3 ? 4 : slices) starts.push(s);
    return {
      id: CI_PROFILE_ID[slices] ?? slices,
      name: slices === computeSlices ? baseName : `${slices}c.${baseName}`,
      computeSlices: slices,
      starts,
      max: starts.length,
      sms: Math.floor((sms * slices) / computeSlices),
      isDefault: slices === computeSlices,
    };
  });
}

function buildModel(row: ModelRow): GpuModel {
  if (!row.mig) return { ...row, mig: null };
  const { family, profiles } = row.mig;
  const giProfiles: GiProfile[] = Object.entries(family.rules)
    .map(([idText, placement]) => {
      const id = Number(idText);
      const facts = profiles[id];
      if (!facts) throw new Error(`catalog: ${row.id} has no facts for profile ${id}`);
      const [name, sms, memoryGiB] = facts;
      return { id, name, sms, memoryGiB, ...placement, ciProfiles: ciProfilesFor(name, placement.computeSlices, sms) };
    })
    // -lgip order: smallest memory first, then the `+me` twin, then by compute.
    .sort((a, b) => a.memorySlots - b.memorySlots || a.computeSlices - b.computeSlices || Number(a.media) - Number(b.media) || b.id - a.id);
  return { ...row, mig: { memorySlots: family.memorySlots, computeSlices: family.computeSlices, profiles: giProfiles } };
}

export const CATALOG: readonly GpuModel[] = MODELS.map(buildModel);

const normalize = (name: string): string => name.toUpperCase().replace(/^NVIDIA\s+/, "").replace(/[^A-Z0-9]/g, "");

/** Finds a model by its catalog id or by any name nvidia-smi prints for it. */
export function findModel(name: string): GpuModel | undefined {
  const key = normalize(name);
  return CATALOG.find((m) => normalize(m.id) === key || m.smiNames.some((n) => normalize(n) === key));
}

/** The catalog id of the GPU that nvidia-smi calls `name`, else that name itself. */
export function modelIdOf(name: string): string {
  return findModel(name)?.id ?? name;
}

/** Finds a GI profile by name (`1g.5gb`, `MIG 1g.5gb`) or numeric id. */
export function findGiProfile(model: GpuModel, nameOrId: string | number): GiProfile | undefined {
  const profiles = model.mig?.profiles ?? [];
  if (typeof nameOrId === "number" || /^\d+$/.test(nameOrId)) return profiles.find((p) => p.id === Number(nameOrId));
  const name = nameOrId.replace(/^MIG\s+/i, "").toLowerCase();
  return profiles.find((p) => p.name.toLowerCase() === name);
}

/** Finds a CI profile of a GI profile by name (`1c.4g.20gb`, `4g.20gb`) or numeric id. */
export function findCiProfile(gi: GiProfile, nameOrId: string | number): CiProfile | undefined {
  if (typeof nameOrId === "number" || /^\d+$/.test(nameOrId)) return gi.ciProfiles.find((p) => p.id === Number(nameOrId));
  const name = nameOrId.replace(/^MIG\s+/i, "").toLowerCase();
  return gi.ciProfiles.find((p) => p.name.toLowerCase() === name);
}

export function requireModel(name: string): GpuModel {
  const model = findModel(name);
  if (!model) throw new Error(`unknown GPU model "${name}"; known: ${CATALOG.map((m) => m.id).join(", ")}`);
  return model;
}
