/**
 * The LAYOUT shorthand of `bench partition apply`: GPU instances joined by `+`, each `[Nx]PROFILE[@START]`,
 * e.g. `7x1g.5gb`, `3g.20gb+4x1g.5gb`, `3g.20gb@0+2x2g.10gb`, or profile ids `9+4x19`. Compute-instance
 * profiles (`4x1c.4g.20gb`) are packed into their GPU instances the way mig-parted packs them.
 */
import { InputError } from "../../errors.js";
import { findGiProfile, type GpuModel } from "../catalog/index.js";
import { entriesFromMigDevices } from "../mig-parted/convert.js";
import type { LayoutEntry } from "./wanted.js";

const ITEM = /^(?:(\d+)\s*x\s*)?([A-Za-z0-9.+]+?)(?:@(\d+))?$/;

/** Whether `text` reads as a LAYOUT (rather than a file name). */
export const looksLikeLayout = (text: string): boolean => text.split("+").every((part) => part === "me" || ITEM.test(part.trim()));

export function parseLayoutShorthand(model: GpuModel, text: string): LayoutEntry[] {
  // `+me` belongs to a profile name (1g.5gb+me), not between two items.
  const parts = text.split("+").reduce<string[]>((acc, part) => {
    if (part.trim() === "me" && acc.length > 0) acc[acc.length - 1] += "+me";
    else acc.push(part.trim());
    return acc;
  }, []);
  const entries: LayoutEntry[] = [];
  const computeOnly: Record<string, number> = {};
  for (const part of parts) {
    const match = ITEM.exec(part);
    if (!match || !match[2]) throw new InputError(`"${part}" in "${text}" is not [COUNTx]PROFILE[@START] (e.g. 4x1g.5gb, 3g.20gb@4)`);
    const count = Number(match[1] ?? 1);
    if (count < 1) throw new InputError(`"${part}": the count must be at least 1`);
    const profile = match[2];
    const start = match[3] === undefined ? undefined : Number(match[3]);
    if (findGiProfile(model, profile)) {
      entries.push({ profile, count, ...(start === undefined ? {} : { start }) });
    } else if (/^\d+c\./.test(profile)) {
      if (start !== undefined) throw new InputError(`"${part}": a compute-instance profile has no memory slot; pin its GPU instance instead`);
      computeOnly[profile] = (computeOnly[profile] ?? 0) + count;
    } else {
      const names = model.mig?.profiles.map((p) => p.name).join(", ") ?? "none";
      throw new InputError(`${model.id} has no MIG profile "${profile}"; its GPU instance profiles: ${names}`);
    }
  }
  if (Object.keys(computeOnly).length > 0) {
    const packed = entriesFromMigDevices(model, computeOnly);
    if ("problems" in packed) throw new InputError(packed.problems.join("; "));
    entries.push(...packed.entries);
  }
  return entries;
}
