/**
 * The one interface every runtime implements (process and docker now; slurm later). The runner hands a
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
  /** Values the runtime must never write to the log (secret tokens the workload may echo): masked as `***`. */
  readonly secrets?: readonly string[];
  /** Container options (the scenario's `docker:` block, paths resolved); container runtimes only. */
  readonly docker?: DockerLaunchOptions;
  /**
   * The workload takes part in the group's start barrier (start-barrier.ts): it says when it is ready and
   * waits to be released with the others. Released anyway `timeoutSeconds` after the start (default 600).
   */
  readonly startBarrier?: { readonly timeoutSeconds?: number };
}

/** How a container runtime sets up the container beyond image and command. */
export interface DockerLaunchOptions {
  /** Working directory inside the container; default: the image's. */
  readonly workdir?: string;
  /** /dev/shm size, e.g. "1g" (Docker's units: b, k, m, g; binary). */
  readonly shmSize?: string;
  /** e.g. `{ memlock: -1, stack: 67108864 }`; a number sets soft and hard alike. */
  readonly ulimits?: Readonly<Record<string, number | { readonly soft: number; readonly hard: number }>>;
  /** Bind mounts; `source` is an absolute host path. */
  readonly mounts?: readonly { readonly source: string; readonly target: string; readonly readOnly?: boolean }[];
  readonly user?: string;
  /** Container memory limit (host memory, not GPU memory), e.g. "512m"; swap is limited to the same. */
  readonly memory?: string;
  /** Docker network mode (none, host, bridge or a network's name); default: the engine's default. */
  readonly network?: string;
  /** false: start without waiting at the group's start gate (an image without /bin/sh). Default true. */
  readonly startGate?: boolean;
}

/**
 * How a container gets its GPU: `nvidia` asks the engine for the device (`DeviceRequests`, needs the
 * NVIDIA container runtime); `env-only` only sets NVIDIA_VISIBLE_DEVICES / CUDA_VISIBLE_DEVICES, for the
 * simulated GPU, where there is no device to hand over but the Docker path itself is real.
 */
export type GpuAccess = "nvidia" | "env-only";

/** The image an instance ran: what the scenario named, what the engine resolved it to. */
export interface ImageRecord {
  ref: string;
  /** `sha256:...`, the local image ID. */
  id: string;
  /** `repo@sha256:...` as the engine knows them; empty for an image that never came from a registry. */
  digests: string[];
}

/** An instance's part in its group's start barrier. Times are ISO 8601 with milliseconds (UTC). */
export interface InstanceBarrier {
  /** When the harness saw its ready file; null when it never became ready. */
  readyAt: string | null;
  /** When the group was released (the same for all of it); null when it never was (cancelled first). */
  releasedAt: string | null;
  /** Its first output at or after the release: when its measured work surely ran. */
  firstOutputAt: string | null;
}

/** Where an instance is in its life, for live views. */
export type InstanceState = "created" | "running" | "stopping" | "exited";

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
  /** Container runtimes: the image that ran. */
  image?: ImageRecord;
  /** Container runtimes: how the device was handed to the container. */
  gpuAccess?: GpuAccess;
  /** Only for an instance that took part in a start barrier. */
  barrier?: InstanceBarrier;
}

export interface GroupHooks {
  /** Every output line as it arrives (also written to the log). A throwing hook does not hurt the instance. */
  onLine?(instanceId: string, stream: StreamName, line: string, at: Date): void;
  /** Aborting kills every instance still running; their status becomes "cancelled". */
  signal?: AbortSignal;
  /** Each change of an instance's state (live views). A throwing hook does not hurt the instance. */
  onState?(instanceId: string, state: InstanceState, at: Date): void;
  /** Something worth telling the person waiting (an image pull's progress). */
  onNotice?(message: string): void;
  /** Where the runtime says what it is cleaning up, so that a second Ctrl-C can name it. */
  cleanup?: CleanupLog;
}

/** A list of cleanups in progress: `begin` adds one and returns the function that ends it. */
export interface CleanupLog {
  begin(what: string): () => void;
}

export interface ContainerEngineRecord {
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
}

export interface Runtime {
  readonly name: string;
  /** How this runtime launches, for the manifest (`runtime`): e.g. the docker runtime's gpuAccess and start gate. */
  readonly settings?: { readonly gpuAccess?: GpuAccess; readonly startGate?: boolean };
  /**
   * Checks, before the GPU is touched, that the runtime can run these images at all (engine reachable,
   * images present or pulled); throws an EnvironmentError when not. Optional: the process runtime has
   * nothing to check.
   */
  preflight?(images: readonly string[], hooks?: Pick<GroupHooks, "onNotice" | "signal">): Promise<void>;
  /** The container engine it launches through, for the manifest's host record. None for the process runtime. */
  containerEngine?(): Promise<ContainerEngineRecord>;
  /** Runs the instances together and resolves with one outcome per spec, in the order given. */
  runGroup(specs: readonly LaunchSpec[], hooks?: GroupHooks): Promise<InstanceOutcome[]>;
}
