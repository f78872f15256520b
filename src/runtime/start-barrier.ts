/**
 * The workload start barrier: a fair start for workloads whose own start-up (Node's, Python's and
 * PyTorch's imports, loading a model onto the device) takes long and varies, which neither a tight spawn
 * loop nor the containers' start gate can even out: both release the program, not its measured work.
 *
 * A workload that opts in (the scenario's `startBarrier`) gets two paths in its environment:
 * - MIGBENCH_READY_FILE: it creates this file once it is initialised and about to start its measured work;
 * - MIGBENCH_GO_FIFO: then it opens this FIFO for reading, which blocks until the harness releases it.
 * The harness watches the ready folder; once every participant is ready or has ended (or the timeout has
 * passed), it opens the FIFO itself (read-write, which never blocks on Linux), and every open waiting on
 * it returns at the same instant. It keeps the FIFO open until the group ends, so that a workload getting
 * ready after the release is not held. A workload without the variables starts at once, as before.
 */
import { closeSync, constants, openSync, readdirSync, watch, type FSWatcher } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { errorText, iso } from "./common.js";
import type { GroupHooks, InstanceBarrier, LaunchSpec } from "./types.js";

export const READY_FILE_VARIABLE = "MIGBENCH_READY_FILE";
export const GO_FIFO_VARIABLE = "MIGBENCH_GO_FIFO";
/** Where the barrier's folder appears inside a container (read-write: the workload creates its ready file). */
export const BARRIER_MOUNT = "/.migbench-barrier";
/** Model loading on a busy GPU can take minutes; a workload that never gets ready is released after this. */
export const DEFAULT_BARRIER_TIMEOUT_SECONDS = 600;
const FIFO = "go";
const READY_DIR = "ready";

/** The variables a participant sees; `root` is where the barrier's folder appears to it. */
export function barrierEnvironment(instanceId: string, root: string): Record<string, string> {
  return { [READY_FILE_VARIABLE]: path.posix.join(root, READY_DIR, instanceId), [GO_FIFO_VARIABLE]: path.posix.join(root, FIFO) };
}

export class StartBarrier {
  private readonly ready = new Map<string, Date>();
  private readonly firstOutputAfterRelease = new Map<string, Date>();
  private readonly waiting: Set<string>;
  private readonly watcher: FSWatcher;
  private fd: number | null = null;
  private settle: (() => void) | null = null;
  /** When the participants were released; null until then (and for good when the group was cancelled first). */
  releasedAt: Date | null = null;
  /** The release came from the timeout, not from every participant being ready or gone. */
  private timedOutAfterMs: number | null = null;

  private constructor(
    readonly hostDir: string,
    readonly participants: readonly string[],
  ) {
    this.waiting = new Set(participants);
    // inotify: the moment a ready file appears, without polling. A dropped or nameless event costs
    // nothing: every event rescans the (small) folder.
    this.watcher = watch(path.join(hostDir, READY_DIR), () => this.scan());
    this.watcher.on("error", () => this.watcher.close());
  }

