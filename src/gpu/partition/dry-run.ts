/**
 * What apply would run, without running it: the nvidia-smi commands in order, from the same argument
 * table the driver uses (`--dry-run`).
 */
import { requireModel } from "../catalog/index.js";
import { commandLine, SMI_ARGS } from "../nvidia-smi/index.js";
import { driverOf } from "./apply.js";
import { creationCandidates } from "./orders.js";
import type { PreflightReport } from "./preflight.js";
import type { GpuSnapshot, WantedLayout } from "./types.js";

export interface DryRun {
  readonly commands: readonly string[];
  readonly notes: readonly string[];
}

export function dryRun(bin: string, snapshot: GpuSnapshot, wanted: WantedLayout, report: PreflightReport): DryRun {
  const index = snapshot.index;
  const run = (args: readonly string[]): string => commandLine(bin, args);
  if (report.reuse) return { commands: [], notes: ["the GPU already has this layout: nothing would run"] };
  if (!wanted.mig) return { commands: snapshot.migMode.current === "Enabled" ? [run(SMI_ARGS.setMigMode(index, false))] : [], notes: [] };
  const commands: string[] = [];
  if (snapshot.migMode.current !== "Enabled") commands.push(run(SMI_ARGS.setMigMode(index, true)));
  const candidates = creationCandidates(requireModel(wanted.model), wanted.gpuInstances, wanted.creationOrder, driverOf(snapshot));
  const [first, ...others] = candidates;
  const notes: string[] = [];
  if (first) {
    const ordered = first.order.map((i) => wanted.gpuInstances[i]).filter((gi) => gi !== undefined);
    const onlyDefault = ordered.every((gi) => gi.computeInstances.length === 1 && gi.computeInstances[0]?.isDefault);
    commands.push(run(SMI_ARGS.createGpuInstances(index, ordered.map((gi) => gi.profileId), onlyDefault)));
    if (!onlyDefault) {
      for (const gi of ordered) {
        const cis = gi.computeInstances.every((ci) => ci.isDefault) ? [] : [...gi.computeInstances].sort((a, b) => b.profileId - a.profileId).map((ci) => ci.profileId);
        commands.push(`${run(SMI_ARGS.createComputeInstances(index, 0, cis)).replace(/-gi 0$/, "-gi <id>")}    # in ${gi.key} (${gi.profileName})`);
      }
    }
    notes.push(`placement model: ${first.placementModel}${first.exact ? "" : " (reaches the layout, not every planned slot)"}`);
  }
  notes.push(`then read back and verify: ${run(SMI_ARGS.gpuInstances(index))}, ${run(SMI_ARGS.computeInstances(index))}; UUIDs from ${run(SMI_ARGS.listGpus())} and ${run(SMI_ARGS.queryXml(index))}`);
  for (const [k, c] of others.entries()) {
    notes.push(`if the read-back differs or the driver refuses, undo and try order ${k + 2}: -cgi ${c.order.map((i) => wanted.gpuInstances[i]?.profileId).join(",")} (${c.placementModel})`);
  }
  return { commands, notes };
}
