/**
 * What every runtime shares: the checks of a group before anything is touched, the out-of-memory
 * patterns, the timers, and the pipe from a workload's output streams to its log file and the hooks.
 */
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { LineSplitter, type LogWriter, type Segment, type StreamName } from "./log-writer.js";
import type { GroupHooks, InstanceState, InstanceStatus } from "./types.js";

/**
 * Lines by which the common frameworks announce that device (or host) memory ran out. A non-zero exit
 * after one of them is reported as "oom": on a small MIG slice that is the usual failure, and it is a
 * property of the placement, not a bug in the workload.
 */
export const OUT_OF_MEMORY_PATTERNS: readonly RegExp[] = [
  /CUDA out of memory/i, // PyTorch
  /\bOutOfMemoryError\b/, // torch.cuda.OutOfMemoryError, java.lang.OutOfMemoryError
  /CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation/, // driver / runtime API
  /\bOOM when allocating tensor\b|ResourceExhaustedError/, // TensorFlow
  /\bCUBLAS_STATUS_ALLOC_FAILED\b/,
];

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer timeouts are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const iso = (date: Date): string => date.toISOString();
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** setTimeout that tolerates delays beyond ~24.8 days; the timer is kept in `timers` so it can be cleared. */
export function after(timers: Set<NodeJS.Timeout>, ms: number, action: () => void): void {
  const step = Math.min(ms, MAX_TIMER_MS);
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (ms > step) after(timers, ms - step, action);
    else action();
  }, step);
  timers.add(timer);
}

export function clearTimers(timers: Set<NodeJS.Timeout>): void {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
}

/** Problems of the group as a whole or of single specs, found before anything is touched. */
export function findGroupProblems(
  specs: readonly { instanceId: string; logFile: string; command: readonly string[]; timeoutSeconds?: number }[],
): (string | null)[] {
  const ids = new Set<string>();
  const logs = new Set<string>();
  return specs.map((spec) => {
    let problem: string | null = null;
    if (spec.instanceId.length === 0) problem = "empty instanceId";
    else if (ids.has(spec.instanceId)) problem = `duplicate instanceId ${spec.instanceId} in the group`;
    else if (logs.has(spec.logFile)) problem = `log file ${spec.logFile} is used by another instance of the group`;
    else if (spec.command.length === 0 || !spec.command[0]) problem = "empty command";
    else if (spec.timeoutSeconds !== undefined && !(spec.timeoutSeconds > 0 && Number.isFinite(spec.timeoutSeconds))) {
      problem = `timeoutSeconds must be a positive number, got ${spec.timeoutSeconds}`;
    }
    ids.add(spec.instanceId);
    logs.add(spec.logFile);
    return problem;
  });
}

/** Calls a hook without letting it hurt the instance; the first few failures become notes. */
export function callHook(notes: string[], name: string, call: () => void): void {
  try {
    call();
  } catch (error) {
    if (notes.length < 5) notes.push(`${name} hook threw: ${errorText(error)}`);
  }
}

export function reportState(hooks: GroupHooks, notes: string[], instanceId: string, state: InstanceState, at = new Date()): void {
  if (hooks.onState) callHook(notes, "onState", () => hooks.onState?.(instanceId, state, at));
}

export interface PipeTarget {
  readonly instanceId: string;
  readonly log: LogWriter;
  readonly hooks: GroupHooks;
  /** Notes for the outcome (a throwing hook). */
  readonly notes: string[];
  /** Called with the arrival time of every chunk (the first one marks the first output). */
  onData(at: number): void;
  /** Called when a line matches one of OUT_OF_MEMORY_PATTERNS. */
  onOutOfMemory(): void;
}

/**
 * Streams stdout and stderr line by line to the log and the hook, with backpressure from the log file:
 * when the file falls behind, `sources` are paused (the streams themselves, or whatever feeds them, such
 * as a container's multiplexed connection). Resolves when both streams ended and every line was written.
 */
export function pipeToLog(target: PipeTarget, streams: readonly (readonly [StreamName, Readable | null])[], sources: readonly Readable[]): Promise<void> {
  const { log, hooks } = target;
  let paused = false;
  let outOfMemory = false;
  const write = (stream: StreamName, segment: Segment) => {
    if (!log.write(segment.at, stream, segment.text) && !paused) {
      paused = true;
      for (const source of sources) source.pause();
      log.onDrain(() => {
        paused = false;
        for (const source of sources) source.resume();
      });
    }
    if (!outOfMemory && OUT_OF_MEMORY_PATTERNS.some((pattern) => pattern.test(segment.text))) {
      outOfMemory = true;
      target.onOutOfMemory();
    }
    if (hooks.onLine) callHook(target.notes, "onLine", () => hooks.onLine?.(target.instanceId, stream, segment.text, new Date(segment.at)));
  };
  return Promise.all(
    streams.map(
      ([stream, readable]) =>
        new Promise<void>((resolve) => {
          if (!readable) return resolve();
          const decoder = new StringDecoder("utf8");
          const splitter = new LineSplitter();
          let ended = false;
          const end = () => {
            if (ended) return;
            ended = true;
            for (const segment of splitter.push(decoder.end(), Date.now())) write(stream, segment);
            for (const segment of splitter.flush()) write(stream, segment);
            resolve();
          };
          readable.on("data", (chunk: Buffer) => {
            const at = Date.now();
            target.onData(at);
            for (const segment of splitter.push(decoder.write(chunk), at)) write(stream, segment);
          });
          readable.once("end", end);
          readable.once("close", end);
          readable.once("error", end);
        }),
    ),
  ).then(() => undefined);
}

export interface Verdict {
  status: InstanceStatus;
  message?: string;
}

/**
 * The outcomes the harness itself decided, in the order every runtime checks them: a problem found
 * while preparing, a cancellation, a workload that never started, a timeout. Null when the workload's
 * own ending decides (each runtime reads that its own way).
 */
export function harnessVerdict(facts: {
  problem: string | null;
  stopReason: "cancelled" | "timeout" | null;
  started: boolean;
  startedAt: Date | null;
  timeoutSeconds?: number;
  neverStarted: () => string;
}): Verdict | null {
  if (facts.problem !== null) return { status: "error", message: facts.problem };
  if (facts.stopReason === "cancelled") return { status: "cancelled", message: facts.startedAt ? "cancelled" : "cancelled before start" };
  if (!facts.started) return { status: "error", message: facts.neverStarted() };
  if (facts.stopReason === "timeout") return { status: "timeout", message: `killed after ${facts.timeoutSeconds} s timeout` };
  return null;
}
