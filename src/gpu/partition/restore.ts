/**
 * Undoing a session's changes, from its journal and the GPU as it is now: the one path used by
 * teardown after a run, by apply between two creation orders, by `bench cleanup` after a crash and by
 * `bench partition reset`. It destroys only GPU instances the journal shows this session created (or,
 * for a create whose outcome never reached the journal, new instances of the profiles it was creating),
 * restores the MIG mode the snapshot recorded when the session changed it, and reads the GPU back to
 * check it is as found. Idempotent: what is already undone is not undone twice. A session's own teardown
 * starts from its read-back after apply instead of reading the GPU again (a round of calls less): a
 * destroy that fails reads the GPU afresh, and the final read-back checks the outcome either way.
 */
import { NvidiaSmiError } from "../nvidia-smi/index.js";
import type { JournalRecord } from "./journal.js";
import { describeInstance, gpuStateDifferences, readGpuSnapshot } from "./snapshot.js";
import { runStep, type StepContext } from "./steps.js";
import type { GpuInstanceState, GpuSnapshot, GpuState } from "./types.js";

export interface Attribution {
  /** Instances on the GPU now that the session created. */
  readonly ours: readonly GpuInstanceState[];
  /** Instances on the GPU now that were not there before and that the journal does not explain: left alone. */
  readonly unexplained: readonly GpuInstanceState[];
}

const sameInstance = (a: GpuInstanceState, b: GpuInstanceState): boolean => a.giId === b.giId && a.profileId === b.profileId && a.start === b.start;

/** Which of the GPU's instances now are the session's, from its journal records and its starting snapshot. */
export function attributeInstances(records: readonly JournalRecord[], before: GpuSnapshot, now: GpuState): Attribution {
  const created = new Map<number, number>();
  const uncertain = new Set<number>();
  const creates = new Map<number, number[]>();
  for (const record of records) {
    if (record.type === "intent") {
      if (record.action.kind === "create-gpu-instances") creates.set(record.step, record.action.profileIds);
      continue;
    }
    if (record.type !== "done" && record.type !== "failed") continue;
    for (const gi of record.created?.gpuInstances ?? []) created.set(gi.giId, gi.profileId);
    const profiles = creates.get(record.step);
    // A failed create whose output could not be read may have created anything it was asked for.
    if (profiles && record.type === "failed" && !record.created) for (const p of profiles) uncertain.add(p);
    creates.delete(record.step);
  }
  // Intents with no outcome at all: the process died while nvidia-smi ran.
  for (const profiles of creates.values()) for (const p of profiles) uncertain.add(p);

  const ours: GpuInstanceState[] = [];
  const unexplained: GpuInstanceState[] = [];
  for (const gi of now.gpuInstances) {
    if (before.gpuInstances.some((b) => sameInstance(b, gi))) continue;
    if (created.get(gi.giId) === gi.profileId || uncertain.has(gi.profileId)) ours.push(gi);
    else unexplained.push(gi);
  }
  return { ours, unexplained };
}

export interface RestoreOptions {
  readonly allowGpuReset: boolean;
  /** Undo the instances only, keeping the MIG mode (between two creation orders). */
  readonly instancesOnly?: boolean;
  /** The GPU as this session last read it (apply's read-back), to start from instead of reading it again. */
  readonly known?: GpuState;
}

export interface RestoreReport {
  /** The GPU is as the snapshot found it (instances only, with `instancesOnly`). */
  readonly restored: boolean;
  readonly problems: readonly string[];
  readonly after: GpuSnapshot | null;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const DESTROY_PASSES = 2;

/** The GPU now; a read that fails is tried once more before the restore gives up. */
const readBack = (ctx: StepContext, expectMig = false): Promise<GpuSnapshot> =>
  readGpuSnapshot(ctx.smi, ctx.index, { processes: false, expectMig }).catch(() => readGpuSnapshot(ctx.smi, ctx.index, { processes: false }));

/** Compute instances first (a GPU instance that has any is in use), then the GPU instances, one call each. */
async function destroyInstances(ctx: StepContext, gis: readonly GpuInstanceState[]): Promise<void> {
  const withCis = gis.filter((gi) => gi.computeInstances.length > 0).map((gi) => gi.giId);
  if (withCis.length > 0) await runStep(ctx, { kind: "destroy-compute-instances", giIds: withCis });
  await runStep(ctx, { kind: "destroy-gpu-instances", giIds: gis.map((gi) => gi.giId) });
}

/** The journal's records as they stand (a live Journal object appends to the same file). */
export async function restoreGpu(ctx: StepContext, before: GpuSnapshot, records: () => readonly JournalRecord[], options: RestoreOptions): Promise<RestoreReport> {
  const problems: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>): Promise<boolean> => {
    try {
      await action();
      return true;
    } catch (error) {
      problems.push(`${what}: ${messageOf(error)}`);
      return false;
    }
  };

