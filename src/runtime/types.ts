/**
 * The one interface every runtime implements (process now; docker and slurm later). The runner hands a
 * runtime a group of instances that must run together; the runtime prepares them all, starts them at
 * once, streams their output to log files, and reports one outcome per instance — never an exception
 * because one of them failed.
 */
import type { StreamName } from "./log-writer.js";

/** One copy of a workload pinned to one device. */
export interface LaunchSpec {
  /** e.g. "bert-base-squad.1"; unique within a group and safe for paths and container names. */
  readonly instanceId: string;
  /** Argument array, never a shell string. */
  readonly command: readonly string[];
  readonly cwd: string;
  /** Added to the environment (CUDA_VISIBLE_DEVICES is the runtime's: the device wins over this). */
  readonly env: Readonly<Record<string, string>>;
  /** The instance sees exactly this device: CUDA_VISIBLE_DEVICES = uuid. */
  readonly device: { readonly kind: "mig" | "gpu"; readonly uuid: string };
  /** Timestamped combined stdout/stderr log, created (truncated) by the runtime; see log-writer.ts. */
  readonly logFile: string;
  /** Kill the instance (its whole process tree) after this many seconds from its start. */
  readonly timeoutSeconds?: number;
  /** Used by container runtimes only. */
  readonly image?: string;
}

export type InstanceStatus = "ok" | "failed" | "timeout" | "oom" | "cancelled" | "error";

/** What happened to one instance. Times are ISO 8601 with milliseconds (UTC). */
export interface InstanceOutcome {
  instanceId: string;
  /**
   * ok: exited 0; failed: non-zero exit or killed by someone else; timeout / cancelled: killed by the
   * runtime; oom: ran out of (GPU or host) memory; error: never ran properly (bad spec, spawn error, log
   * file not writable).
   */
  status: InstanceStatus;
  exitCode: number | null;
  signal: string | null;
  /** When the runtime began preparing the instance. */
  createdAt: string;
  /** When the process (or container) actually started; null when it never did. */
  startedAt: string | null;
  /** First byte on stdout or stderr; the spread of these across a group shows the start skew. */
  firstOutputAt: string | null;
  endedAt: string;
  /** From start to end; 0 when it never started. */
  durationSeconds: number;
  /** e.g. "exited with code 3", "killed after 30 s timeout", a spawn error. */
  message?: string;
}

export interface GroupHooks {
  /** Every output line as it arrives (also written to the log). A throwing hook does not hurt the instance. */
  onLine?(instanceId: string, stream: StreamName, line: string, at: Date): void;
  /** Aborting kills every instance still running; their status becomes "cancelled". */
  signal?: AbortSignal;
}

export interface Runtime {
  readonly name: string;
  /** Runs the instances together and resolves with one outcome per spec, in the order given. */
  runGroup(specs: readonly LaunchSpec[], hooks?: GroupHooks): Promise<InstanceOutcome[]>;
}
