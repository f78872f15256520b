/**
 * The MIG slot model: which GPU instances fit where, what the driver chooses when given no placement,
 * what `nvidia-smi mig -lgip` reports as free, and which creation order reaches a planned layout.
 * Pure functions over the catalog; the simulator and the planner share them.
 */
import type { GiProfile, GpuModel, MigGeometry } from "../catalog/index.js";

export interface PlacedInstance {
  readonly profileId: number;
  readonly start: number;
}

export interface DriverOptions {
  /** Driver major version (e.g. 535); it changes the default placement and the 3g+4g rule. */
  readonly driverMajor: number;
  /** Model the default placement with this model (a `PLACEMENT_MODELS` name) instead of the driver's own. */
  readonly placementModel?: string;
}

export const DEFAULT_DRIVER: DriverOptions = { driverMajor: 535 };

/**
 * How a driver picks a start when `-cgi` gets none. Observed: every driver avoids fragmentation
 * (7 x 1g land on 6, 4, 5, 0, 1, 2, 3; a first 2g at 4), and from R560 a 4-slot profile takes the lowest
 * free start (a first 3g lands at 0 instead of 4).
 */
export interface PlacementModel {
  readonly name: string;
  readonly fromDriver: number;
  readonly lowestStartForSlots: readonly number[];
}
/** Every known driver generation's default placement, newest first. */
export const PLACEMENT_MODELS: readonly PlacementModel[] = [
  { name: "R560+ (4-slot profiles at the lowest free start)", fromDriver: 560, lowestStartForSlots: [4] },
  { name: "before R560 (fewest placements blocked)", fromDriver: 0, lowestStartForSlots: [] },
];

/** The placement model a driver uses, or the one `driver.placementModel` names. */
export function placementModelFor(driver: DriverOptions): PlacementModel {
  const named = driver.placementModel === undefined ? undefined : PLACEMENT_MODELS.find((m) => m.name === driver.placementModel);
  return named ?? PLACEMENT_MODELS.find((m) => driver.driverMajor >= m.fromDriver) ?? (PLACEMENT_MODELS.at(-1) as PlacementModel);
}

/** A 3g and a 4g GPU instance may coexist only from this driver on. */
const THREE_G_WITH_FOUR_G_FROM_DRIVER = 510;

function geometryOf(model: GpuModel): MigGeometry {
  if (!model.mig) throw new Error(`${model.id} does not support MIG`);
  return model.mig;
}

export function profileById(model: GpuModel, profileId: number): GiProfile {
  const profile = geometryOf(model).profiles.find((p) => p.id === profileId);
  if (!profile) throw new Error(`${model.id} has no GPU instance profile ${profileId}`);
  return profile;
}

/** Memory slots taken by the given instances. */
export function occupiedSlots(model: GpuModel, instances: readonly PlacedInstance[]): boolean[] {
  const used = new Array<boolean>(geometryOf(model).memorySlots).fill(false);
  for (const inst of instances) {
    const { memorySlots } = profileById(model, inst.profileId);
    for (let s = inst.start; s < inst.start + memorySlots; s++) used[s] = true;
  }
  return used;
}

/** Why a GI of `profile` cannot be created at `start` next to `instances`, or null when it can. */
export function whyNotCreatable(
  model: GpuModel,
  instances: readonly PlacedInstance[],
  profile: GiProfile,
  start: number,
  driver: DriverOptions = DEFAULT_DRIVER,
): string | null {
  if (!profile.starts.includes(start)) {
    return `${profile.name} cannot start at slot ${start}; allowed starts: ${profile.starts.join(", ")}`;
  }
  const used = occupiedSlots(model, instances);
  const taken: number[] = [];
  for (let s = start; s < start + profile.memorySlots; s++) if (used[s]) taken.push(s);
  if (taken.length > 0) return `memory slot${taken.length > 1 ? "s" : ""} ${taken.join(", ")} already taken`;
  const sameProfile = instances.filter((i) => i.profileId === profile.id).length;
  if (sameProfile >= profile.max) return `at most ${profile.max} x ${profile.name} per GPU`;
  if (profile.media && instances.some((i) => profileById(model, i.profileId).media)) {
    return `at most one media-extension (+me) instance per GPU`;
  }
  const geometry = geometryOf(model);
  const computeUsed = instances.reduce((sum, i) => sum + profileById(model, i.profileId).computeSlices, 0);
  if (computeUsed + profile.computeSlices > geometry.computeSlices) {
    return `needs ${profile.computeSlices} compute slices; ${geometry.computeSlices - computeUsed} left`;
  }
  if (driver.driverMajor < THREE_G_WITH_FOUR_G_FROM_DRIVER) {
    const slices = new Set([profile.computeSlices, ...instances.map((i) => profileById(model, i.profileId).computeSlices)]);
    if (slices.has(3) && slices.has(4)) return `a 3g and a 4g instance together need driver R${THREE_G_WITH_FOUR_G_FROM_DRIVER} or newer`;
  }
  return null;
}

