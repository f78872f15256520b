/**
 * Applying a wanted layout to a GPU that passed preflight: nothing when it already has the layout;
 * otherwise MIG mode (a pending change is reported, and reset only with --allow-gpu-reset), GPU
 * instances in an order chosen with the slot model, their compute instances, a read-back that checks
 * every instance's profile and placement, and on a mismatch or a driver error: undo what this attempt
 * created and try the next order. Finally each compute instance's MIG device UUID.
 */
import { EnvironmentError } from "../../errors.js";
import { modelIdOf, requireModel } from "../catalog/index.js";
import { NvidiaSmiError, type MigDevice } from "../nvidia-smi/index.js";
import { DEFAULT_DRIVER, type DriverOptions } from "../placement/index.js";
import type { Journal, JournalRecord } from "./journal.js";
import { matchLayout, type LayoutMatch } from "./match.js";
import { creationCandidates, type CreationCandidate } from "./orders.js";
import { restoreGpu } from "./restore.js";
import { describeInstance, readGpuInstances, readGpuSnapshot } from "./snapshot.js";
import { runStep, type StepContext } from "./steps.js";
import type { AppliedLayout, GpuSnapshot, ResolvedDevice, WantedGpuInstance, WantedLayout } from "./types.js";
import { describeWanted } from "./wanted.js";

export interface ApplyContext extends StepContext {
  readonly journal: Journal;
  readonly allowGpuReset: boolean;
  /** The journal's records so far (for undoing a failed attempt). */
  readonly records: () => readonly JournalRecord[];
}

export const driverOf = (snapshot: GpuSnapshot): DriverOptions => {
  const major = Number.parseInt(snapshot.driverVersion ?? "", 10);
  return Number.isFinite(major) ? { driverMajor: major } : DEFAULT_DRIVER;
};

/** A driver failure in one line: the command and what went wrong, without the success lines before it. */
function messageOf(error: unknown): string {
  if (!(error instanceof NvidiaSmiError)) return error instanceof Error ? error.message : String(error);
  if (error.reason !== "failed") return error.message;
  const failure = error.toolMessage
    .split("\n")
    .filter((line) => !line.startsWith("Successfully"))
    .join("; ");
  return `${error.commandLine}: ${failure || error.reason}`;
}

/** Failures another creation order cannot fix: something else holds the GPU, or the driver refuses outright. */
const NOT_ORDER_DEPENDENT = /In use by another client|Not Supported|Invalid Argument|Insufficient Permissions|No permission/i;

function retryable(error: unknown): boolean {
  if (error instanceof NvidiaSmiError) return error.reason === "failed" && !NOT_ORDER_DEPENDENT.test(error.toolMessage);
  return error instanceof MismatchError;
}

class MismatchError extends EnvironmentError {}

