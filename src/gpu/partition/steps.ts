/**
 * Each change to a GPU, run the journaled way: the intent is on disk before nvidia-smi starts, the
 * outcome after it ends (what a create reported, even when it failed part-way). Also the command line
 * each change runs, for the journal and for `--dry-run`.
 */
import { commandLine, NvidiaSmiError, parseCreateOutput, SMI_ARGS, type CreateOutput, type NvidiaSmi } from "../nvidia-smi/index.js";
import type { Action, Created, Journal } from "./journal.js";

export interface StepContext {
  readonly smi: NvidiaSmi;
  readonly journal: Journal;
  /** The GPU's index now (it can change across reboots; journals name GPUs by UUID). */
  readonly index: number;
  readonly log: (line: string) => void;
}

export function actionArgs(index: number, action: Action): string[] {
  switch (action.kind) {
    case "set-mig-mode":
      return SMI_ARGS.setMigMode(index, action.enabled);
    case "reset-gpu":
      return SMI_ARGS.resetGpu(index);
    case "create-gpu-instances":
      return SMI_ARGS.createGpuInstances(index, action.profileIds, action.withDefaultCi);
    case "create-compute-instances":
      return SMI_ARGS.createComputeInstances(index, action.giId, action.profileIds);
    case "destroy-compute-instances":
      return SMI_ARGS.destroyComputeInstances(index, action.giIds);
    case "destroy-gpu-instances":
      return SMI_ARGS.destroyGpuInstances(index, action.giIds);
  }
}

export const actionCommand = (smi: NvidiaSmi, index: number, action: Action): string => commandLine(smi.bin, actionArgs(index, action));

const toCreated = (output: CreateOutput): Created => ({
  gpuInstances: output.gpuInstances.map((gi) => ({ giId: gi.instanceId, profileId: gi.profileId })),
  computeInstances: output.computeInstances.map((ci) => ({ giId: ci.gpuInstanceId, ...(ci.instanceId === undefined ? {} : { ciId: ci.instanceId }), profileId: ci.profileId })),
});

/** What a failed create had created before failing, when its output can be read. */
function createdBeforeFailure(error: unknown): Created | undefined {
  if (!(error instanceof NvidiaSmiError) || error.reason !== "failed") return undefined;
  try {
    return toCreated(parseCreateOutput(error.stdout));
  } catch {
    return undefined;
  }
}

export interface StepResult {
  readonly created?: Created;
  /** A MIG mode change that waits for a reset. */
  readonly pending?: boolean;
  readonly message?: string;
}

async function execute(ctx: StepContext, action: Action): Promise<StepResult> {
  const { smi, index } = ctx;
  switch (action.kind) {
    case "set-mig-mode": {
      const change = await smi.setMigMode(index, action.enabled);
      return { pending: change.pending, message: change.message };
    }
    case "reset-gpu":
      return { message: await smi.resetGpu(index) };
    case "create-gpu-instances":
      return { created: toCreated(await smi.createGpuInstances(index, action.profileIds, action.withDefaultCi)) };
    case "create-compute-instances": {
      const cis = await smi.createComputeInstances(index, action.giId, action.profileIds);
      return { created: toCreated({ gpuInstances: [], computeInstances: cis }) };
    }
    case "destroy-compute-instances":
      await smi.destroyComputeInstances(index, action.giIds);
      return {};
    case "destroy-gpu-instances":
      await smi.destroyGpuInstances(index, action.giIds);
      return {};
  }
}

/** Journals the intent, runs the change, journals the outcome; a failure is journaled and rethrown. */
export async function runStep(ctx: StepContext, action: Action): Promise<StepResult> {
  const command = actionCommand(ctx.smi, ctx.index, action);
  const step = ctx.journal.intent(action, command);
  ctx.log(`  $ ${command}`);
  try {
    const result = await execute(ctx, action);
    ctx.journal.done(step, { ...(result.created ? { created: result.created } : {}), ...(result.message ? { message: result.message } : {}) });
    return result;
  } catch (error) {
    ctx.journal.failed(step, error instanceof Error ? error.message : String(error), createdBeforeFailure(error));
    throw error;
  }
}