export const canCreate = (
  model: GpuModel,
  instances: readonly PlacedInstance[],
  profile: GiProfile,
  start: number,
  driver: DriverOptions = DEFAULT_DRIVER,
): boolean => whyNotCreatable(model, instances, profile, start, driver) === null;

/**
 * How many more instances of `profile` fit now: a greedy left-to-right scan of the free allowed starts,
 * capped by the profile's maximum, which reproduces the `Free` column of real `-lgip` captures.
 */
export function freeCount(
  model: GpuModel,
  instances: readonly PlacedInstance[],
  profile: GiProfile,
  driver: DriverOptions = DEFAULT_DRIVER,
): number {
  const placed = [...instances];
  let free = 0;
  for (const start of profile.starts) {
    if (canCreate(model, placed, profile, start, driver)) {
      placed.push({ profileId: profile.id, start });
      free++;
    }
  }
  return free;
}

/** The start the driver picks for `-cgi PROFILE` without a placement, or null when it fails. */
export function defaultStart(
  model: GpuModel,
  instances: readonly PlacedInstance[],
  profile: GiProfile,
  driver: DriverOptions = DEFAULT_DRIVER,
): number | null {
  const candidates = profile.starts.filter((s) => canCreate(model, instances, profile, s, driver));
  if (candidates.length === 0) return null;
  if (placementModelFor(driver).lowestStartForSlots.includes(profile.memorySlots)) return candidates[0] ?? null;
  const open = openPlacements(model, instances, driver);
  let best = candidates[0] ?? null;
  let bestLost = Infinity;
  for (const start of candidates) {
    const after = [...instances, { profileId: profile.id, start }];
    const lost = open.filter((p) => !canCreate(model, after, profileById(model, p.profileId), p.start, driver)).length;
    if (lost < bestLost) {
      best = start;
      bestLost = lost;
    }
  }
  return best;
}

/** Every (profile, start) that could be created next. */
function openPlacements(model: GpuModel, instances: readonly PlacedInstance[], driver: DriverOptions): PlacedInstance[] {
  return geometryOf(model).profiles.flatMap((p) =>
    p.starts.filter((s) => canCreate(model, instances, p, s, driver)).map((start) => ({ profileId: p.id, start })),
  );
}

/** One GPU instance a layout asks for; `start` pins it to a slot (for experts). */
export interface InstanceRequest {
  readonly profileId: number;
  readonly start?: number;
}

export interface LayoutSolution {
  /** The start slot of each request, in request order. */
  readonly starts: readonly number[];
  /** Request indices in the order to create them. */
  readonly creationOrder: readonly number[];
  /** Whether creating in that order with no explicit placement reaches `starts` under the driver model. */
  readonly reachedByDefaultPlacement: boolean;
}

export interface LayoutProblem {
  /** Index of the request that does not fit. */
  readonly index: number;
  readonly message: string;
}

export type LayoutResult = { ok: true; solution: LayoutSolution } | { ok: false; problems: LayoutProblem[] };

/**
 * Plans a layout exactly: first a creation order whose default placements reach a layout honouring every
 * pinned start (depth-first over distinct orders, larger instances tried first), otherwise any feasible
 * placement (exact backtracking), otherwise an explanation of which instance does not fit and why.
 */
