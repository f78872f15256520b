/**
 * One lock per GPU (by UUID, which survives re-indexing), so that two runs never partition the same GPU
 * at once. The lock is a file created atomically with its content (written aside, then hard-linked into
 * place: the link fails when a lock exists), naming its holder. A lock whose holder is gone is stale:
 * it is reported with what to do, never taken over silently, because its holder may have left the GPU
 * partitioned (`bench cleanup` restores the GPU, then clears it).
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { EnvironmentError } from "../../errors.js";
import { describeOwner, ownerStatus, ProcessOwner, type OwnerStatus } from "./owner.js";
import { locksDir } from "./state-dir.js";

export const GpuRef = z.object({ uuid: z.string().min(1), index: z.number().int().nonnegative(), name: z.string() });
export type GpuRef = z.infer<typeof GpuRef>;

export const LockFile = z.object({ version: z.literal(1), gpu: GpuRef, owner: ProcessOwner });
export type LockFile = z.infer<typeof LockFile>;

const safeName = (uuid: string): string => uuid.replace(/[^A-Za-z0-9._-]/g, "_");
export const lockPath = (root: string, uuid: string): string => path.join(locksDir(root), `${safeName(uuid)}.lock`);

export type LockState = { kind: "free" } | { kind: "held"; lock: LockFile; status: OwnerStatus } | { kind: "unreadable"; file: string; problem: string };

export function readLock(file: string): LockState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "free" };
    return { kind: "unreadable", file, problem: (error as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: "unreadable", file, problem: `not JSON (${(error as Error).message})` };
  }
  const parsed = LockFile.safeParse(json);
  if (!parsed.success) return { kind: "unreadable", file, problem: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { kind: "held", lock: parsed.data, status: ownerStatus(parsed.data.owner) };
}

/** Every lock file in the state folder, with its state. */
export function listLocks(root: string): { file: string; state: LockState }[] {
  let names: string[];
  try {
    names = readdirSync(locksDir(root)).filter((n) => n.endsWith(".lock"));
  } catch {
    return [];
  }
  return names.map((n) => path.join(locksDir(root), n)).map((file) => ({ file, state: readLock(file) }));
}

/** Why a lock stops a run, and what to do about it. */
export function lockProblem(gpu: GpuRef, state: Exclude<LockState, { kind: "free" }>): string {
  const which = `GPU ${gpu.index} (${gpu.uuid})`;
  if (state.kind === "unreadable") return `${which} has a lock file migbench cannot read (${state.file}: ${state.problem}); if no run uses the GPU, remove it by hand`;
  const holder = describeOwner(state.lock.owner);
  switch (state.status) {
    case "alive":
      return `${which} is in use by ${holder}; wait for it to finish, or pass --wait-lock to queue behind it`;
    case "dead":
      return `${which} is locked by ${holder}, which is no longer running (stale lock); it may have left the GPU partitioned: run \`bench cleanup\` to restore the GPU and clear the lock`;
    case "other-host":
      return `${which} is locked by ${holder} on another host sharing this state folder; migbench cannot tell from here whether it still runs: check that host, and run \`bench cleanup\` there`;
  }
}

export class GpuLockError extends EnvironmentError {
  constructor(
    message: string,
    readonly state: Exclude<LockState, { kind: "free" }>,
  ) {
    super(message);
  }
}

/** A held lock; `release` removes it only while it is still this holder's. */
export class GpuLock {
  constructor(
    readonly file: string,
    readonly content: LockFile,
  ) {}

  release(): void {
    const now = readLock(this.file);
    if (now.kind === "held" && now.lock.owner.runId === this.content.owner.runId && now.lock.owner.pid === this.content.owner.pid) {
      rmSync(this.file, { force: true });
    }
  }
}

export interface AcquireOptions {
  /** Wait for a live holder to finish instead of failing at once. */
  readonly wait?: boolean;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  /** Told once when the lock is busy and the caller waits. */
  readonly onWait?: (problem: string) => void;
}

/** Creates the lock file atomically with its content; false when a lock already exists. */
function tryCreate(file: string, content: LockFile): boolean {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, JSON.stringify(content, null, 2) + "\n");
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

export async function acquireGpuLock(root: string, gpu: GpuRef, owner: ProcessOwner, options: AcquireOptions = {}): Promise<GpuLock> {
  const file = lockPath(root, gpu.uuid);
  const content: LockFile = { version: 1, gpu, owner };
  let told = false;
  for (;;) {
    if (tryCreate(file, content)) return new GpuLock(file, content);
    const state = readLock(file);
    if (state.kind === "free") continue; // released between our try and our look
    const problem = lockProblem(gpu, state);
    const waitable = state.kind === "held" && state.status === "alive";
    if (!waitable || !options.wait) throw new GpuLockError(problem, state);
    if (options.signal?.aborted) throw new GpuLockError(`stopped while waiting: ${problem}`, state);
    if (!told) options.onWait?.(`waiting: ${problem.replace(/; wait for it.*$/, "")}`);
    told = true;
    await sleep(options.pollMs ?? 500, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
  }
}

/**
 * Removes a stale lock (its holder is dead) after `bench cleanup` dealt with what the holder left; a
 * lock that changed hands meanwhile stays.
 */
export function removeStaleLock(file: string, expected: LockFile): boolean {
  const now = readLock(file);
  if (now.kind !== "held" || now.status !== "dead") return false;
  if (now.lock.owner.runId !== expected.owner.runId || now.lock.owner.pid !== expected.owner.pid) return false;
  rmSync(file, { force: true });
  return true;
}
