/**
 * Between migbench layouts and mig-parted's `mig-devices`. mig-parted names MIG devices, not GPU
 * instances: `"1g.5gb": 7` is seven GPU instances each with its default compute instance, and
 * `"1c.4g.20gb": 4` is four compute instances that mig-parted packs into 4g.20gb GPU instances (it
 * sorts devices by GPU-instance size, then compute size, and reuses the last GPU instance while the next
 * compute instance fits). Reading a config repeats that packing; writing one checks that the packing
 * gives the layout back, and says so when it cannot.
 */
import { findCiProfile, findGiProfile, type CiProfile, type GiProfile, type GpuModel } from "../catalog/index.js";
import { placeComputeInstances } from "../placement/index.js";
import type { LayoutEntry } from "../partition/wanted.js";
import type { MigPartedConfig, MigPartedEntry } from "./schema.js";

/** A mig-parted device name resolved against a model: the GPU instance and the compute instance it names. */
interface Device {
  readonly gi: GiProfile;
  readonly ci: CiProfile;
}

function resolveDevice(model: GpuModel, name: string): Device | string {
  const gi = findGiProfile(model, name);
  const ciDefault = gi?.ciProfiles.find((p) => p.isDefault);
  if (gi && ciDefault) return { gi, ci: ciDefault };
  const split = /^(\d+)c\.(.+)$/.exec(name);
  const parent = split ? findGiProfile(model, split[2] ?? "") : undefined;
  const ci = parent ? findCiProfile(parent, name) : undefined;
  if (parent && ci) return { gi: parent, ci };
  // Names drift between boards and drivers (1g.10gb vs 1g.12gb): point at the same-sized profiles.
  const slices = /(\d+)g\./.exec(name)?.[1];
  const near = (model.mig?.profiles ?? []).filter((p) => String(p.computeSlices) === slices).map((p) => p.name);
  const hint = near.length > 0 ? `; its ${slices}g profiles: ${near.join(", ")}` : `; its profiles: ${(model.mig?.profiles ?? []).map((p) => p.name).join(", ")}`;
  return `"${name}" is not a MIG profile of the ${model.id}${hint}`;
}

/** mig-parted's packing of `mig-devices` into GPU instances, as layout entries; or the problems. */
export function entriesFromMigDevices(model: GpuModel, migDevices: Readonly<Record<string, number>>): { entries: LayoutEntry[] } | { problems: string[] } {
  const problems: string[] = [];
  const devices: Device[] = [];
  for (const [name, count] of Object.entries(migDevices)) {
    const device = resolveDevice(model, name);
    if (typeof device === "string") problems.push(device);
    else for (let k = 0; k < count; k++) devices.push(device);
  }
  if (problems.length > 0) return { problems };
  devices.sort((a, b) => b.gi.computeSlices - a.gi.computeSlices || b.ci.computeSlices - a.ci.computeSlices || Number(a.gi.media) - Number(b.gi.media));
  const groups: { gi: GiProfile; cis: CiProfile[] }[] = [];
  for (const device of devices) {
    const last = groups.at(-1);
    if (last && last.gi.id === device.gi.id && placeComputeInstances(last.gi.computeSlices, [...last.cis, device.ci]) !== null) last.cis.push(device.ci);
    else groups.push({ gi: device.gi, cis: [device.ci] });
  }
  const entries: LayoutEntry[] = [];
  for (const group of groups) {
    const isDefault = group.cis.length === 1 && group.cis[0]?.isDefault === true;
    const previous = entries.at(-1);
    if (isDefault && previous && previous.profile === group.gi.name && !previous.computeInstances) {
      entries[entries.length - 1] = { ...previous, count: previous.count + 1 };
      continue;
    }
    const cis = isDefault ? undefined : countBy(group.cis.map((c) => c.name)).map(([profile, count]) => ({ profile, count }));
    entries.push({ profile: group.gi.name, count: 1, ...(cis ? { computeInstances: cis } : {}) });
  }
  return { entries };
}

function countBy(names: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts];
}

