/**
 * What the mutating commands do to the state, and the lines the tool prints while doing it: MIG mode,
 * GPU reset, creating and destroying GPU and compute instances. The caller holds the state lock.
 */
import { findCiProfile, findGiProfile } from "../catalog/index.js";
import { defaultStart, type DriverOptions } from "../placement/index.js";
import { ciDefaultStart } from "./ci-slots.js";
import { giProfileOf, modelOf, placedInstances } from "./gpus.js";
import { gpuInstanceId, migUuid } from "./ids.js";
import { EXIT, EXIT_FOR_REASON, MSG, REASON, type Reason } from "./messages.js";
import type { SimComputeInstance, SimGpu, SimGpuInstance, SimProcess } from "./state.js";

export interface Outcome {
  /** What the tool prints (on stdout, as nvidia-smi does). */
  readonly lines: string[];
  readonly exitCode: number;
  /** The simulator's own remarks, on stderr. */
  readonly stderr?: string[];
  /** An injected hang: the tool prints nothing and does not exit for this long. */
  readonly hangMs?: number;
}

const done = (lines: string[]): Outcome => ({ lines, exitCode: EXIT.ok });
const failed = (lines: string[], reason: Reason): Outcome => ({ lines, exitCode: EXIT_FOR_REASON[reason] });

const lowestFreeId = (taken: readonly number[]): number => {
  let id = 0;
  while (taken.includes(id)) id++;
  return id;
};

/** Processes on a MIG device block destroying it; processes on no device (monitoring, Xorg) block creating. */
const runsOn = (p: SimProcess, gi: SimGpuInstance, ci?: SimComputeInstance): boolean =>
  p.gpuInstanceId === gi.id && (ci === undefined || p.computeInstanceId === undefined || p.computeInstanceId === ci.id);
const holdsWholeGpu = (p: SimProcess): boolean => p.gpuInstanceId === undefined;

export function setMigMode(gpus: readonly SimGpu[], enable: boolean): Outcome {
  const target = enable ? "Enabled" : "Disabled";
  const lines: string[] = [];
  for (const gpu of gpus) {
    if (!modelOf(gpu).mig) {
      lines.push(MSG.migUnable(enable, gpu.pciBusId, REASON.notSupported), MSG.treatingAsWarning);
      continue;
    }
    if (!enable && gpu.gpuInstances.length > 0) {
      lines.push(MSG.migUnable(enable, gpu.pciBusId, REASON.inUse), MSG.terminatingEarly);
      return failed(lines, REASON.inUse);
    }
    if (gpu.processes.length > 0 && gpu.migMode.current !== target) {
      // The change waits for a GPU reset that the processes prevent.
      gpu.migMode.pending = target;
      lines.push(...MSG.migPending(enable, gpu.pciBusId));
      continue;
    }
    if (gpu.migModeChangeNeedsReset && gpu.migMode.current !== target) {
      gpu.migMode.pending = target;
      lines.push(...MSG.migPendingReset(enable, gpu.pciBusId));
      continue;
    }
    gpu.migMode = { current: target, pending: target };
    lines.push(MSG.migChanged(enable, gpu.pciBusId));
  }
  return done([...lines, MSG.allDone]);
}

/** `--gpu-reset`: makes a pending MIG mode current, unless processes hold a GPU. */
export function resetGpus(gpus: readonly SimGpu[]): Outcome {
  const refused = gpus.filter((g) => g.resetSupported === false);
  if (refused.length > 0) return failed(refused.map((g) => MSG.resetNotSupported(g.pciBusId)), REASON.notSupported);
  const busy = gpus.filter((g) => g.processes.length > 0);
  if (busy.length > 0) return failed(MSG.resetBlocked(busy.map((g) => g.pciBusId)), REASON.inUse);
  const lines = gpus.map((gpu) => {
    gpu.migMode.current = gpu.migMode.pending;
    return MSG.resetDone(gpu.pciBusId);
  });
  return done([...lines, MSG.allDone]);
}

/** The default compute instance of a new GPU instance (`-C`), or the next one `-cci` asks for. */
function addComputeInstance(gpu: SimGpu, gi: SimGpuInstance, token: string | undefined, lines: string[]): Reason | null {
  const giProfile = giProfileOf(modelOf(gpu), gi);
  const ciProfile = token === undefined ? giProfile.ciProfiles.find((p) => p.isDefault) : findCiProfile(giProfile, token);
  if (!ciProfile) return REASON.invalidArgument;
  const start = ciDefaultStart(giProfile, gi.computeInstances, ciProfile);
  if (start === null) return REASON.insufficientResources;
  const id = lowestFreeId(gi.computeInstances.map((ci) => ci.id));
  gi.computeInstances.push({ id, profileId: ciProfile.id, start, uuid: migUuid() });
  lines.push(MSG.ciCreated(gpu.index, gi.id, id, ciProfile.name, ciProfile.id));
  return null;
}

/**
 * `-cgi LIST [-C]`: each profile (id or name) in order at the driver's default placement; the first
 * failure ends the command, and what was created before it stays.
 */