export async function applyLayout(ctx: ApplyContext, snapshot: GpuSnapshot, wanted: WantedLayout): Promise<AppliedLayout> {
  if (!wanted.mig) {
    const changed = snapshot.migMode.current === "Enabled";
    if (changed) await changeMigMode(ctx, false);
    return {
      snapshot,
      // Labelled by the GPU found, which --any-gpu lets differ from the plan's model.
      devices: [{ key: wanted.deviceKey, kind: "gpu", uuid: snapshot.uuid, label: modelIdOf(snapshot.name) }],
      reused: !changed,
      notes: [],
    };
  }

  const found = matchLayout(wanted.gpuInstances, snapshot.gpuInstances);
  if (snapshot.migMode.current === "Enabled" && found.complete) {
    ctx.journal.note(`the GPU already has the layout (${describeWanted(wanted)}): nothing created, nothing to destroy`);
    ctx.log("partition: the GPU already has this layout; nothing to change");
    return { snapshot, devices: resolveDevices(found, await ctx.smi.migDevices(ctx.index)), reused: true, notes: [...placementNotes(found), "the GPU already had the layout: reused as found"] };
  }
  if (snapshot.gpuInstances.length > 0) {
    throw new EnvironmentError(`GPU ${ctx.index} has other MIG instances (${snapshot.gpuInstances.map(describeInstance).join("; ")}); migbench destroys only what it created`);
  }
  if (snapshot.migMode.current !== "Enabled") await changeMigMode(ctx, true);

  const model = requireModel(wanted.model);
  const candidates = creationCandidates(model, wanted.gpuInstances, wanted.creationOrder, driverOf(snapshot));
  const tried: string[] = [];
  for (const [k, candidate] of candidates.entries()) {
    const label = describeOrder(wanted.gpuInstances, candidate);
    ctx.journal.note(`creation order ${k + 1} of ${candidates.length}: ${label}`);
    let error: unknown;
    try {
      await createInOrder(ctx, wanted.gpuInstances, candidate);
      // The MIG devices are looked up during the read-back (reads only, one round of calls instead of
      // two, both ended before anything else runs); they, and a failure to list them, matter only when
      // the layout matches. MIG is on by now: the instances are the whole read-back.
      const [instances, migDevices] = await Promise.allSettled([readGpuInstances(ctx.smi, ctx.index), ctx.smi.migDevices(ctx.index)]);
      if (instances.status === "rejected") throw instances.reason;
      const match = matchLayout(wanted.gpuInstances, instances.value);
      if (match.complete) {
        if (migDevices.status === "rejected") throw migDevices.reason;
        const notes = [...placementNotes(match), ...(tried.length > 0 ? [`created with creation order ${k + 1} after: ${tried.join("; ")}`] : [])];
        for (const note of notes) ctx.journal.note(note);
        // MIG is on (a pending change stopped apply before creating), with the instances just read.
        const readBack = { migMode: { current: "Enabled", pending: "Enabled" }, gpuInstances: instances.value } as const;
        return { snapshot, devices: resolveDevices(match, migDevices.value), reused: false, notes, readBack };
      }
      error = new MismatchError(describeMismatch(match));
    } catch (caught) {
      error = caught;
    }
    tried.push(`${label}: ${messageOf(error)}`);
    ctx.log(`partition: creation order ${k + 1} failed (${messageOf(error)}); undoing it`);
    const undo = await restoreGpu(ctx, snapshot, ctx.records, { allowGpuReset: ctx.allowGpuReset, instancesOnly: true });
    if (!undo.restored) {
      throw new EnvironmentError(`creating the layout failed (${messageOf(error)}) and undoing it failed too:\n${undo.problems.join("\n")}`);
    }
    if (!retryable(error)) break;
  }
  throw new EnvironmentError(
    `could not create ${describeWanted(wanted)} on GPU ${ctx.index}; tried:\n${tried.map((t, k) => `  ${k + 1}. ${t}`).join("\n")}` +
      (tried.length < candidates.length ? `\n(${candidates.length - tried.length} more order(s) not tried: the failure does not depend on the order)` : ""),
  );
}

/** `-cgi 9,19,19 (model: …)`. */
function describeOrder(gis: readonly WantedGpuInstance[], candidate: CreationCandidate): string {
  const profiles = candidate.order.map((i) => gis[i]?.profileId).join(",");
  const names = candidate.order.map((i) => gis[i]?.profileName).join(", ");
  return `-cgi ${profiles} (${names}; placement model ${candidate.placementModel})`;
}

function describeMismatch(match: LayoutMatch): string {
  const parts = [
    ...match.missing.map((gi) => `${gi.key} (${gi.profileName}${gi.pinned ? ` pinned at slot ${gi.start}` : ""}) is missing`),
    ...match.extra.map((gi) => `unexpected ${describeInstance(gi)}`),
  ];
  return `the read-back does not match the layout: ${parts.join("; ")}`;
}

function placementNotes(match: LayoutMatch): string[] {
  return match.pairs
    .filter((p) => p.actual.start !== p.wanted.start)
    .map((p) => `${p.wanted.key} (${p.wanted.profileName}) is at slot ${p.actual.start}, not ${p.wanted.start} as planned: the driver chose it`);
}

