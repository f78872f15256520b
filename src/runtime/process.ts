/**
 * The process runtime: each instance is a local process (run through execa with an argument array, never
 * a shell) that sees only its device through CUDA_VISIBLE_DEVICES.
 *
 * An instance is its whole process group: it is spawned `detached` (a new session and group whose id is
 * the leader's pid), timeouts and cancellation signal the group (SIGTERM, then SIGKILL after a grace
 * period), and when the main process ends whatever it left running in its group is terminated too, so
 * nothing outlives its slot and disturbs the next measurement. (A process that calls setsid itself escapes
 * the group; only a container or cgroup can catch that, which is the docker runtime's job.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { execa } from "execa";
import { after, clearTimers, errorText, findGroupProblems, harnessVerdict, iso, pipeToLog, reportState, sleep, type Verdict } from "./common.js";
import { LogWriter } from "./log-writer.js";
import { harnessOwnerTag, OWNER_VARIABLE } from "./orphans.js";
import { barrierEnvironment, createBarrier, type StartBarrier } from "./start-barrier.js";
import type { GroupHooks, InstanceOutcome, LaunchSpec, Runtime } from "./types.js";

export interface ProcessRuntimeOptions {
  /** Seconds between SIGTERM and SIGKILL when the runtime stops an instance. Default 10. */
  readonly killGraceSeconds?: number;
}

const DEFAULT_KILL_GRACE_SECONDS = 10;
/** How often a group is checked for survivors while it is being taken down. */
const REAP_POLL_MS = 50;
/** SIGKILL cannot be ignored; only a process stuck in the kernel (D state) takes longer than this. */
const SIGKILL_WAIT_MS = 5_000;

type StopReason = "timeout" | "cancelled";

/** The environment a workload sees: ours, the spec's additions, and the device pinning on top. */
export function buildEnvironment(spec: LaunchSpec, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  Object.assign(env, spec.env);
  env.CUDA_VISIBLE_DEVICES = spec.device.uuid;
  // The container toolkit's variable: a process must not carry one that could widen what a container it
  // launches may see.
  delete env.NVIDIA_VISIBLE_DEVICES;
  return env;
}

/** Names this harness in every workload process, so that `bench cleanup` can end them should it be killed (orphans.ts). */
const OWNER_TAG = harnessOwnerTag();

function launch(spec: LaunchSpec, env: Record<string, string>) {
  const [file, ...args] = spec.command;
  return execa(file as string, args, {
    cwd: spec.cwd,
    env: { ...env, [OWNER_VARIABLE]: OWNER_TAG },
    extendEnv: false,
    detached: true,
    // execa's own exit cleanup skips detached processes; the group is killed by our exit hook instead.
    cleanup: false,
    reject: false,
    buffer: false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

type Child = ReturnType<typeof launch>;
type ChildResult = Awaited<Child>;

interface Instance {
  readonly spec: LaunchSpec;
  readonly createdAt: Date;
  /** Why it cannot run (bad spec, log file, cwd); set during preparation. */
  problem: string | null;
  log: LogWriter | null;
  env: Record<string, string>;
  child: Child | null;
  /** Process group id (= the leader's pid); null until spawned. */
  pgid: number | null;
  startedAt: Date | null;
  firstOutputAt: Date | null;
  /** The group's start barrier, when this instance takes part in it. */
  barrier: StartBarrier | null;
  endedAt: Date | null;
  leaderExited: boolean;
  groupGone: boolean;
  stopReason: StopReason | null;
  termSentAt: number | null;
  strayProcesses: boolean;
  outOfMemory: boolean;
  notes: string[];
  readonly timers: Set<NodeJS.Timeout>;
  /** Resolves when stdout and stderr have been read to their end and flushed to the log. */
  streamsDone: Promise<void>;
  readonly hooks: GroupHooks;
  /** Ends the entry in `hooks.cleanup` made when the runtime began to stop the instance. */
  endCleanup: (() => void) | null;
}

/** Sends a signal to a whole group; false when no process of it is left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone (EPERM cannot happen for our own children)
  }
}

/**
 * Linux: kill(2) also reaches zombies, which are dead and merely unreaped (in a container, PID 1 may never
 * reap orphans), so ask /proc whether a member is really alive. null where there is no /proc.
 */
function groupHasLiveMember(pgid: number): boolean | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  for (const name of entries) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // The command name may hold spaces and parentheses: fields are counted after the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
  }
  return false;
}

function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return groupHasLiveMember(pgid) ?? true;
}

