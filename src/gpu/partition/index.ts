/**
 * The partition lifecycle, in small parts (after mig-parted's split of config, state and apply):
 * - snapshot: read a GPU's MIG mode, instances and processes; compare two states.
 * - preflight: what stops a run before anything changes (exit 3, GPU untouched).
 * - wanted / match / orders: the layout a run wants, whether a GPU has it, creation orders to try.
 * - apply / steps / restore: journaled changes, verify after create, undo and retry; undo from a journal.
 * - journal / lock / owner / state-dir: what survives a kill -9: intents on disk, one lock per GPU.
 * - session: lock + snapshot + preflight + apply + restore for `bench run` and `bench partition apply`.
 * - cleanup / reset: `bench cleanup` and `bench partition reset`.
 */
export type { AppliedLayout, GpuSnapshot, GpuInstanceState, ResolvedDevice, WantedLayout, WantedGpuInstance } from "./types.js";
export { readGpuSnapshot, findGpu, locateGpu, gpuStateDifferences, sameGpuState, describeInstance, describeProcesses } from "./snapshot.js";
export { preflight, assertPreflight, type PreflightOptions, type PreflightReport } from "./preflight.js";
export { wantedFromPlan, wantedFromEntries, describeWanted, type LayoutEntry } from "./wanted.js";
export { matchLayout, type LayoutMatch } from "./match.js";
export { creationCandidates, type CreationCandidate } from "./orders.js";
export { PartitionSession, type SessionOptions } from "./session.js";
export { cleanup, type CleanupOptions, type CleanupReport } from "./cleanup.js";
export { resetPartition, type ResetOptions, type ResetReport } from "./reset.js";
export { dryRun, type DryRun } from "./dry-run.js";
export { parseLayoutShorthand, looksLikeLayout } from "./shorthand.js";
export { stateDir, STATE_DIR_ENV } from "./state-dir.js";
export { listLocks, readLock, lockPath, type LockState } from "./lock.js";
export { describeOwner } from "./owner.js";
export { openJournalFiles, keptJournalFiles, readJournal } from "./journal.js";
export { inspectGpu, type GpuReport } from "./inspect.js";