async function changeMigMode(ctx: ApplyContext, enabled: boolean): Promise<void> {
  const result = await runStep(ctx, { kind: "set-mig-mode", enabled });
  if (!result.pending) return;
  const words = enabled ? "Enabling" : "Disabling";
  if (!ctx.allowGpuReset) {
    throw new EnvironmentError(
      `${words} MIG on GPU ${ctx.index} is pending until a GPU reset or a reboot:\n${result.message ?? ""}\n` +
        "migbench never resets a GPU unless told to: stop whatever uses the GPU and retry, pass --allow-gpu-reset " +
        "(the reset fails while processes use the GPU), or reboot; the MIG mode is being put back as it was",
    );
  }
  ctx.log(`partition: ${words.toLowerCase()} MIG is pending; resetting GPU ${ctx.index} (--allow-gpu-reset)`);
  await runStep(ctx, { kind: "reset-gpu" });
  const after = await readGpuSnapshot(ctx.smi, ctx.index, { processes: false });
  const want = enabled ? "Enabled" : "Disabled";
  if (after.migMode.current !== want) throw new EnvironmentError(`GPU ${ctx.index}: MIG mode is still ${after.migMode.current} after the reset`);
}

async function createInOrder(ctx: ApplyContext, gis: readonly WantedGpuInstance[], candidate: CreationCandidate): Promise<void> {
  const ordered = candidate.order.map((i) => gis[i]).filter((gi): gi is WantedGpuInstance => gi !== undefined);
  const onlyDefault = (gi: WantedGpuInstance): boolean => gi.computeInstances.length === 1 && gi.computeInstances[0]?.isDefault === true;
  const withDefaultCi = ordered.every(onlyDefault);
  const result = await runStep(ctx, { kind: "create-gpu-instances", profileIds: ordered.map((gi) => gi.profileId), withDefaultCi });
  const created = result.created?.gpuInstances ?? [];
  if (created.length !== ordered.length) throw new MismatchError(`nvidia-smi reported ${created.length} of ${ordered.length} GPU instances created`);
  if (withDefaultCi) return;
  for (const [k, gi] of ordered.entries()) {
    const giId = created[k]?.giId;
    if (giId === undefined) continue;
    // Larger compute instances first, as the plan placed them.
    const profiles = onlyDefault(gi) ? [] : [...gi.computeInstances].sort((a, b) => b.profileId - a.profileId).map((ci) => ci.profileId);
    await runStep(ctx, { kind: "create-compute-instances", giId, profileIds: profiles });
  }
}

/** Each wanted compute instance's MIG device: `-L` UUIDs (both forms) joined with `-q -x` ids. */
function resolveDevices(match: LayoutMatch, migDevices: readonly MigDevice[]): ResolvedDevice[] {
  const devices: ResolvedDevice[] = [];
  for (const { wanted, actual } of match.pairs) {
    const unused = [...actual.computeInstances];
    for (const ci of wanted.computeInstances) {
      const k = unused.findIndex((c) => c.profileId === ci.profileId);
      const found = k >= 0 ? unused.splice(k, 1)[0] : undefined;
      if (!found) throw new EnvironmentError(`${ci.key} (${ci.profileName}) is missing from GPU instance ${actual.giId}`);
      const device = migDevices.find((d) => d.giId === actual.giId && d.ciId === found.ciId);
      if (!device) throw new EnvironmentError(`no MIG device UUID for GPU instance ${actual.giId}, compute instance ${found.ciId} in nvidia-smi -L`);
      devices.push({
        key: ci.key,
        kind: "mig",
        uuid: device.uuid,
        label: ci.isDefault ? `${ci.profileName}@${actual.start}` : `${ci.profileName}@${actual.start}.${found.start ?? found.ciId}`,
        giId: actual.giId,
        ciId: found.ciId,
        profile: ci.profileName,
        start: actual.start,
        size: actual.size,
      });
    }
  }
  return devices;
}