async function waitGroupGone(pgid: number, deadline: number): Promise<boolean> {
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(REAP_POLL_MS, Math.max(1, deadline - Date.now())));
  }
}

class ProcessRuntime implements Runtime {
  readonly name = "process";
  private readonly graceMs: number;

  constructor(options: ProcessRuntimeOptions = {}) {
    const grace = options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS;
    if (!Number.isFinite(grace) || grace < 0) throw new Error(`killGraceSeconds must be >= 0, got ${grace}`);
    this.graceMs = grace * 1000;
  }

  async runGroup(specs: readonly LaunchSpec[], hooks: GroupHooks = {}): Promise<InstanceOutcome[]> {
    const problems = findGroupProblems(specs);
    const barrier = await createBarrier(specs, hooks);
    // Phase 1: prepare everything (log files, checks, environments) before anything starts.
    const instances = await Promise.all(specs.map((spec, i) => this.prepare(spec, problems[i] ?? null, hooks, barrier)));
    const runnable = instances.filter((inst) => inst.problem === null);

    const { signal } = hooks;
    const onAbort = () => {
      for (const inst of runnable) this.terminate(inst, "cancelled");
    };
    // Last resort if the harness itself exits while instances run: nothing may keep running on the GPU.
    const onExit = () => {
      for (const inst of runnable) if (inst.pgid !== null && !inst.groupGone) signalGroup(inst.pgid, "SIGKILL");
    };
    process.on("exit", onExit);
    try {
      if (signal?.aborted) {
        for (const inst of runnable) inst.stopReason = "cancelled";
      } else {
        // Phase 2, the start burst: spawn all in one tight synchronous loop, no awaits in between.
        for (const inst of runnable) this.start(inst, hooks);
        signal?.addEventListener("abort", onAbort, { once: true });
      }
      if (barrier) {
        // Not waited for: an instance that never started, or ended, without becoming ready.
        for (const inst of instances) {
          const leave = () => barrier.leave(inst.spec.instanceId);
          if (inst.child === null) leave();
          else if (inst.barrier !== null) {
            inst.child.once("exit", leave);
            void inst.child.then(leave);
          }
        }
        barrier.start(specs, hooks);
      }
      return await Promise.all(instances.map((inst) => this.settle(inst)));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      process.off("exit", onExit);
      await barrier?.close();
    }
  }

  private async prepare(spec: LaunchSpec, problem: string | null, hooks: GroupHooks, barrier: StartBarrier | null): Promise<Instance> {
    const inst: Instance = {
      spec,
      createdAt: new Date(),
      problem,
      log: null,
      env: {},
      child: null,
      pgid: null,
      startedAt: null,
      firstOutputAt: null,
      barrier: spec.startBarrier && barrier ? barrier : null,
      endedAt: null,
      leaderExited: false,
      groupGone: false,
      stopReason: null,
      termSentAt: null,
      strayProcesses: false,
      outOfMemory: false,
      notes: [],
      timers: new Set(),
      streamsDone: Promise.resolve(),
      hooks,
      endCleanup: null,
    };
    if (inst.problem !== null) return inst;
    try {
      await mkdir(dirname(spec.logFile), { recursive: true });
      inst.log = await LogWriter.create(spec.logFile, spec.secrets);
    } catch (error) {
      inst.problem = `cannot create log file ${spec.logFile}: ${errorText(error)}`;
      return inst;
    }
    // Checked here because a missing cwd makes spawn fail with a misleading "ENOENT <command>".
    const cwd = await stat(spec.cwd).catch(() => null);
    if (!cwd?.isDirectory()) {
      inst.problem = `working directory ${spec.cwd} does not exist or is not a directory`;
      return inst;
    }
    inst.env = buildEnvironment(spec);
    if (inst.barrier) Object.assign(inst.env, barrierEnvironment(spec.instanceId, inst.barrier.hostDir));
    return inst;
  }