/** The entry of config `name` that applies to GPU `gpuIndex` of `model`; a string says why there is none. */
export function selectMigPartedEntry(config: MigPartedConfig, name: string, gpuIndex: number, model: GpuModel): MigPartedEntry | string {
  const entries = config["mig-configs"][name];
  if (!entries) return `no config "${name}"; the file has: ${Object.keys(config["mig-configs"]).join(", ")}`;
  const forGpu = entries.filter((e) => e.devices === "all" || e.devices.includes(gpuIndex));
  if (forGpu.length === 0) return `config "${name}" has no entry for GPU ${gpuIndex} (devices: ${entries.map((e) => JSON.stringify(e.devices)).join(", ")})`;
  // Entries for other boards (device-filter) name other boards' profiles: keep the one this model knows.
  const fitting = forGpu.filter((e) => Object.keys(e["mig-devices"] ?? {}).every((n) => typeof resolveDevice(model, n) !== "string"));
  return fitting[0] ?? forGpu[0] ?? `config "${name}" has no entry for GPU ${gpuIndex}`;
}

/** The mig-parted layout entries for one GPU; problems as strings. */
export function layoutFromMigParted(config: MigPartedConfig, name: string, gpuIndex: number, model: GpuModel): { mig: boolean; entries: LayoutEntry[] } | { problems: string[] } {
  const entry = selectMigPartedEntry(config, name, gpuIndex, model);
  if (typeof entry === "string") return { problems: [entry] };
  if (!entry["mig-enabled"]) return { mig: false, entries: [] };
  const result = entriesFromMigDevices(model, entry["mig-devices"] ?? {});
  if ("problems" in result) return result;
  if (result.entries.length === 0) return { problems: [`config "${name}" enables MIG on GPU ${gpuIndex} but lists no MIG devices; migbench needs at least one`] };
  return { mig: true, entries: result.entries };
}

/** A GPU instance to export: its profile name and its compute instances. */
export interface ExportedGpuInstance {
  readonly profileName: string;
  readonly computeInstances: readonly { readonly profileName: string; readonly isDefault: boolean }[];
}

/** `mig-devices` for a layout: default compute instances by their GPU-instance profile, others by their own. */
export function migDevicesOf(gis: readonly ExportedGpuInstance[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const gi of gis) {
    const onlyDefault = gi.computeInstances.length === 1 && gi.computeInstances[0]?.isDefault === true;
    const names = onlyDefault ? [gi.profileName] : gi.computeInstances.map((ci) => ci.profileName);
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
  }
  return counts;
}

const shape = (profile: string, cis: readonly string[]): string => `${profile}[${[...cis].sort().join(",")}]`;

/** Whether mig-parted would build `gis` back from their `mig-devices` (it packs compute instances its own way). */
export function roundTrips(model: GpuModel, gis: readonly ExportedGpuInstance[]): { ok: true } | { ok: false; built: string } {
  const back = entriesFromMigDevices(model, migDevicesOf(gis));
  if ("problems" in back) return { ok: false, built: back.problems.join("; ") };
  const want = gis.map((gi) => shape(gi.profileName, gi.computeInstances.map((c) => c.profileName))).sort();
  const built = back.entries
    .flatMap((e) => {
      const profile = findGiProfile(model, e.profile);
      const cis = e.computeInstances ? e.computeInstances.flatMap((c) => Array<string>(c.count).fill(c.profile)) : [profile?.ciProfiles.find((p) => p.isDefault)?.name ?? e.profile];
      return Array.from({ length: e.count }, () => shape(e.profile, cis));
    })
    .sort();
  return want.join(" ") === built.join(" ") ? { ok: true } : { ok: false, built: built.join(" + ") };
}

/** The file text: `version: v1`, one config for the given GPUs. Keys are quoted as NVIDIA's examples do. */
export function renderMigParted(configName: string, devices: readonly number[] | "all", migDevices: Readonly<Record<string, number>> | null): string {
  const lines = ["version: v1", "mig-configs:", `  ${configName}:`, `    - devices: ${devices === "all" ? "all" : `[${devices.join(", ")}]`}`];
  if (migDevices === null) {
    lines.push("      mig-enabled: false");
  } else {
    lines.push("      mig-enabled: true");
    // Larger GPU instances first, then larger compute instances: the order of NVIDIA's examples.
    const size = (name: string): [number, number] => {
      const m = /^(?:(\d+)c\.)?(\d+)g\./.exec(name);
      const g = Number(m?.[2] ?? 0);
      return [g, Number(m?.[1] ?? g)];
    };
    const entries = Object.entries(migDevices).sort(([a], [b]) => size(b)[0] - size(a)[0] || size(b)[1] - size(a)[1] || a.localeCompare(b));
    lines.push(entries.length === 0 ? "      mig-devices: {}" : "      mig-devices:", ...entries.map(([name, count]) => `        "${name}": ${count}`));
  }
  return lines.join("\n") + "\n";
}
