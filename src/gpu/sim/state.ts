/**
 * The simulated host's state: one JSON file (named by MIGBENCH_SIM_STATE) that every `nvidia-smi`
 * invocation reads, and that the mutating ones rewrite under a lock.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { findModel } from "../catalog/index.js";
import * as z from "zod/mini";
import { SimFault } from "./fault-schema.js";

const id = z.int().check(z.minimum(0));
const nonEmpty = z.string().check(z.minLength(1));
export const MigModeValue = z.enum(["Enabled", "Disabled"]);
export type MigModeValue = z.infer<typeof MigModeValue>;

export const SimComputeInstance = z.object({
  id,
  profileId: id,
  /** First compute slice inside the GPU instance. */
  start: id,
  uuid: z.string().check(z.regex(/^MIG-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/)),
});

export const SimGpuInstance = z.object({
  id,
  profileId: id,
  /** First memory slot. */
  start: id,
  computeInstances: z.array(SimComputeInstance),
});

export const SimProcess = z.object({
  pid: z.int().check(z.minimum(1)),
  name: nonEmpty,
  usedMemoryMiB: id,
  /** The MIG device the process runs on, when it runs on one (it then blocks destroying that instance). */
  gpuInstanceId: z.optional(id),
  computeInstanceId: z.optional(id),
});

export const SimGpu = z.object({
  index: id,
  /** Catalog id of the model. */
  model: z.string().check(z.refine((m) => findModel(m) !== undefined, "unknown GPU model")),
  /** The name nvidia-smi prints. */
  name: nonEmpty,
  uuid: z.string().check(z.regex(/^GPU-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/)),
  pciBusId: z.string().check(z.regex(/^[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-9A-F]$/)),
  serial: nonEmpty,
  vbios: nonEmpty,
  migMode: z.object({ current: MigModeValue, pending: MigModeValue }),
  gpuInstances: z.array(SimGpuInstance),
  processes: z.array(SimProcess),
  /** Makes each GPU's telemetry curve its own. */
  telemetrySeed: id,
  /** A MIG mode change waits for a GPU reset even when no process holds the GPU (some boards and drivers). */
  migModeChangeNeedsReset: z.optional(z.boolean()),
  /** False where `--gpu-reset` is refused (virtual machines): `Resetting GPU … is not supported.` */
  resetSupported: z.optional(z.boolean()),
});

export const SimState = z.object({
  version: z.literal(1),
  driverVersion: z.string().check(z.regex(/^\d+\.\d+(\.\d+)?$/)),
  cudaVersion: z.string().check(z.regex(/^\d+\.\d+$/)),
  gpus: z.array(SimGpu),
  /** Injected failures (src/gpu/sim/faults.ts), so that error paths run for real. */
  faults: z.optional(z.array(SimFault)),
  /** How many times each faulted command has run, keyed by the option that names it (`-cgi`). */
  faultCalls: z.optional(z.record(z.string(), id)),
});

export type SimComputeInstance = z.infer<typeof SimComputeInstance>;
export type SimGpuInstance = z.infer<typeof SimGpuInstance>;
export type SimProcess = z.infer<typeof SimProcess>;
export type SimGpu = z.infer<typeof SimGpu>;
export type SimState = z.infer<typeof SimState>;

const TYPE_NAMES: Readonly<Record<string, string>> = { string: "a string", number: "a whole number", int: "a whole number", boolean: "true or false", array: "an array", object: "an object" };

/** zod/mini has no messages of its own unless a locale is loaded for the whole process: the tool's are these. */
function messageFor(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case "too_small":
      return issue.origin === "string" ? "expected a non-empty string" : `expected a whole number >= ${String(issue.minimum)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex" ? `expected a string matching ${String(issue.pattern)}` : undefined;
    default:
      return undefined;
  }
}

/** Every problem as `path: what is wrong`; an unknown field is listed under its own name. */
function problems(error: z.core.$ZodError): string[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `${[...at, key].join(".")}: unknown field`);
    // The input is reported (reportInput) only to tell a missing field from a wrong one.
    return [`${at.join(".") || "(root)"}: ${issue.input === undefined ? "required" : issue.message}`];
  });
}

/** A state file that is missing, unreadable or not a valid state. */
export class SimStateError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`migbench sim: state file ${file}: ${detail}`);
    this.name = "SimStateError";
  }
}

export function parseSimState(file: string, text: string): SimState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SimStateError(file, `not JSON (${(error as Error).message})`);
  }
  return checkedState(file, json);
}

/** The state when `state` is a valid one (a copy, without unknown fields); a SimStateError listing every problem otherwise. */
export function checkedState(file: string, state: unknown): SimState {
  const result = z.safeParse(SimState, state, { error: messageFor, reportInput: true });
  if (!result.success) throw new SimStateError(file, `invalid: ${problems(result.error).join("; ")}`);
  return result.data;
}

export function readSimState(file: string): SimState {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SimStateError(file, (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist (create one with `bench sim init`)" : (error as Error).message);
  }
  return parseSimState(file, text);
}

/** Writes through a temp file and a rename, so a reader never sees half a file. */
function writeAtomically(file: string, state: SimState): void {
  const valid = checkedState(file, state);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, JSON.stringify(valid, null, 2) + "\n");
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

const LOCK_RETRY_MS = 10;
const LOCK_WAIT_MS = 15_000;
/** Holders keep the lock for milliseconds; one this old, or whose holder is gone, was left by a killed process. */
const LOCK_STALE_MS = 10_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number): void => void Atomics.wait(sleeper, 0, 0, ms);

/** Lock files this process holds, so that a nested write under the same lock does not wait for itself. */
const held = new Set<string>();

/** Runs `fn` holding `<file>.lock` (created with O_EXCL, holding the holder's pid), so that concurrent invocations serialize. */
export function withSimLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  if (held.has(lock)) return fn();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (isStale(lock)) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new SimStateError(file, `could not take the lock ${lock} within ${LOCK_WAIT_MS} ms`);
      else sleepSync(LOCK_RETRY_MS + Math.random() * LOCK_RETRY_MS);
    }
  }
  held.add(lock);
  try {
    return fn();
  } finally {
    held.delete(lock);
    rmSync(lock, { force: true });
  }
}

function isStale(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(readFileSync(lock, "utf8"));
    return pid > 0 && !isAlive(pid);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function writeSimState(file: string, state: SimState): void {
  withSimLock(file, () => writeAtomically(file, state));
}

/** Read, change and write back under one lock: two concurrent invocations never lose an update. */
export function updateSimState<T>(file: string, change: (state: SimState) => T): T {
  return withSimLock(file, () => {
    const state = readSimState(file);
    const result = change(state);
    writeAtomically(file, state);
    return result;
  });
}