  /** Spawns one instance and wires its streams, timeout and exit. Synchronous: part of the start burst. */
  private start(inst: Instance, hooks: GroupHooks): void {
    let child: Child;
    try {
      child = launch(inst.spec, inst.env);
    } catch (error) {
      inst.problem = `could not start ${inst.spec.command[0]}: ${errorText(error)}`;
      return;
    }
    inst.child = child;
    inst.pgid = child.pid ?? null;
    child.once("spawn", () => {
      inst.startedAt = new Date();
      reportState(hooks, inst.notes, inst.spec.instanceId, "running", inst.startedAt);
      const { timeoutSeconds } = inst.spec;
      if (timeoutSeconds !== undefined) this.after(inst, timeoutSeconds * 1000, () => this.terminate(inst, "timeout"));
    });
    child.once("exit", () => {
      inst.endedAt = new Date();
      inst.leaderExited = true;
    });
    inst.streamsDone = this.pipeOutput(inst, child, hooks);
  }

  /** Streams stdout and stderr line by line to the log and the hook, with backpressure from the log file. */
  private pipeOutput(inst: Instance, child: Child, hooks: GroupHooks): Promise<void> {
    const sources = [child.stdout, child.stderr].filter((r) => r !== null);
    return pipeToLog(
      {
        instanceId: inst.spec.instanceId,
        log: inst.log as LogWriter,
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
        ["stdout", child.stdout],
        ["stderr", child.stderr],
      ],
      sources,
    );
  }

  /** Stops a running instance: SIGTERM to its group now, SIGKILL after the grace period. */
  private terminate(inst: Instance, reason: StopReason): void {
    if (inst.pgid === null || inst.leaderExited || inst.stopReason !== null) return;
    inst.stopReason = reason;
    inst.termSentAt = Date.now();
    inst.endCleanup ??= inst.hooks.cleanup?.begin(`process group ${inst.pgid} (${inst.spec.instanceId})`) ?? null;
    reportState(inst.hooks, inst.notes, inst.spec.instanceId, "stopping");
    signalGroup(inst.pgid, "SIGTERM");
    const pgid = inst.pgid;
    this.after(inst, this.graceMs, () => {
      if (!inst.leaderExited) signalGroup(pgid, "SIGKILL");
    });
  }

  /** After the leader exited: takes down whatever is left in its group, politely first. */
  private async reapGroup(inst: Instance): Promise<void> {
    const pgid = inst.pgid;
    if (pgid === null) return;
    if (groupAlive(pgid)) {
      if (inst.termSentAt === null) {
        inst.strayProcesses = true;
        inst.termSentAt = Date.now();
        inst.endCleanup ??= inst.hooks.cleanup?.begin(`processes left in group ${pgid} (${inst.spec.instanceId})`) ?? null;
        signalGroup(pgid, "SIGTERM");
      }
      if (!(await waitGroupGone(pgid, inst.termSentAt + this.graceMs))) {
        signalGroup(pgid, "SIGKILL");
        if (!(await waitGroupGone(pgid, Date.now() + SIGKILL_WAIT_MS))) {
          inst.notes.push(`processes of group ${pgid} survived SIGKILL`);
        }
      }
    }
    inst.groupGone = true;
    inst.endCleanup?.();
    inst.endCleanup = null;
  }