export function solveLayout(model: GpuModel, requests: readonly InstanceRequest[], driver: DriverOptions = DEFAULT_DRIVER): LayoutResult {
  const problems = staticProblems(model, requests);
  if (problems.length > 0) return { ok: false, problems };

  const byDefault = orderReachingLayout(model, requests, driver);
  if (byDefault) return { ok: true, solution: { ...byDefault, reachedByDefaultPlacement: true } };

  const order = preferredOrder(model, requests);
  const starts = exactPlacement(model, requests, order, driver);
  if (starts) return { ok: true, solution: { starts, creationOrder: order, reachedByDefaultPlacement: false } };
  return { ok: false, problems: [explainInfeasible(model, requests, order, driver)] };
}

/** Problems visible without searching: profile counts and pinned starts. */
function staticProblems(model: GpuModel, requests: readonly InstanceRequest[]): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const seen = new Map<number, number>();
  let media = 0;
  requests.forEach((req, index) => {
    const profile = profileById(model, req.profileId);
    const count = (seen.get(profile.id) ?? 0) + 1;
    seen.set(profile.id, count);
    if (count === profile.max + 1) {
      const total = requests.filter((r) => r.profileId === profile.id).length;
      problems.push({ index, message: `${total} x ${profile.name} requested; the ${model.id} holds at most ${profile.max}` });
    }
    if (profile.media && ++media === 2) {
      problems.push({ index, message: `a second media-extension (+me) instance requested; a GPU holds at most one` });
    }
    if (req.start !== undefined && !profile.starts.includes(req.start)) {
      problems.push({ index, message: `${profile.name} cannot start at slot ${req.start}; allowed starts: ${profile.starts.join(", ")}` });
    }
  });
  if (problems.length > 0) return problems;

  const slotsNeeded = requests.reduce((sum, r) => sum + profileById(model, r.profileId).memorySlots, 0);
  const geometry = geometryOf(model);
  if (slotsNeeded > geometry.memorySlots) {
    problems.push({
      index: requests.length - 1,
      message: `the layout needs ${slotsNeeded} memory slots; the ${model.id} has ${geometry.memorySlots}`,
    });
  }
  const slicesNeeded = requests.reduce((sum, r) => sum + profileById(model, r.profileId).computeSlices, 0);
  if (slicesNeeded > geometry.computeSlices) {
    problems.push({
      index: requests.length - 1,
      message: `the layout needs ${slicesNeeded} compute slices; the ${model.id} has ${geometry.computeSlices}`,
    });
  }
  const pinned = requests.map((r, index) => ({ ...r, index })).filter((r) => r.start !== undefined);
  for (let a = 0; a < pinned.length; a++) {
    for (let b = a + 1; b < pinned.length; b++) {
      const pa = pinned[a];
      const pb = pinned[b];
      if (!pa || !pb || pa.start === undefined || pb.start === undefined) continue;
      const endA = pa.start + profileById(model, pa.profileId).memorySlots;
      const endB = pb.start + profileById(model, pb.profileId).memorySlots;
      if (pa.start < endB && pb.start < endA) {
        problems.push({
          index: pb.index,
          message: `pinned at slot ${pb.start}, it overlaps instance #${pa.index + 1} pinned at slot ${pa.start}`,
        });
      }
    }
  }
  return problems;
}

/** Larger instances first, pinned ones before free ones of the same size; stable otherwise. */
function preferredOrder(model: GpuModel, requests: readonly InstanceRequest[]): number[] {
  return requests
    .map((r, index) => ({ index, slots: profileById(model, r.profileId).memorySlots, pinned: r.start !== undefined }))
    .sort((a, b) => b.slots - a.slots || Number(b.pinned) - Number(a.pinned) || a.index - b.index)
    .map((r) => r.index);
}

function orderReachingLayout(
  model: GpuModel,
  requests: readonly InstanceRequest[],
  driver: DriverOptions,
): Omit<LayoutSolution, "reachedByDefaultPlacement"> | null {
  const preferred = preferredOrder(model, requests);
  const starts = new Array<number>(requests.length).fill(-1);
  const order: number[] = [];
  const placed: PlacedInstance[] = [];

  const search = (): boolean => {
    if (order.length === requests.length) return true;
    const triedKeys = new Set<string>();
    for (const index of preferred) {
      if (starts[index] !== -1) continue;
      const req = requests[index];
      if (!req) continue;
      // Requests with the same profile and pin are interchangeable: try one of them per step.
      const key = `${req.profileId}@${req.start ?? "*"}`;
      if (triedKeys.has(key)) continue;
      triedKeys.add(key);
      const start = defaultStart(model, placed, profileById(model, req.profileId), driver);
      if (start === null || (req.start !== undefined && req.start !== start)) continue;
      starts[index] = start;
      order.push(index);
      placed.push({ profileId: req.profileId, start });
      if (search()) return true;
      starts[index] = -1;
      order.pop();
      placed.pop();
    }
    return false;
  };
  return search() ? { starts: [...starts], creationOrder: order } : null;
}

