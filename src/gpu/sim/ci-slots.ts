/**
 * Compute slices inside one GPU instance: where a compute instance fits, how many more fit (`-lcip`
 * Free), and where the driver puts one when `-cci` names no placement. The default placement mirrors the
 * GPU-instance one: the start that closes the fewest other placements, the lowest on a tie (a first 1c
 * in a 3g lands at slice 2, as in the `-lci` capture).
 */
import type { CiProfile, GiProfile } from "../catalog/index.js";
import { findCiProfile } from "../catalog/index.js";
import type { SimComputeInstance } from "./state.js";

interface PlacedCi {
  readonly profileId: number;
  readonly start: number;
}

function slicesOf(gi: GiProfile, profileId: number): number {
  return findCiProfile(gi, profileId)?.computeSlices ?? 0;
}

export function ciFits(gi: GiProfile, placed: readonly PlacedCi[], ci: CiProfile, start: number): boolean {
  if (!ci.starts.includes(start) || start + ci.computeSlices > gi.computeSlices) return false;
  if (placed.filter((p) => p.profileId === ci.id).length >= ci.max) return false;
  return placed.every((p) => start + ci.computeSlices <= p.start || p.start + slicesOf(gi, p.profileId) <= start);
}

export function ciFreeCount(gi: GiProfile, existing: readonly PlacedCi[], ci: CiProfile): number {
  const placed = [...existing];
  for (const start of ci.starts) if (ciFits(gi, placed, ci, start)) placed.push({ profileId: ci.id, start });
  return placed.length - existing.length;
}

export function ciDefaultStart(gi: GiProfile, existing: readonly SimComputeInstance[], ci: CiProfile): number | null {
  const open = gi.ciProfiles.flatMap((p) => p.starts.filter((s) => ciFits(gi, existing, p, s)).map((start) => ({ profile: p, start })));
  let best: number | null = null;
  let bestLost = Infinity;
  for (const start of ci.starts.filter((s) => ciFits(gi, existing, ci, s))) {
    const after = [...existing, { profileId: ci.id, start }];
    const lost = open.filter((o) => !ciFits(gi, after, o.profile, o.start)).length;
    if (lost < bestLost) {
      best = start;
      bestLost = lost;
    }
  }
  return best;
}