  /** A folder with the FIFO and an empty ready folder, usable by any user a container may run as. */
  static async create(participants: readonly string[]): Promise<StartBarrier> {
    const dir = await mkdtemp(path.join(tmpdir(), "migbench-barrier-"));
    try {
      await chmod(dir, 0o755);
      await mkdir(path.join(dir, READY_DIR));
      // World-writable: a container's user is whatever its image says. A stray file there can only release
      // the group early, as the timeout would.
      await chmod(path.join(dir, READY_DIR), 0o777);
      // Node has no mkfifo; coreutils' is on every Linux host (start-gate.ts uses it too).
      await execa("mkfifo", ["-m", "0644", path.join(dir, FIFO)]);
      return new StartBarrier(dir, participants);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private scan(): void {
    let names: string[];
    try {
      names = readdirSync(path.join(this.hostDir, READY_DIR));
    } catch {
      return; // removed by close()
    }
    const now = new Date();
    for (const name of names) {
      if (!this.participants.includes(name) || this.ready.has(name)) continue;
      this.ready.set(name, now);
      this.leave(name);
    }
  }

  /** A participant no longer waited for: ready, ended, or never started. */
  leave(instanceId: string): void {
    this.waiting.delete(instanceId);
    if (this.waiting.size === 0) this.settle?.();
  }

  /**
   * Waits until every participant is ready or gone, or `timeoutMs` has passed, then releases them all.
   * Resolves with the release; null when `signal` aborted first (the instances are being killed, and
   * are not released into their measured work).
   */
  async releaseWhenReady(timeoutMs: number, signal?: AbortSignal): Promise<Date | null> {
    this.scan();
    if (this.waiting.size > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.timedOutAfterMs = timeoutMs;
          this.settle?.();
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          this.settle = null;
          resolve();
        };
        this.settle = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    }
    if (signal?.aborted) return null;
    this.releasedAt = new Date();
    // O_RDWR: the open never blocks, and it wakes every open(O_RDONLY) waiting for a writer at once.
    this.fd = openSync(path.join(this.hostDir, FIFO), constants.O_RDWR | constants.O_NONBLOCK);
    return this.releasedAt;
  }

  /**
   * Arms the group's barrier once its instances started: released when all are ready or gone, or after the
   * longest timeout any of them asks for. A failed release is told, not thrown: the instances' own
   * timeouts end them.
   */
  start(specs: readonly LaunchSpec[], hooks: Pick<GroupHooks, "signal" | "onNotice">): void {
    const seconds = Math.max(...specs.map((spec) => (spec.startBarrier ? (spec.startBarrier.timeoutSeconds ?? DEFAULT_BARRIER_TIMEOUT_SECONDS) : 0)));
    this.releaseWhenReady(seconds * 1000, hooks.signal).catch((error: unknown) => {
      hooks.onNotice?.(`the start barrier could not release its workloads: ${errorText(error)}`);
    });
  }

  readyAt(instanceId: string): Date | null {
    return this.ready.get(instanceId) ?? null;
  }

  /** Not ready when released: released without having said so (timeout), or ended before it was ready. */
  missed(instanceId: string): boolean {
    const ready = this.readyAt(instanceId);
    return this.releasedAt !== null && (ready === null || ready > this.releasedAt);
  }

  /** The outcome's note for a participant the timeout released before it was ready; null for the others. */
  note(instanceId: string): string | null {
    if (this.timedOutAfterMs === null || !this.missed(instanceId)) return null;
    return `not ready at the start barrier, which released the group after its ${this.timedOutAfterMs / 1000} s timeout`;
  }

  /** A participant printed at `at` (epoch ms): its first output at or after the release starts its work. */
  output(instanceId: string, at: number): void {
    if (this.releasedAt !== null && at >= this.releasedAt.getTime() && !this.firstOutputAfterRelease.has(instanceId)) {
      this.firstOutputAfterRelease.set(instanceId, new Date(at));
    }
  }

  /** What an outcome records. */
  record(instanceId: string): InstanceBarrier {
    const ready = this.readyAt(instanceId);
    const firstOutput = this.firstOutputAfterRelease.get(instanceId);
    return {
      readyAt: ready ? iso(ready) : null,
      releasedAt: this.releasedAt ? iso(this.releasedAt) : null,
      firstOutputAt: firstOutput ? iso(firstOutput) : null,
    };
  }

  /** Stops watching, closes the FIFO and removes the folder. */
  async close(): Promise<void> {
    this.watcher.close();
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    await rm(this.hostDir, { recursive: true, force: true });
  }
}

/** The group's start barrier, when a spec asks for one; null (they start at once) when none does or it cannot be made. */
export async function createBarrier(specs: readonly LaunchSpec[], hooks: Pick<GroupHooks, "onNotice">): Promise<StartBarrier | null> {
  const participants = specs.filter((spec) => spec.startBarrier).map((spec) => spec.instanceId);
  if (participants.length === 0) return null;
  return StartBarrier.create(participants).catch((error: unknown) => {
    hooks.onNotice?.(`start barrier unavailable, workloads start without it: ${errorText(error)}`);
    return null;
  });
}
