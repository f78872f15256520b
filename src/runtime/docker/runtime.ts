/**
 * The docker runtime: each instance is a container that sees only its device, created with the others of
 * its group before any of them starts, then started together (one burst of start requests, and behind a
 * start gate that releases every workload at the same instant once all containers run), its output
 * streamed to the instance's log, its exit code and OOM kill read from the engine, and removed on every
 * path: success, failure, timeout and cancellation. Containers carry labels naming the run and the
 * instance, so that `bench cleanup` finds whatever a killed harness left (labels.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { EnvironmentError } from "../../errors.js";
import { after, clearTimers, errorText, findGroupProblems, harnessVerdict, iso, pipeToLog, reportState, type Verdict } from "../common.js";
import { LogWriter } from "../log-writer.js";
import type { ContainerEngineRecord, GpuAccess, GroupHooks, ImageRecord, InstanceOutcome, LaunchSpec, Runtime } from "../types.js";
import { containerConfig } from "./container-config.js";
import { connectEngine, engineMessage, type ContainerInfo, type Engine } from "./engine.js";
import { ensureImage, type ResolvedImage } from "./image.js";
import { createBarrier, type StartBarrier } from "../start-barrier.js";
import { currentOwner } from "./labels.js";
import { StartGate } from "./start-gate.js";

export interface DockerRuntimeOptions {
  /** Labels every container, so that a run's leftovers can be found. */
  readonly runId: string;
  readonly gpuAccess: GpuAccess;
  /** Seconds between SIGTERM and SIGKILL when the runtime stops a container. Default 10. */
  readonly killGraceSeconds?: number;
  /** Pull images that are not present locally. Default true. */
  readonly pull?: boolean;
  /** The engine; default: dockerode with DOCKER_HOST or the default socket. */
  readonly engine?: Engine;
  /**
   * Hold every container of a group at a start gate until all run, then release them at once
   * (start-gate.ts); a workload can opt out with `docker.startGate: false` (an image without /bin/sh).
   * Default: on when the engine is on this host (the gate is a bind-mounted FIFO), off for a remote one.
   */
  readonly startGate?: boolean;
}

/** A bind mount names a path on the engine's host: only a local engine sees the gate's and the barrier's FIFOs. */
const engineIsLocal = (): boolean => {
  const host = process.env.DOCKER_HOST;
  return host === undefined || host === "" || host.startsWith("unix://");
};

const DEFAULT_KILL_GRACE_SECONDS = 10;
/**
 * After a container exited, its output streams end as soon as the engine has sent the last bytes; if the
 * connection hangs instead, the log is closed after this long rather than holding the run.
 */
const STREAM_DRAIN_MS = 5_000;

type StopReason = "timeout" | "cancelled";

interface Instance {
  readonly spec: LaunchSpec;
  readonly hooks: GroupHooks;
  readonly notes: string[];
  /** When preparation began; replaced by the engine's creation time once the container exists. */
  createdAt: Date;
  problem: string | null;
  log: LogWriter | null;
  image: ImageRecord | null;
  /** Held at the group's start gate; `startedAt` is then the moment of release. */
  gated: boolean;
  containerId: string | null;
  name: string;
  /** The multiplexed output connection; destroyed if it outlives the container. */
  raw: Readable | null;
  streamsDone: Promise<void>;
  startedAt: Date | null;
  firstOutputAt: Date | null;
  /** The group's start barrier, when this instance takes part in it. */
  barrier: StartBarrier | null;
  endedAt: Date | null;
  exited: boolean;
  exitCode: number | null;
  info: ContainerInfo | null;
  outOfMemory: boolean;
  stopReason: StopReason | null;
  readonly timers: Set<NodeJS.Timeout>;
  endCleanup: (() => void) | null;
}