/** Any placement honouring pins, by backtracking over allowed starts in `order`. */
function exactPlacement(
  model: GpuModel,
  requests: readonly InstanceRequest[],
  order: readonly number[],
  driver: DriverOptions,
): number[] | null {
  const starts = new Array<number>(requests.length).fill(-1);
  const placed: PlacedInstance[] = [];
  const place = (depth: number): boolean => {
    const index = order[depth];
    if (index === undefined) return true;
    const req = requests[index];
    if (!req) return false;
    const profile = profileById(model, req.profileId);
    const options = req.start !== undefined ? [req.start] : profile.starts;
    for (const start of options) {
      if (!canCreate(model, placed, profile, start, driver)) continue;
      starts[index] = start;
      placed.push({ profileId: req.profileId, start });
      if (place(depth + 1)) return true;
      placed.pop();
    }
    starts[index] = -1;
    return false;
  };
  return place(0) ? starts : null;
}

/** Finds the first instance (in creation preference) whose addition makes the layout infeasible. */
function explainInfeasible(
  model: GpuModel,
  requests: readonly InstanceRequest[],
  order: readonly number[],
  driver: DriverOptions,
): LayoutProblem {
  for (let n = 1; n <= order.length; n++) {
    const prefix = order.slice(0, n);
    const subset = prefix.map((i) => requests[i] as InstanceRequest);
    if (exactPlacement(model, subset, subset.map((_, k) => k), driver)) continue;
    const index = prefix[n - 1] as number;
    const req = requests[index] as InstanceRequest;
    const profile = profileById(model, req.profileId);
    const others = subset.slice(0, -1);
    const otherStarts = exactPlacement(model, others, others.map((_, k) => k), driver) ?? [];
    const placedOthers = others.map((r, k) => ({ profileId: r.profileId, start: otherStarts[k] ?? 0 }));
    const used = occupiedSlots(model, placedOthers);
    const freeSlots = used.flatMap((u, s) => (u ? [] : [s]));
    const where = placedOthers.map((p) => `${profileById(model, p.profileId).name}@${p.start}`).join(", ");
    const slot7 =
      profile.memorySlots === 1 && freeSlots.includes(used.length - 1)
        ? `; slot ${used.length - 1} cannot hold a 1-slot instance`
        : "";
    const reason = req.start !== undefined ? `pinned at slot ${req.start}` : `needs ${profile.memorySlots} free slot(s) starting at one of ${profile.starts.join(", ")}`;
    return {
      index,
      message:
        `${profile.name} does not fit: ${reason}; with ${where || "nothing"} placed, ` +
        `the free memory slots are ${freeSlots.length > 0 ? freeSlots.join(", ") : "none"}${slot7}`,
    };
  }
  return { index: requests.length - 1, message: "the layout does not fit" };
}

/** One compute instance a GPU instance is asked to hold. */
export interface CiRequest {
  readonly computeSlices: number;
  readonly starts: readonly number[];
}

/** Start slices for compute instances inside one GI (lowest free start, larger first), or null. */
export function placeComputeInstances(giComputeSlices: number, requests: readonly CiRequest[]): number[] | null {
  const used = new Array<boolean>(giComputeSlices).fill(false);
  const order = requests.map((r, i) => ({ r, i })).sort((a, b) => b.r.computeSlices - a.r.computeSlices || a.i - b.i);
  const starts = new Array<number>(requests.length).fill(-1);
  for (const { r, i } of order) {
    const start = r.starts.find((s) => used.slice(s, s + r.computeSlices).every((u) => !u) && s + r.computeSlices <= giComputeSlices);
    if (start === undefined) return null;
    for (let s = start; s < start + r.computeSlices; s++) used[s] = true;
    starts[i] = start;
  }
  return starts;
}