  /** Waits for one instance to end completely and describes what happened. Never rejects. */
  private async settle(inst: Instance): Promise<InstanceOutcome> {
    let result: ChildResult | null = null;
    const child = inst.child;
    if (child) {
      // The leader's exit, not the promise: that one waits for the pipes, which a stray grandchild may hold.
      await Promise.race([
        new Promise<void>((resolve) => {
          if (inst.leaderExited) resolve();
          else child.once("exit", () => resolve());
        }),
        child.then(() => undefined),
      ]);
      await this.reapGroup(inst);
      result = await child;
      await inst.streamsDone;
    }
    clearTimers(inst.timers);
    inst.endedAt ??= new Date();
    if (inst.startedAt) reportState(inst.hooks, inst.notes, inst.spec.instanceId, "exited", inst.endedAt);
    if (inst.log) {
      await inst.log.close().catch((error: unknown) => {
        inst.notes.push(`log file ${inst.spec.logFile} incomplete: ${errorText(error)}`);
      });
    }
    return describe(inst, result);
  }

  /** A timer cleared when the instance settles. */
  private after(inst: Instance, ms: number, action: () => void): void {
    after(inst.timers, ms, action);
  }
}

/** How a process that ran ended: its exit code, or the signal that killed it. */
function processVerdict(exitCode: number | null, signal: string | null, outOfMemory: boolean): Verdict {
  if (exitCode === 0) return { status: "ok" };
  if (outOfMemory) return { status: "oom", message: `out of memory (${signal ? `killed by ${signal}` : `exited with code ${exitCode}`})` };
  if (signal === "SIGKILL") return { status: "failed", message: "killed by SIGKILL from outside the harness (the kernel's OOM killer sends it: see dmesg)" };
  if (signal !== null) return { status: "failed", message: `killed by ${signal}` };
  return { status: "failed", message: `exited with code ${exitCode}` };
}

function describe(inst: Instance, result: ChildResult | null): InstanceOutcome {
  const exitCode = result?.exitCode ?? null;
  const signal = result?.signal ?? null;
  const verdict: Verdict = harnessVerdict({
    problem: inst.problem,
    stopReason: inst.stopReason,
    started: result !== null && inst.startedAt !== null,
    startedAt: inst.startedAt,
    timeoutSeconds: inst.spec.timeoutSeconds,
    neverStarted: () => `could not start ${inst.spec.command[0]}: ${result?.originalMessage ?? result?.shortMessage ?? "spawn failed"}`,
  }) ?? processVerdict(exitCode, signal, inst.outOfMemory);
  const status = verdict.status;
  let message = verdict.message;
  const notes = [...inst.notes];
  const barrierNote = inst.barrier?.note(inst.spec.instanceId);
  if (barrierNote) notes.push(barrierNote);
  if (inst.strayProcesses) notes.push("processes it left running in its group were terminated");
  if (notes.length > 0) message = [...(message === undefined ? [] : [message]), ...notes].join("; ");

  const endedAt = inst.endedAt ?? new Date();
  const outcome: InstanceOutcome = {
    instanceId: inst.spec.instanceId,
    status,
    exitCode,
    signal,
    createdAt: iso(inst.createdAt),
    startedAt: inst.startedAt ? iso(inst.startedAt) : null,
    firstOutputAt: inst.firstOutputAt ? iso(inst.firstOutputAt) : null,
    endedAt: iso(endedAt),
    durationSeconds: inst.startedAt ? Math.max(0, endedAt.getTime() - inst.startedAt.getTime()) / 1000 : 0,
  };
  if (inst.barrier) outcome.barrier = inst.barrier.record(inst.spec.instanceId);
  if (message !== undefined) outcome.message = message;
  return outcome;
}

export function createProcessRuntime(options: ProcessRuntimeOptions = {}): Runtime {
  return new ProcessRuntime(options);
}
