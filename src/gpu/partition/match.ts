/**
 * Does a GPU's actual layout satisfy a wanted one? Each wanted GPU instance needs an actual one of the
 * same profile holding the same compute-instance profiles, at its planned start when pinned; an
 * unpinned instance may sit elsewhere (the driver chose), which makes the match complete but not exact.
 */
import type { GpuInstanceState, WantedGpuInstance } from "./types.js";

export interface LayoutMatch {
  /** Every wanted instance found, and nothing else on the GPU. */
  readonly complete: boolean;
  /** Complete, and every instance at its planned start. */
  readonly exact: boolean;
  readonly pairs: readonly { readonly wanted: WantedGpuInstance; readonly actual: GpuInstanceState }[];
  readonly missing: readonly WantedGpuInstance[];
  readonly extra: readonly GpuInstanceState[];
}

const ciProfiles = (ids: readonly number[]): string => [...ids].sort((a, b) => a - b).join(",");
const sameShape = (wanted: WantedGpuInstance, actual: GpuInstanceState): boolean =>
  wanted.profileId === actual.profileId &&
  ciProfiles(wanted.computeInstances.map((ci) => ci.profileId)) === ciProfiles(actual.computeInstances.map((ci) => ci.profileId));

export function matchLayout(wanted: readonly WantedGpuInstance[], actual: readonly GpuInstanceState[]): LayoutMatch {
  const unused = [...actual];
  const pairs: { wanted: WantedGpuInstance; actual: GpuInstanceState }[] = [];
  const take = (w: WantedGpuInstance, found: GpuInstanceState): void => {
    unused.splice(unused.indexOf(found), 1);
    pairs.push({ wanted: w, actual: found });
  };
  // First every instance at its planned start, then the unpinned ones wherever the driver put them.
  const rest: WantedGpuInstance[] = [];
  for (const w of wanted) {
    const found = unused.find((a) => sameShape(w, a) && a.start === w.start);
    if (found) take(w, found);
    else rest.push(w);
  }
  const missing: WantedGpuInstance[] = [];
  for (const w of rest) {
    const found = w.pinned ? undefined : unused.find((a) => sameShape(w, a));
    if (found) take(w, found);
    else missing.push(w);
  }
  const complete = missing.length === 0 && unused.length === 0;
  pairs.sort((a, b) => wanted.indexOf(a.wanted) - wanted.indexOf(b.wanted));
  return { complete, exact: complete && pairs.every((p) => p.actual.start === p.wanted.start), pairs, missing, extra: unused };
}