/** "sha256:abc..." engine times carry nanoseconds; Date keeps milliseconds. */
const engineDate = (value: string | null | undefined): Date | null => {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

class DockerRuntime implements Runtime {
  readonly name = "docker";
  private readonly engine: Engine;
  private readonly graceMs: number;
  private readonly images = new Map<string, Promise<ResolvedImage>>();
  private readonly owner = currentOwner();
  private readonly useGate: boolean;
  private engineVersion?: ReturnType<Engine["version"]>;

  constructor(private readonly options: DockerRuntimeOptions) {
    const grace = options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS;
    if (!Number.isFinite(grace) || grace < 0) throw new Error(`killGraceSeconds must be >= 0, got ${grace}`);
    this.graceMs = grace * 1000;
    this.engine = options.engine ?? connectEngine();
    this.useGate = options.startGate ?? engineIsLocal();
  }

  /** What the manifest records about how this runtime launched its containers. */
  get settings(): { gpuAccess: GpuAccess; startGate: boolean } {
    return { gpuAccess: this.options.gpuAccess, startGate: this.useGate };
  }

  async preflight(images: readonly string[], hooks: Pick<GroupHooks, "onNotice" | "signal"> = {}): Promise<void> {
    try {
      // Asked afresh every time: the runner calls preflight again after each group to learn whether the engine is still there.
      this.engineVersion = this.engine.version();
      await this.engineVersion;
    } catch (error) {
      const where = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
      throw new EnvironmentError(`cannot reach the Docker engine at ${where} (DOCKER_HOST): ${engineMessage(error)}`);
    }
    for (const ref of new Set(images)) {
      if (hooks.signal?.aborted) return;
      try {
        await this.image(ref, hooks.onNotice);
      } catch (error) {
        throw new EnvironmentError(errorText(error));
      }
    }
  }

  /** The engine's version as the last preflight found it (asked now if none ran). */
  async containerEngine(): Promise<ContainerEngineRecord> {
    this.engineVersion ??= this.engine.version();
    const { version, apiVersion } = await this.engineVersion;
    return { name: "docker", version, apiVersion };
  }

  /** The image, looked up (and pulled) once per runtime and image. */
  private image(ref: string, onNotice?: (message: string) => void): Promise<ResolvedImage> {
    let record = this.images.get(ref);
    if (!record) {
      record = ensureImage(this.engine, ref, { pull: this.options.pull ?? true, ...(onNotice ? { onNotice } : {}) });
      this.images.set(ref, record);
    }
    return record;
  }

  async runGroup(specs: readonly LaunchSpec[], hooks: GroupHooks = {}): Promise<InstanceOutcome[]> {
    const problems = findGroupProblems(specs);
    const instances = specs.map((spec, i) => this.newInstance(spec, problems[i] ?? null, hooks));
    const { signal } = hooks;
    const onAbort = () => {
      for (const inst of instances) this.terminate(inst, "cancelled");
    };
    let gate: StartGate | null = null;
    let barrier: StartBarrier | null = null;
    try {
      if (this.useGate && specs.some((spec) => spec.docker?.startGate !== false)) {
        gate = await StartGate.create().catch((error: unknown) => {
          hooks.onNotice?.(`start gate unavailable, containers start without it: ${errorText(error)}`);
          return null;
        });
      }
      if (specs.some((spec) => spec.startBarrier)) {
        if (engineIsLocal()) barrier = await createBarrier(specs, hooks);
        else hooks.onNotice?.("start barrier unavailable with a remote Docker engine (it cannot see the barrier's folder): workloads start without it");
      }
      // Phase 1: create every container (and attach to its output) before any starts.
      await Promise.all(instances.map((inst) => this.prepare(inst, gate, barrier)));
      const ready = instances.filter((inst) => inst.problem === null && inst.containerId !== null);
      if (signal?.aborted) {
        for (const inst of ready) inst.stopReason = "cancelled";
      } else {
        signal?.addEventListener("abort", onAbort, { once: true });
        // Phase 2, the start burst: every start request goes out in one synchronous loop.
        const starts = ready.map((inst) => ({ inst, started: this.startContainer(inst) }));
        let releasedAt: Date | null = null;
        if (gate) {
          // Phase 3: once every container runs (or failed to start), release all gated ones at once.
          const started = await Promise.all(starts.map(({ started }) => started));
          const waiting = starts.filter(({ inst }, i) => started[i] && inst.gated).length;
          if (signal?.aborted) {
            await gate.close(); // end-of-file: the waiting shells exit without running the workload
          } else {
            releasedAt = gate.release(waiting);
          }
        }
        if (barrier) {
          // Not waited for: an instance whose container never started, or ended, without becoming ready.
          for (const inst of instances) if (!ready.includes(inst)) barrier.leave(inst.spec.instanceId);
          barrier.start(specs, hooks);
        }
        await Promise.all(starts.map(({ inst, started }) => this.follow(inst, started, releasedAt).finally(() => barrier?.leave(inst.spec.instanceId))));
      }
      return await Promise.all(instances.map((inst) => this.settle(inst)));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      // Every path, an unexpected error included: no container of the group outlives it.
      await Promise.all(instances.map((inst) => this.removeContainer(inst)));
      await gate?.close();
      await barrier?.close();
    }
  }

  private newInstance(spec: LaunchSpec, problem: string | null, hooks: GroupHooks): Instance {
    return {
      spec,
      hooks,
      notes: [],
      createdAt: new Date(),
      problem,
      log: null,
      image: null,
      gated: false,
      containerId: null,
      name: "",
      raw: null,
      streamsDone: Promise.resolve(),
      startedAt: null,
      firstOutputAt: null,
      barrier: null,
      endedAt: null,
      exited: false,
      exitCode: null,
      info: null,
      outOfMemory: false,
      stopReason: null,
      timers: new Set(),
      endCleanup: null,
    };
  }

  /** Log file, image, container, attached output. Any failure becomes the instance's problem. */
  private async prepare(inst: Instance, gate: StartGate | null, barrier: StartBarrier | null): Promise<void> {
    const { spec, hooks } = inst;
    if (inst.problem !== null) return;
    if (!spec.image) {
      inst.problem = `instance ${spec.instanceId} has no image: the docker runtime runs images only`;
      return;
    }
    try {
      await mkdir(dirname(spec.logFile), { recursive: true });
      inst.log = await LogWriter.create(spec.logFile, spec.secrets);
    } catch (error) {
      inst.problem = `cannot create log file ${spec.logFile}: ${errorText(error)}`;
      return;
    }
    let image: ResolvedImage;
    try {
      image = await this.image(spec.image, hooks.onNotice);
      inst.image = image.record;
    } catch (error) {
      inst.problem = errorText(error);
      return;
    }
    inst.gated = gate !== null && spec.docker?.startGate !== false;
    if (spec.startBarrier && barrier) inst.barrier = barrier;
    if (hooks.signal?.aborted) {
      inst.stopReason = "cancelled";
      return;
    }
    let config;
    try {
      config = containerConfig(spec, {
        runId: this.options.runId,
        gpuAccess: this.options.gpuAccess,
        nameSuffix: randomBytes(3).toString("hex"),
        owner: this.owner,
        ...(inst.gated && gate ? { gate: { hostDir: gate.hostDir, imageEntrypoint: image.entrypoint } } : {}),
        ...(inst.barrier ? { barrierDir: inst.barrier.hostDir } : {}),
      });
    } catch (error) {
      inst.problem = errorText(error);
      return;
    }
    inst.name = config.name ?? "";
    try {
      inst.containerId = await this.engine.createContainer(config);
    } catch (error) {
      inst.problem = `could not create container ${inst.name}: ${engineMessage(error)}`;
      return;
    }
    const created = engineDate((await this.engine.inspectContainer(inst.containerId).catch(() => null))?.Created);
    inst.createdAt = created ?? new Date();
    reportState(hooks, inst.notes, spec.instanceId, "created", inst.createdAt);
    try {
      // Attached before start, so that the first bytes are not lost.
      const { stdout, stderr, raw } = await this.engine.attach(inst.containerId);
      inst.raw = raw;
      inst.streamsDone = pipeToLog(
        {
          instanceId: spec.instanceId,
          log: inst.log,
          hooks,
          notes: inst.notes,
          onData: (at) => {
            inst.firstOutputAt ??= new Date(at);
            inst.barrier?.output(inst.spec.instanceId, at);
          },
          onOutOfMemory: () => {
            inst.outOfMemory = true;
          },
        },
        [
          ["stdout", stdout],
          ["stderr", stderr],
        ],
        // demuxStream ignores backpressure: pausing the connection itself is what holds the container.
        [raw, stdout, stderr],
      );
    } catch (error) {
      inst.problem = `could not attach to container ${inst.name}: ${engineMessage(error)}`;
    }
  }

  /** The start request; false (and the instance's problem set) when the engine could not start it. */
  private startContainer(inst: Instance): Promise<boolean> {
    return this.engine.start(inst.containerId as string).then(
      () => true,
      (error: unknown) => {
        // e.g. `exec: "pyhton": executable file not found in $PATH`: the container never ran.
        inst.problem = `could not start container ${inst.name}: ${engineMessage(error)}`;
        return false;
      },
    );
  }

  /**
   * From the start to the container's exit: timeout, state reports, exit code. A gated instance's
   * workload starts at `releasedAt`; null when the gate was closed instead (cancelled) or not used.
   */
  private async follow(inst: Instance, started: Promise<boolean>, releasedAt: Date | null): Promise<void> {
    if (!(await started)) return;
    const id = inst.containerId as string;
    inst.startedAt = (inst.gated ? releasedAt : null) ?? new Date();
    reportState(inst.hooks, inst.notes, inst.spec.instanceId, "running", inst.startedAt);
    // A cancellation that arrived while the start request was in flight.
    if (inst.stopReason !== null) this.sendStop(inst);
    const { timeoutSeconds } = inst.spec;
    if (timeoutSeconds !== undefined) after(inst.timers, timeoutSeconds * 1000, () => this.terminate(inst, "timeout"));
    try {
      inst.exitCode = await this.engine.wait(id);
    } catch (error) {
      inst.notes.push(`waiting for the container failed: ${engineMessage(error)}`);
    }
    inst.exited = true;
    inst.endedAt = new Date();
    clearTimers(inst.timers);
  }

  /** Stops an instance: marks why, then SIGTERM now and SIGKILL after the grace period (once started). */
  private terminate(inst: Instance, reason: StopReason): void {
    if (inst.exited || inst.stopReason !== null || inst.problem !== null) return;
    inst.stopReason = reason;
    if (inst.containerId === null) return; // not created yet: prepare's abort check skips it
    inst.endCleanup ??= inst.hooks.cleanup?.begin(`container ${inst.name} (${inst.spec.instanceId})`) ?? null;
    reportState(inst.hooks, inst.notes, inst.spec.instanceId, "stopping");
    if (inst.startedAt !== null) this.sendStop(inst);
  }

  private sendStop(inst: Instance): void {
    const id = inst.containerId as string;
    const send = (signal: string) => {
      this.engine.kill(id, signal).catch((error: unknown) => inst.notes.push(`${signal} failed: ${engineMessage(error)}`));
    };
    send("SIGTERM");
    // A workload running as PID 1 ignores SIGTERM unless it handles it: the grace period ends that.
    after(inst.timers, this.graceMs, () => {
      if (!inst.exited) send("SIGKILL");
    });
  }

  /** Reads the engine's account of the container, collects its output, removes it. Never rejects. */
  private async settle(inst: Instance): Promise<InstanceOutcome> {
    if (inst.containerId !== null && inst.exited) {
      inst.info = await this.engine.inspectContainer(inst.containerId).catch((error: unknown) => {
        inst.notes.push(`inspecting the container failed: ${engineMessage(error)}`);
        return null;
      });
    }
    // A container that never ran keeps its connection open until it is removed.
    if (!inst.exited) await this.removeContainer(inst);
    if (inst.raw) {
      // The instance's timer, cleared below: a bare sleep would hold the process open for the whole wait.
      const gaveUp = new Promise<false>((resolve) => after(inst.timers, STREAM_DRAIN_MS, () => resolve(false)));
      const drained = await Promise.race([inst.streamsDone.then(() => true), gaveUp]);
      if (!drained) {
        inst.notes.push(`the output connection did not close ${STREAM_DRAIN_MS / 1000} s after the container ended; the log may miss its last lines`);
        inst.raw.destroy();
        await inst.streamsDone;
      }
    }
    await this.removeContainer(inst);
    clearTimers(inst.timers);
    inst.endedAt ??= new Date();
    if (inst.log) {
      await inst.log.close().catch((error: unknown) => {
        inst.notes.push(`log file ${inst.spec.logFile} incomplete: ${errorText(error)}`);
      });
    }
    if (inst.startedAt) reportState(inst.hooks, inst.notes, inst.spec.instanceId, "exited", inst.endedAt);
    return this.describe(inst);
  }

  private async removeContainer(inst: Instance): Promise<void> {
    const id = inst.containerId;
    if (id === null) return;
    inst.containerId = null;
    inst.endCleanup ??= inst.hooks.cleanup?.begin(`container ${inst.name} (${inst.spec.instanceId})`) ?? null;
    try {
      await this.engine.remove(id);
    } catch (error) {
      inst.notes.push(`container ${inst.name} could not be removed (\`bench cleanup\` removes it): ${engineMessage(error)}`);
    } finally {
      inst.endCleanup?.();
      inst.endCleanup = null;
    }
  }

  private describe(inst: Instance): InstanceOutcome {
    const state = inst.info?.State;
    // The engine's clock for start and end: the container's own life, without the API's round trips. A
    // gated workload started when the gate released it, not when its container started waiting.
    const startedAt = inst.startedAt === null ? null : inst.gated ? inst.startedAt : (engineDate(state?.StartedAt) ?? inst.startedAt);
    const endedAt = (inst.startedAt === null ? null : engineDate(state?.FinishedAt)) ?? inst.endedAt ?? new Date();
    const exitCode = state?.ExitCode ?? inst.exitCode;
    const verdict: Verdict = harnessVerdict({
      problem: inst.problem,
      stopReason: inst.stopReason,
      started: inst.startedAt !== null,
      startedAt: inst.startedAt,
      timeoutSeconds: inst.spec.timeoutSeconds,
      neverStarted: () => "the container never started",
    }) ?? containerVerdict(inst, exitCode, state?.OOMKilled === true);
    const status = verdict.status;
    let message = verdict.message;
    if (state?.Error) inst.notes.push(`engine: ${state.Error}`);
    const barrierNote = inst.barrier?.note(inst.spec.instanceId);
    if (barrierNote) inst.notes.push(barrierNote);
    if (inst.notes.length > 0) message = [...(message === undefined ? [] : [message]), ...inst.notes].join("; ");
    const outcome: InstanceOutcome = {
      instanceId: inst.spec.instanceId,
      status,
      exitCode: inst.startedAt === null ? null : (exitCode ?? null),
      signal: null,
      createdAt: iso(inst.createdAt),
      startedAt: startedAt ? iso(startedAt) : null,
      firstOutputAt: inst.firstOutputAt ? iso(inst.firstOutputAt) : null,
      endedAt: iso(endedAt),
      durationSeconds: startedAt ? Math.max(0, endedAt.getTime() - startedAt.getTime()) / 1000 : 0,
      gpuAccess: this.options.gpuAccess,
    };
    if (inst.image) outcome.image = inst.image;
    if (inst.barrier) outcome.barrier = inst.barrier.record(inst.spec.instanceId);
    if (message !== undefined) outcome.message = message;
    return outcome;
  }
}

/** How a container that ran ended, as the engine recorded it. */
function containerVerdict(inst: Instance, exitCode: number | null | undefined, oomKilled: boolean): Verdict {
  if (oomKilled) {
    const limit = inst.spec.docker?.memory;
    return { status: "oom", message: `killed by the kernel's OOM killer${limit ? ` (container memory limit ${limit})` : ""}, exit code ${exitCode}` };
  }
  if (exitCode === 0) return { status: "ok" };
  if (inst.gated && (exitCode === 126 || exitCode === 127)) {
    // Behind the gate the engine starts the gate's shell, so a missing command shows only as the
    // shell's exec failing: the same "never ran" as an ungated container's failed start.
    return {
      status: "error",
      message: `could not run ${inst.spec.command[0]} in the container (exit ${exitCode}: ${exitCode === 127 ? "not found" : "not executable"})`,
    };
  }
  if (inst.outOfMemory) return { status: "oom", message: `out of memory (exited with code ${exitCode})` };
  // 128+n is how a container reports death by signal n (137 = SIGKILL, 143 = SIGTERM).
  const signalHint = exitCode != null && exitCode > 128 && exitCode < 160 ? ` (signal ${exitCode - 128}?)` : "";
  return { status: "failed", message: exitCode == null ? "exit code unknown" : `exited with code ${exitCode}${signalHint}` };
}

export function createDockerRuntime(options: DockerRuntimeOptions): Runtime & { readonly settings: { gpuAccess: GpuAccess; startGate: boolean } } {
  return new DockerRuntime(options);
}
