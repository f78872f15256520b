/**
 * `bench partition reset`: undo layouts migbench applied by hand (their journals in journals/kept/):
 * destroy what they created and put the MIG mode back as they found it. Instances migbench did not
 * create are destroyed only with `force`; `migOff` then also turns MIG off.
 */
import type { NvidiaSmi } from "../nvidia-smi/index.js";
import { Journal, keptJournalFiles, readJournal } from "./journal.js";
import { acquireGpuLock } from "./lock.js";
import { currentOwner } from "./owner.js";
import { restoreGpu } from "./restore.js";
import { describeInstance, findGpu, readGpuSnapshot } from "./snapshot.js";
import { runStep } from "./steps.js";
import type { GpuSnapshot } from "./types.js";

export interface ResetOptions {
  readonly smi: NvidiaSmi;
  readonly root: string;
  readonly gpuIndex: number;
  readonly force?: boolean;
  readonly migOff?: boolean;
  readonly allowGpuReset?: boolean;
  readonly waitLock?: boolean;
  readonly log?: (line: string) => void;
}

export interface ResetReport {
  readonly undone: readonly string[];
  readonly problems: readonly string[];
  readonly after: GpuSnapshot;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function resetPartition(options: ResetOptions): Promise<ResetReport> {
  const { smi, root } = options;
  const log = options.log ?? (() => undefined);
  const gpu = await findGpu(smi, options.gpuIndex);
  const owner = currentOwner(`reset-${Date.now().toString(36)}-${process.pid}`);
  const lock = await acquireGpuLock(root, { uuid: gpu.uuid, index: gpu.index, name: gpu.name }, owner, { wait: options.waitLock ?? false });
  const undone: string[] = [];
  const problems: string[] = [];
  try {
    const kept = keptJournalFiles(root)
      .map((file) => readJournal(file))
      .filter((j) => j.begin.gpu.uuid === gpu.uuid)
      .reverse();
    let now: GpuSnapshot | null = null;
    for (const contents of kept) {
      const journal = Journal.resume(root, contents);
      journal.note(`bench partition reset (pid ${process.pid}) undoes this layout`);
      const report = await restoreGpu({ smi, journal, index: gpu.index, log }, contents.begin.snapshot, () => readJournal(journal.file).records, {
        allowGpuReset: options.allowGpuReset ?? false,
      });
      now = report.after;
      if (report.restored) {
        journal.finish("restored");
        undone.push(`${contents.begin.wanted} (applied by ${contents.begin.owner.runId} at ${contents.begin.at})`);
      } else {
        problems.push(...report.problems);
      }
    }

    now ??= await readGpuSnapshot(smi, gpu.index, { status: gpu, processes: false });
    const foreign = now.gpuInstances;
    const needsMigOff = options.migOff === true && now.migMode.current === "Enabled";
    if (foreign.length > 0 && !options.force) {
      problems.push(`GPU ${gpu.index} has instances migbench did not create (${foreign.map(describeInstance).join("; ")}); pass --force to destroy them`);
    } else if (foreign.length > 0 || needsMigOff) {
      const journal = Journal.create(root, {
        owner,
        gpu: { uuid: gpu.uuid, index: gpu.index, name: gpu.name },
        purpose: "partition",
        wanted: `partition reset${options.force ? " --force" : ""}${options.migOff ? " --mig off" : ""}`,
        snapshot: now,
      });
      const ctx = { smi, journal, index: gpu.index, log };
      for (const gi of [...foreign].sort((a, b) => b.giId - a.giId)) {
        try {
          if (gi.computeInstances.length > 0) await runStep(ctx, { kind: "destroy-compute-instances", giIds: [gi.giId] });
          await runStep(ctx, { kind: "destroy-gpu-instances", giIds: [gi.giId] });
          undone.push(`destroyed ${describeInstance(gi)}`);
        } catch (error) {
          problems.push(`destroy ${describeInstance(gi)}: ${messageOf(error)}`);
        }
      }
      if (needsMigOff && problems.length === 0) {
        try {
          const change = await runStep(ctx, { kind: "set-mig-mode", enabled: false });
          if (change.pending && options.allowGpuReset) await runStep(ctx, { kind: "reset-gpu" });
          else if (change.pending) problems.push(`disabling MIG on GPU ${gpu.index} is pending until a GPU reset or reboot (pass --allow-gpu-reset to reset it)`);
          undone.push("disabled MIG");
        } catch (error) {
          problems.push(`disable MIG: ${messageOf(error)}`);
        }
      }
      journal.finish("reset");
      now = await readGpuSnapshot(smi, gpu.index, { processes: false });
    }
    return { undone, problems, after: now };
  } finally {
    lock.release();
  }
}