export function createGpuInstances(gpus: readonly SimGpu[], tokens: readonly string[], withDefaultCi: boolean, driver: DriverOptions): Outcome {
  const lines: string[] = [];
  for (const gpu of gpus) {
    const model = modelOf(gpu);
    const slots = model.mig?.memorySlots ?? 0;
    for (const token of tokens) {
      const fail = (reason: Reason): Outcome => failed([...lines, ...MSG.giCreateFailed(gpu.index, token, reason)], reason);
      const profile = findGiProfile(model, token);
      if (!profile) return fail(REASON.invalidArgument);
      if (gpu.processes.some(holdsWholeGpu)) return fail(REASON.inUse);
      const start = defaultStart(model, placedInstances(gpu), profile, driver);
      if (start === null) return fail(REASON.insufficientResources);
      const gi: SimGpuInstance = { id: gpuInstanceId(slots, profile.memorySlots, start), profileId: profile.id, start, computeInstances: [] };
      gpu.gpuInstances.push(gi);
      lines.push(MSG.giCreated(gpu.index, gi.id, profile.name, profile.id));
      if (withDefaultCi) {
        const ciReason = addComputeInstance(gpu, gi, undefined, lines);
        if (ciReason) return failed([...lines, ...MSG.ciCreateFailed(gpu.index, gi.id, "default", ciReason)], ciReason);
      }
    }
  }
  return done(lines);
}

/** `-cci [LIST] [-gi IDS]`: compute instances in the named GPU instances (all of them without `-gi`). */
export function createComputeInstances(gpus: readonly SimGpu[], giIds: readonly number[] | undefined, tokens: readonly string[] | undefined): Outcome {
  const lines: string[] = [];
  for (const gpu of gpus) {
    if (!giIds && gpu.gpuInstances.length === 0) return failed([...lines, MSG.noGpuInstances], REASON.notFound);
    const targets = giIds ?? [...gpu.gpuInstances].sort((a, b) => a.id - b.id).map((gi) => gi.id);
    for (const giId of targets) {
      const gi = gpu.gpuInstances.find((g) => g.id === giId);
      for (const token of tokens ?? [undefined]) {
        const reason = gi ? addComputeInstance(gpu, gi, token, lines) : REASON.notFound;
        if (reason) return failed([...lines, ...MSG.ciCreateFailed(gpu.index, giId, token ?? "default", reason)], reason);
      }
    }
  }
  return done(lines);
}

/** The GPU instances `-gi IDS` names, in the list's order (the tool takes them in turn); all, by id, without it. */
const namedInstances = (gpu: SimGpu, giIds: readonly number[] | undefined): SimGpuInstance[] =>
  giIds ? giIds.flatMap((id) => gpu.gpuInstances.filter((gi) => gi.id === id)) : [...gpu.gpuInstances].sort((a, b) => a.id - b.id);

/** `-dci [-gi IDS] [-ci IDS]`: destroys what it can; one failure makes the command fail. */
export function destroyComputeInstances(gpus: readonly SimGpu[], giIds?: readonly number[], ciIds?: readonly number[]): Outcome {
  const targets = gpus.flatMap((gpu) =>
    namedInstances(gpu, giIds).flatMap((gi) => gi.computeInstances.filter((ci) => !ciIds || ciIds.includes(ci.id)).map((ci) => ({ gpu, gi, ci }))),
  );
  if (targets.length === 0) return failed([MSG.noComputeInstances], REASON.notFound);
  const lines: string[] = [];
  let failure: Reason | null = null;
  for (const { gpu, gi, ci } of targets) {
    if (gpu.processes.some((p) => runsOn(p, gi, ci))) {
      failure = REASON.inUse;
      lines.push(MSG.ciDestroyFailed(gpu.index, gi.id, ci.id, failure));
      continue;
    }
    gi.computeInstances = gi.computeInstances.filter((c) => c !== ci);
    lines.push(MSG.ciDestroyed(gpu.index, gi.id, ci.id));
  }
  return failure ? failed([...lines, MSG.ciDestroyFailedSummary(failure)], failure) : done(lines);
}

/** `-dgi [-gi IDS]`: a GPU instance that still has compute instances or processes is in use. */
export function destroyGpuInstances(gpus: readonly SimGpu[], giIds?: readonly number[]): Outcome {
  const lines: string[] = [];
  let failure: Reason | null = null;
  let matched = 0;
  for (const gpu of gpus) {
    const targets = giIds ?? [...gpu.gpuInstances].sort((a, b) => a.id - b.id).map((gi) => gi.id);
    for (const giId of targets) {
      const gi = gpu.gpuInstances.find((g) => g.id === giId);
      const reason = !gi ? REASON.notFound : gi.computeInstances.length > 0 || gpu.processes.some((p) => runsOn(p, gi)) ? REASON.inUse : null;
      matched += gi ? 1 : 0;
      if (reason) {
        failure = reason;
        lines.push(MSG.giDestroyFailed(gpu.index, giId, reason));
        continue;
      }
      gpu.gpuInstances = gpu.gpuInstances.filter((g) => g !== gi);
      lines.push(MSG.giDestroyed(gpu.index, giId));
    }
  }
  if (!giIds && matched === 0) return failed([MSG.noGpuInstances], REASON.notFound);
  return failure ? failed([...lines, MSG.giDestroyFailedSummary(failure)], failure) : done(lines);
}
