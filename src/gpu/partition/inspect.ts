/**
 * Everything `bench gpus` and `bench partition show` say about a GPU, read-only: its snapshot, the
 * catalog model, each compute instance's MIG UUID, who holds its lock, and the layouts migbench applied
 * by hand and left in place.
 */
import { findModel } from "../catalog/index.js";
import type { GpuStatus, NvidiaSmi } from "../nvidia-smi/index.js";
import { keptJournalFiles, openJournalFiles, readJournal } from "./journal.js";
import { lockPath, readLock, type LockState } from "./lock.js";
import { readGpuSnapshot } from "./snapshot.js";
import type { GpuSnapshot } from "./types.js";

export interface GpuReport {
  readonly snapshot: GpuSnapshot;
  /** Catalog id, or undefined for a GPU the catalog does not know. */
  readonly model?: string;
  readonly memorySlots?: number;
  /** `giId/ciId` → MIG device UUID. */
  readonly uuids: Readonly<Record<string, string>>;
  readonly lock: LockState;
  /** Layouts applied with `bench partition apply` and still in place (undo: `bench partition reset`). */
  readonly kept: readonly { readonly wanted: string; readonly by: string; readonly at: string }[];
  /** Journals of sessions that have not restored this GPU (`bench cleanup`). */
  readonly unfinished: readonly string[];
}

export async function inspectGpu(smi: NvidiaSmi, root: string, index: number, status?: GpuStatus): Promise<GpuReport> {
  const snapshot = await readGpuSnapshot(smi, index, status ? { status } : {});
  const model = findModel(snapshot.name);
  const uuids: Record<string, string> = {};
  if (snapshot.gpuInstances.length > 0) {
    for (const d of await smi.migDevices(index)) uuids[`${d.giId}/${d.ciId}`] = d.uuid;
  }
  const journalsOf = (files: string[]): ReturnType<typeof readJournal>[] =>
    files.flatMap((f) => {
      try {
        const j = readJournal(f);
        return j.begin.gpu.uuid === snapshot.uuid ? [j] : [];
      } catch {
        return [];
      }
    });
  return {
    snapshot,
    ...(model ? { model: model.id } : {}),
    ...(model?.mig ? { memorySlots: model.mig.memorySlots } : {}),
    uuids,
    lock: readLock(lockPath(root, snapshot.uuid)),
    kept: journalsOf(keptJournalFiles(root)).map((j) => ({ wanted: j.begin.wanted, by: j.begin.owner.runId, at: j.begin.at })),
    unfinished: journalsOf(openJournalFiles(root)).map((j) => j.file),
  };
}
