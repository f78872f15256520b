/**
 * `bench cleanup`: finds the journals of sessions that ended without restoring their GPU (killed,
 * crashed, or unable to undo), and whose process is gone; restores each GPU from its journal; clears
 * the stale locks they left. A session still running, or one on another host, is left alone and
 * reported. Idempotent: a second cleanup finds nothing to do.
 */
import type { NvidiaSmi } from "../nvidia-smi/index.js";
import { Journal, openJournalFiles, readJournal, type JournalContents } from "./journal.js";
import { listLocks, lockPath, readLock, removeStaleLock } from "./lock.js";
import { describeOwner, ownerStatus } from "./owner.js";
import { restoreGpu } from "./restore.js";
import { locateGpu } from "./snapshot.js";

export interface CleanupOptions {
  readonly smi: NvidiaSmi;
  readonly root: string;
  readonly allowGpuReset?: boolean;
  readonly log?: (line: string) => void;
}

export interface CleanupEntry {
  readonly journal: string;
  readonly gpu: string;
  readonly owner: string;
  readonly outcome: "restored" | "skipped" | "failed";
  readonly details: readonly string[];
}

export interface CleanupReport {
  readonly entries: readonly CleanupEntry[];
  readonly locksCleared: readonly string[];
  /** Locks left in place, with why. */
  readonly locksKept: readonly string[];
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function cleanup(options: CleanupOptions): Promise<CleanupReport> {
  const log = options.log ?? (() => undefined);
  const entries: CleanupEntry[] = [];
  const locksCleared: string[] = [];
  for (const file of openJournalFiles(options.root)) {
    let contents: JournalContents;
    try {
      contents = readJournal(file);
    } catch (error) {
      entries.push({ journal: file, gpu: "?", owner: "?", outcome: "failed", details: [`${messageOf(error)}; move it aside by hand once the GPU is checked`] });
      continue;
    }
    const entry = await cleanupOne(options, contents, log);
    entries.push(entry);
    if (entry.outcome === "restored") {
      const lockFile = lockPath(options.root, contents.begin.gpu.uuid);
      const state = readLock(lockFile);
      if (state.kind === "held" && state.lock.owner.runId === contents.begin.owner.runId && removeStaleLock(lockFile, state.lock)) {
        locksCleared.push(`${lockFile} (${describeOwner(state.lock.owner)})`);
      }
    }
  }
  // Stale locks with nothing to undo: their run died before changing anything, or after restoring.
  const locksKept: string[] = [];
  const dirtyGpus = new Set(entries.filter((e) => e.outcome !== "restored").map((e) => e.gpu));
  for (const { file, state } of listLocks(options.root)) {
    if (state.kind === "free") continue;
    if (state.kind === "unreadable") {
      locksKept.push(`${file}: unreadable (${state.problem}); remove it by hand if no run uses the GPU`);
      continue;
    }
    const who = describeOwner(state.lock.owner);
    if (state.status !== "dead") {
      locksKept.push(`${file}: held by ${who}${state.status === "alive" ? ", still running" : ", on another host"}`);
    } else if (dirtyGpus.has(state.lock.gpu.uuid)) {
      locksKept.push(`${file}: ${who} left changes that could not be undone; the lock stays until they are`);
    } else if (removeStaleLock(file, state.lock)) {
      locksCleared.push(`${file} (${who})`);
    }
  }
  return { entries, locksCleared, locksKept };
}

async function cleanupOne(options: CleanupOptions, contents: JournalContents, log: (line: string) => void): Promise<CleanupEntry> {
  const { begin } = contents;
  const base = { journal: contents.file, gpu: begin.gpu.uuid, owner: describeOwner(begin.owner) };
  const status = ownerStatus(begin.owner);
  if (status === "alive") return { ...base, outcome: "skipped", details: ["its run is still going; it restores the GPU itself"] };
  if (status === "other-host") return { ...base, outcome: "skipped", details: [`it ran on ${begin.owner.hostname}; run \`bench cleanup\` there`] };
  const lock = readLock(lockPath(options.root, begin.gpu.uuid));
  if (lock.kind === "held" && lock.lock.owner.runId !== begin.owner.runId && lock.status === "alive") {
    return { ...base, outcome: "skipped", details: [`the GPU is now in use by ${describeOwner(lock.lock.owner)}; run cleanup again after it`] };
  }
  try {
    const gpu = await locateGpu(options.smi, begin.gpu.uuid);
    if (!gpu) return { ...base, outcome: "failed", details: [`GPU ${begin.gpu.uuid} (${begin.gpu.name}) is not on this host now`] };
    log(`cleanup: restoring GPU ${gpu.index} (${gpu.uuid}) as ${describeOwner(begin.owner)} found it`);
    const journal = Journal.resume(options.root, contents);
    journal.note(`bench cleanup (pid ${process.pid}) restores the GPU`);
    const report = await restoreGpu({ smi: options.smi, journal, index: gpu.index, log }, begin.snapshot, () => readJournal(journal.file).records, {
      allowGpuReset: options.allowGpuReset ?? false,
    });
    if (!report.restored) return { ...base, outcome: "failed", details: [...report.problems] };
    journal.finish("restored");
    return { ...base, outcome: "restored", details: contents.unreadable.length > 0 ? [`ignored unreadable journal lines: ${contents.unreadable.join("; ")}`] : [] };
  } catch (error) {
    return { ...base, outcome: "failed", details: [messageOf(error)] };
  }
}
