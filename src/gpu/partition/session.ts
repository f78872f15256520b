/**
 * One partitioning session on one GPU, for `bench run` and `bench partition apply`: lock the GPU (by
 * UUID), snapshot it, preflight, journal every change of apply, and restore (or keep, for a layout
 * applied by hand) before releasing the lock. If the GPU cannot be restored, the lock stays behind:
 * once this process is gone it is stale, and the next run on the GPU is told to run `bench cleanup`.
 */
import { EnvironmentError } from "../../errors.js";
import { NvidiaSmiError, together, type GpuStatus, type NvidiaSmi } from "../nvidia-smi/index.js";
import { applyLayout } from "./apply.js";
import { Journal, readJournal, type Purpose } from "./journal.js";
import { acquireGpuLock, type GpuLock } from "./lock.js";
import { currentOwner, type ProcessOwner } from "./owner.js";
import { assertPreflight, preflight, type PreflightOptions, type PreflightReport } from "./preflight.js";
import { restoreGpu } from "./restore.js";
import { findGpu, readGpuSnapshot } from "./snapshot.js";
import type { AppliedLayout, GpuSnapshot, WantedLayout } from "./types.js";
import { describeWanted } from "./wanted.js";

export interface SessionOptions {
  readonly smi: NvidiaSmi;
  /** The state folder (locks and journals). */
  readonly root: string;
  readonly gpuIndex: number;
  readonly runId: string;
  readonly purpose: Purpose;
  readonly command?: readonly string[];
  readonly waitLock?: boolean;
  readonly allowGpuReset?: boolean;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** Who the lock and journal name; this process by default. */
  readonly owner?: ProcessOwner;
  /**
   * The GPU's listing, when the caller started it earlier (a run starts it while it writes its first
   * records): its result finds the GPU to lock, as the session's own listing would.
   */
  readonly listing?: Promise<GpuStatus>;
}

export class PartitionSession {
  private journal: Journal | undefined;
  private applied: AppliedLayout | undefined;
  /** The GPU could not be put back: keep the lock so that nobody builds on it before `bench cleanup`. */
  private dirty = false;

  private constructor(
    private readonly options: SessionOptions,
    private readonly owner: ProcessOwner,
    private readonly lock: GpuLock,
    readonly snapshot: GpuSnapshot,
  ) {}

  /** Locks the GPU and takes its snapshot; nothing is changed. */
  static async open(options: SessionOptions): Promise<PartitionSession> {
    return (await PartitionSession.openWith(options, () => Promise.resolve(undefined))).session;
  }

  /**
   * `open`, with other reads of the GPU (a run's board facts) run beside the snapshot once the lock is
   * held: one round of nvidia-smi calls instead of two, all of them ended before the session goes on.
   * A read that fails fails the open, as the snapshot's would.
   */
  static async openWith<T>(options: SessionOptions, beside: () => Promise<T>): Promise<{ session: PartitionSession; beside: T }> {
    const gpu = await (options.listing ?? findGpu(options.smi, options.gpuIndex));
    const owner = options.owner ?? currentOwner(options.runId, options.command);
    const lock = await acquireGpuLock(options.root, { uuid: gpu.uuid, index: gpu.index, name: gpu.name }, owner, {
      wait: options.waitLock ?? false,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { onWait: options.log } : {}),
    });
    try {
      // Read again under the lock: the GPU may have changed while this session waited for it.
      const [snapshot, read] = await together([readGpuSnapshot(options.smi, options.gpuIndex, options.waitLock ? {} : { status: gpu }), beside()]);
      return { session: new PartitionSession(options, owner, lock, snapshot), beside: read };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Stops (exit 3, GPU untouched) when the GPU cannot take the layout; returns warnings and planned changes. */
  preflight(wanted: WantedLayout, options: PreflightOptions = {}): PreflightReport {
    const report = preflight(this.snapshot, wanted, { ...options, allowGpuReset: this.options.allowGpuReset ?? false });
    assertPreflight(report, this.snapshot);
    return report;
  }

  async apply(wanted: WantedLayout): Promise<AppliedLayout> {
    const { smi, root, purpose } = this.options;
    const journal = Journal.create(root, {
      owner: this.owner,
      gpu: { uuid: this.snapshot.uuid, index: this.snapshot.index, name: this.snapshot.name },
      purpose,
      wanted: describeWanted(wanted),
      snapshot: this.snapshot,
    });
    this.journal = journal;
    const log = this.options.log ?? (() => undefined);
    try {
      this.applied = await applyLayout(
        { smi, journal, index: this.snapshot.index, log, allowGpuReset: this.options.allowGpuReset ?? false, records: () => readJournal(journal.file).records },
        this.snapshot,
        wanted,
      );
    } catch (error) {
      // A driver failure is the environment's (exit 3); the caller restores the GPU.
      throw error instanceof NvidiaSmiError ? new EnvironmentError(`partitioning GPU ${this.snapshot.index} failed: ${error.message}`) : error;
    }
    return this.applied;
  }

  /** Undoes every change of apply; returns what could not be put back (empty when the GPU is as found). */
  async restore(): Promise<string[]> {
    const journal = this.journal;
    if (!journal) return [];
    this.journal = undefined;
    const records = (): ReturnType<typeof readJournal>["records"] => readJournal(journal.file).records;
    if (!records().some((r) => r.type === "intent")) {
      journal.finish("nothing-changed");
      return [];
    }
    const report = await restoreGpu(
      { smi: this.options.smi, journal, index: this.snapshot.index, log: this.options.log ?? (() => undefined) },
      this.snapshot,
      records,
      { allowGpuReset: this.options.allowGpuReset ?? false, ...(this.applied?.readBack ? { known: this.applied.readBack } : {}) },
    ).catch((error: unknown) => ({ restored: false, problems: [error instanceof Error ? error.message : String(error)], after: null }));
    if (report.restored) {
      journal.finish("restored");
      return [];
    }
    this.dirty = true;
    return [...report.problems, `the journal ${journal.file} keeps what is left; \`bench cleanup\` retries once this process has ended`];
  }

  /** Leaves the applied layout in place on purpose (by-hand apply); `bench partition reset` undoes it later. */
  keep(): void {
    const journal = this.journal;
    if (!journal) return;
    this.journal = undefined;
    const changed = readJournal(journal.file).records.some((r) => r.type === "intent");
    journal.finish(changed ? "kept" : "nothing-changed");
  }

  /** Releases the lock, unless the GPU could not be restored. */
  release(): void {
    if (!this.dirty) this.lock.release();
  }

  get lockFile(): string {
    return this.lock.file;
  }
}
