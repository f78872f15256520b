/**
 * Preflight: everything that can be known before the GPU is touched. Whether it is the model the
 * scenario names and can do MIG, its current and pending MIG mode, who else uses it, whether a mode
 * change would need a reset and what would block it, and whether its instances are the wanted layout
 * already or someone else's. Problems stop the run (exit 3) with the GPU untouched; warnings go with
 * the results.
 */
import { EnvironmentError } from "../../errors.js";
import { findGiProfile, findModel } from "../catalog/index.js";
import { matchLayout } from "./match.js";
import { describeInstance, describeProcesses } from "./snapshot.js";
import type { GpuSnapshot, WantedLayout } from "./types.js";
import { describeWanted } from "./wanted.js";

export interface PreflightOptions {
  /** Catalog id the scenario was written for; absent for layouts applied by hand (any model). */
  readonly expectedModel?: string;
  readonly anyGpu?: boolean;
  readonly allowGpuReset?: boolean;
}

export interface PreflightReport {
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  /** What apply will do, in words (for --dry-run and the progress log). */
  readonly changes: readonly string[];
  /** The GPU already has the wanted layout: apply changes nothing. */
  readonly reuse: boolean;
}

export function preflight(snapshot: GpuSnapshot, wanted: WantedLayout, options: PreflightOptions = {}): PreflightReport {
  const problems: string[] = [];
  const warnings: string[] = [];
  const changes: string[] = [];
  const gpu = `GPU ${snapshot.index}`;
  const model = findModel(snapshot.name);
  const { current, pending } = snapshot.migMode;

  if (options.expectedModel && model?.id !== options.expectedModel) {
    if (options.anyGpu) warnings.push(`${gpu} is a ${snapshot.name}${model ? ` (${model.id})` : ""}, not the scenario's ${options.expectedModel}: run with --any-gpu`);
    else problems.push(`${gpu} is a ${snapshot.name}, but the scenario is for ${options.expectedModel}; pass --any-gpu to run it anyway`);
  }
  if (wanted.mig) {
    if (!model) problems.push(`${gpu} (${snapshot.name}) is not in migbench's catalog, so its MIG profiles are unknown; \`bench profiles\` lists the known models`);
    else if (!model.mig || current === "N/A") problems.push(`${gpu} (${snapshot.name}) does not support MIG; use a layout with mig: false`);
    else {
      const unknown = wanted.gpuInstances.filter((gi) => !findGiProfile(model, gi.profileId));
      if (unknown.length > 0) problems.push(`${gpu} (${model.id}) has no GPU instance profile ${unknown.map((gi) => `${gi.profileId} (${gi.profileName})`).join(", ")}`);
      else if (model.id !== wanted.model) warnings.push(`the layout was planned for ${wanted.model}; on this ${model.id} the same profile ids have other sizes`);
    }
  }
  if (current !== pending && current !== "N/A" && pending !== "N/A") {
    problems.push(
      `${gpu} has a pending MIG mode change (current ${current}, pending ${pending}) that only a GPU reset or a reboot makes effective; ` +
        `migbench does not build on a pending change: reboot, or reset the GPU when nothing uses it (nvidia-smi -i ${snapshot.index} --gpu-reset), then retry`,
    );
  }

  const enable = wanted.mig && current === "Disabled";
  const disable = !wanted.mig && current === "Enabled";
  const busy = snapshot.processes.length > 0;
  if ((enable || disable) && busy) {
    problems.push(
      `${enable ? "enabling" : "disabling"} MIG on ${gpu} needs the GPU to itself, but processes use it: ${describeProcesses(snapshot)}; ` +
        `the change would stay pending until a GPU reset, and the same processes block the reset${options.allowGpuReset ? " (--allow-gpu-reset cannot help)" : ""}. Stop them and retry`,
    );
  }
  if (enable) changes.push(`enable MIG on ${gpu}`);
  if (disable) changes.push(`disable MIG on ${gpu} (it is restored afterwards)`);

  let reuse = false;
  const existing = snapshot.gpuInstances;
  if (wanted.mig && current === "Enabled") {
    const match = matchLayout(wanted.gpuInstances, existing);
    if (existing.length > 0 && match.complete) {
      reuse = true;
      changes.push(`none: ${gpu} already has ${describeWanted(wanted)}`);
    } else if (existing.length > 0) {
      problems.push(
        `${gpu} already has MIG instances that are not the requested layout (${existing.map(describeInstance).join("; ")}); ` +
          `migbench destroys only what it created: remove them (\`bench partition reset --gpu-index ${snapshot.index} --force\`) or use another GPU`,
      );
    } else if (busy) {
      problems.push(`processes hold ${gpu} (${describeProcesses(snapshot)}); creating GPU instances would fail with "In use by another client": stop them and retry`);
    }
  }
  if (!wanted.mig && current === "Enabled" && existing.length > 0) {
    problems.push(
      `${gpu} has MIG instances (${existing.map(describeInstance).join("; ")}); a full-GPU scenario needs MIG off, and migbench destroys only what it created: ` +
        `remove them (\`bench partition reset --gpu-index ${snapshot.index} --force --mig off\`) or use another GPU`,
    );
  }
  if (wanted.mig && !reuse) changes.push(`create ${describeWanted(wanted)}`);
  if (busy && problems.length === 0) warnings.push(`other processes use ${gpu} during the run: ${describeProcesses(snapshot)}`);
  return { problems, warnings, changes, reuse };
}

/** Stops with every problem (exit 3) when there is one; nothing was changed. */
export function assertPreflight(report: PreflightReport, snapshot: GpuSnapshot): void {
  if (report.problems.length === 0) return;
  const [only] = report.problems;
  throw new EnvironmentError(
    report.problems.length === 1 && only !== undefined
      ? `${only} (preflight; GPU ${snapshot.index} untouched)`
      : `preflight found ${report.problems.length} problems; GPU ${snapshot.index} untouched:\n${report.problems.map((p) => `  - ${p}`).join("\n")}`,
  );
}
