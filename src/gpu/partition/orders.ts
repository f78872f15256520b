/**
 * Creation orders worth trying, chosen with the slot model instead of by brute force (mig-parted walks
 * every permutation until one works). For each known driver placement model, the current driver's
 * first, a depth-first search over distinct orders keeps those whose modelled default placements land
 * every instance where the plan wants it (exact), then those that at least create every instance and
 * honour pinned starts (complete). Most likely first, a handful at most: each failed try costs a
 * create, a read-back and an undo on a real GPU.
 */
import type { GpuModel } from "../catalog/index.js";
import { PLACEMENT_MODELS, defaultStart, placementModelFor, profileById, type DriverOptions, type PlacedInstance } from "../placement/index.js";
import type { WantedGpuInstance } from "./types.js";

export interface CreationCandidate {
  /** Indices into the wanted GPU instances, in the order to create them. */
  readonly order: readonly number[];
  /** The placement model under which this order was chosen. */
  readonly placementModel: string;
  /** The modelled start of each wanted GPU instance (index-aligned with the wanted list). */
  readonly expectedStarts: readonly number[];
  /** The model lands every instance at its planned start. */
  readonly exact: boolean;
}

export const DEFAULT_CANDIDATE_LIMIT = 4;
/** Search nodes per (model, strictness); layouts have at most 7 GPU instances, so this is generous. */
const NODE_BUDGET = 20_000;

/** Where `order` puts each instance under `driver`'s default placement; null when one does not fit. */
export function modelledStarts(model: GpuModel, gis: readonly WantedGpuInstance[], order: readonly number[], driver: DriverOptions): number[] | null {
  const starts = new Array<number>(gis.length).fill(-1);
  const placed: PlacedInstance[] = [];
  for (const index of order) {
    const gi = gis[index];
    if (!gi) return null;
    const start = defaultStart(model, placed, profileById(model, gi.profileId), driver);
    if (start === null) return null;
    starts[index] = start;
    placed.push({ profileId: gi.profileId, start });
  }
  return starts;
}

function search(model: GpuModel, gis: readonly WantedGpuInstance[], driver: DriverOptions, exact: boolean, limit: number): { order: number[]; starts: number[] }[] {
  // Larger instances first, pinned before free: the order people (and the planner) try first.
  const preferred = gis
    .map((gi, index) => ({ index, slots: gi.size, pinned: gi.pinned }))
    .sort((a, b) => b.slots - a.slots || Number(b.pinned) - Number(a.pinned) || a.index - b.index)
    .map((e) => e.index);
  const found: { order: number[]; starts: number[] }[] = [];
  const starts = new Array<number>(gis.length).fill(-1);
  const order: number[] = [];
  const placed: PlacedInstance[] = [];
  let nodes = 0;

  /** Which wanted instance of this profile a start at `start` would be. */
  const assignee = (profileId: number, start: number): number | undefined => {
    const open = preferred.filter((i) => starts[i] === -1 && gis[i]?.profileId === profileId);
    const atPlan = open.find((i) => gis[i]?.start === start);
    if (exact) return atPlan;
    return open.find((i) => gis[i]?.pinned && gis[i]?.start === start) ?? open.find((i) => !gis[i]?.pinned);
  };

  const visit = (): boolean => {
    if (++nodes > NODE_BUDGET) return true;
    if (order.length === gis.length) {
      found.push({ order: [...order], starts: [...starts] });
      return found.length >= limit;
    }
    const triedProfiles = new Set<number>();
    for (const index of preferred) {
      const gi = gis[index];
      if (!gi || starts[index] !== -1 || triedProfiles.has(gi.profileId)) continue;
      triedProfiles.add(gi.profileId);
      const start = defaultStart(model, placed, profileById(model, gi.profileId), driver);
      if (start === null) continue;
      const who = assignee(gi.profileId, start);
      if (who === undefined) continue;
      starts[who] = start;
      order.push(who);
      placed.push({ profileId: gi.profileId, start });
      const stop = visit();
      starts[who] = -1;
      order.pop();
      placed.pop();
      if (stop) return true;
    }
    return false;
  };
  visit();
  return found;
}

/**
 * Orders to try for `gis` on a driver, most likely first: the plan's own order when the driver's model
 * agrees with it, then exact orders under each placement model (the driver's first), then complete ones.
 * Never empty: when no model reaches the layout, the plan's order is still worth one try.
 */
export function creationCandidates(
  model: GpuModel,
  gis: readonly WantedGpuInstance[],
  planOrder: readonly number[],
  driver: DriverOptions,
  limit = DEFAULT_CANDIDATE_LIMIT,
): CreationCandidate[] {
  const own = placementModelFor(driver);
  const models = [own, ...PLACEMENT_MODELS.filter((m) => m.name !== own.name)];
  const out: CreationCandidate[] = [];
  const seen = new Set<string>();
  const add = (order: readonly number[], placementModel: string, expectedStarts: readonly number[]): void => {
    const key = order.map((i) => gis[i]?.profileId).join(",");
    if (seen.has(key) || out.length >= limit) return;
    seen.add(key);
    const exact = expectedStarts.every((s, i) => s === gis[i]?.start);
    out.push({ order: [...order], placementModel, expectedStarts: [...expectedStarts], exact });
  };

  const planStarts = modelledStarts(model, gis, planOrder, driver);
  const planReaches = planStarts?.every((s, i) => s === gis[i]?.start || !gis[i]?.pinned) ?? false;
  if (planStarts && planReaches) add(planOrder, own.name, planStarts);
  for (const exact of [true, false]) {
    for (const m of models) {
      const asModel = { ...driver, placementModel: m.name };
      for (const c of search(model, gis, asModel, exact, limit)) add(c.order, m.name, c.starts);
    }
  }
  if (out.length === 0) add(planOrder, own.name, gis.map((gi) => gi.start));
  return out;
}