  const reportUnexplained = (gis: readonly GpuInstanceState[]): void => {
    for (const gi of gis) {
      const problem = `${describeInstance(gi)} appeared while migbench held the GPU, and its journal does not show creating it: left alone`;
      if (!problems.includes(problem)) problems.push(problem);
    }
  };

  // After a create, MIG is most likely on: its instances are read at once with its mode.
  let now: GpuState = options.known ?? (await readBack(ctx, records().some((r) => r.type === "intent" && r.action.kind === "create-gpu-instances")));
  let { ours, unexplained } = attributeInstances(records(), before, now);
  // Two passes: a destroy refused once (a monitoring tool held the instance for a moment) is tried again.
  // The first destroys them all in one -dci and one -dgi (each nvidia-smi call costs); the second, from
  // a fresh read, goes one GPU instance at a time, so that one still refused cannot hold back the others.
  for (let pass = 1; pass <= DESTROY_PASSES && ours.length > 0; pass++) {
    const failures: string[] = [];
    const newestFirst = [...ours].sort((a, b) => b.giId - a.giId);
    for (const batch of pass === 1 ? [newestFirst] : newestFirst.map((gi) => [gi])) {
      try {
        await destroyInstances(ctx, batch);
      } catch (error) {
        failures.push(`destroy ${batch.map(describeInstance).join("; ")}: ${messageOf(error)}`);
      }
    }
    if (failures.length === 0) break;
    now = await readBack(ctx);
    ({ ours, unexplained } = attributeInstances(records(), before, now));
    if (pass === DESTROY_PASSES || ours.length === 0) problems.push(...(ours.length > 0 ? failures : []));
  }
  reportUnexplained(unexplained);

  if (!options.instancesOnly) {
    // Destroying instances does not change the MIG mode: the first read still tells it.
    const changedMode = records().some((r) => r.type === "intent" && (r.action.kind === "set-mig-mode" || r.action.kind === "reset-gpu"));
    const want = before.migMode;
    const modeDiffers = now.migMode.current !== want.current || now.migMode.pending !== want.pending;
    if (changedMode && modeDiffers && (want.current === "Enabled" || want.current === "Disabled")) {
      await restoreMigMode(ctx, want.current === "Enabled", options, problems, attempt);
    }
  }

  const after = await readBack(ctx).catch((error: unknown) => {
    problems.push(`read the GPU back: ${messageOf(error)}`);
    return null;
  });
  if (after) {
    // Started from what the session read itself: an instance someone else made since shows only now.
    if (options.known) reportUnexplained(attributeInstances(records(), before, after).unexplained);
    const differences = gpuStateDifferences(before, after).filter((d) => !options.instancesOnly || !d.startsWith("MIG mode"));
    for (const d of differences) if (!problems.some((p) => p.includes(d))) problems.push(d);
  }
  return { restored: after !== null && problems.length === 0, problems, after };
}

async function restoreMigMode(
  ctx: StepContext,
  enabled: boolean,
  options: RestoreOptions,
  problems: string[],
  attempt: (what: string, action: () => Promise<unknown>) => Promise<boolean>,
): Promise<void> {
  const words = enabled ? "enable" : "disable";
  let pending = false;
  const change = async (): Promise<void> => {
    pending = (await runStep(ctx, { kind: "set-mig-mode", enabled })).pending === true;
  };
  // Tried twice, like the destroys: a refusal can be momentary.
  const ok = (await change().then(() => true, () => false)) || (await attempt(`${words} MIG mode again`, change));
  if (!ok || !pending) return;
  if (!options.allowGpuReset) {
    problems.push(
      `MIG mode goes back to ${enabled ? "Enabled" : "Disabled"} only at the next GPU reset or reboot (it is pending); ` +
        "migbench resets a GPU only when told: reboot, or run `bench cleanup --allow-gpu-reset` when nothing uses the GPU",
    );
    return;
  }
  await attempt("reset the GPU to make the MIG mode effective", async () => {
    try {
      await runStep(ctx, { kind: "reset-gpu" });
    } catch (error) {
      throw error instanceof NvidiaSmiError ? new Error(error.toolMessage || error.message) : error;
    }
  });
}
