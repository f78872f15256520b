/**
 * One run of one scenario: plan, partition, launch each step of each repetition, collect metrics,
 * tear down and restore, write the run directory. Partial results are written after every step, so a
 * failed or interrupted run keeps what it measured.
 */
import path from "node:path";
import { EXIT, EnvironmentError, InputError, isSystemError, MigbenchError } from "../errors.js";
import { modelIdOf } from "../gpu/catalog/index.js";
import { NvidiaSmi, type GpuStatus } from "../gpu/nvidia-smi/index.js";
import { findGpu, PartitionSession, stateDir, wantedFromPlan, type AppliedLayout } from "../gpu/partition/index.js";
import { getParser, type ParseResult, type ParserSession, type Sample } from "../metrics/parsers/index.js";
import { buildPlan } from "../plan/index.js";
import type { Plan, PlannedInstance } from "../plan/types.js";
import { createRunDir, type RunManifest } from "../results/index.js";
import { packageIdentity } from "../package-root.js";
import { groupSkew, RUNTIMES } from "../runtime/index.js";
import type { CleanupLog, InstanceOutcome, LaunchSpec, Runtime } from "../runtime/types.js";
import { metricRoles, parseDuration } from "../scenario/schema.js";
import type { Scenario } from "../scenario/types.js";
import { activateGpuTarget, resolveGpuTarget, saveGpuEnvironment, type GpuRequest } from "./gpu-target.js";
import { harnessInfo, hostInfo, hostRecord, recordedEnvironment } from "./environment.js";
import { ExecutionFiles } from "./execution-files.js";
import { readGpuFacts } from "./gpu-facts.js";
import { runRedactor } from "./secrets.js";
import { startRunTelemetry, telemetrySummary } from "./telemetry-record.js";
import type { TelemetrySession } from "../metrics/telemetry/index.js";
import type { RunEventListener } from "./events.js";

type Execution = RunManifest["executions"][number];

export interface RunOptions {
  readonly scenario: Scenario;
  readonly gpu: GpuRequest;
  readonly runtime: string;
  readonly resultsRoot: string;
  readonly command: readonly string[];
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
  readonly anyGpu?: boolean;
  /** Reset the GPU when a MIG mode change is pending (never without this). */
  readonly allowGpuReset?: boolean;
  /** Wait for another run's lock on the GPU instead of stopping. */
  readonly waitLock?: boolean;
  /** Where GPU locks and change journals live; default: src/gpu/partition/state-dir.ts. */
  readonly stateDir?: string;
  /** Structured progress for a live view (one line per instance); see events.ts. */
  readonly events?: RunEventListener;
  /** Where stopping workloads and restoring the GPU are listed while they happen (a second Ctrl-C). */
  readonly cleanup?: CleanupLog;
  /** The nvidia-smi driver; default: the tool on PATH (the simulator's, for a simulated GPU). */
  readonly smi?: NvidiaSmi;
}

export interface RunOutcome {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly exitCode: number;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  // One process may run many scenarios (a study's cases): each gets its own simulator, and PATH does not grow.
  const restoreEnvironment = saveGpuEnvironment();
  try {
    return await runOnce(options);
  } finally {
    restoreEnvironment();
  }
}

async function runOnce(options: RunOptions): Promise<RunOutcome> {
  const { scenario, signal, progress } = options;
  const makeRuntime = RUNTIMES[options.runtime];
  if (!makeRuntime) throw new MigbenchError(`unknown runtime "${options.runtime}"`, EXIT.badInput);
  const plan = buildPlan(scenario);
  checkRuntimeFits(options.runtime, scenario, plan);
  const run = await createRunDir(options.resultsRoot, scenario.doc.name);
  const target = await resolveGpuTarget(options.gpu, scenario.model.id, run.dir);
  activateGpuTarget(target);
  // The GPU's listing, read while the first records are written (it only reads), or the one that found
  // the real GPU; the session locks the GPU it names. A listing that fails fails the session's open below.
  const smi = options.smi ?? new NvidiaSmi();
  const listing = findGpu(smi, plan.gpu.index, target.kind === "real" && options.smi === undefined ? target.listed : undefined);
  listing.catch(() => undefined);
  // Looked up while the GPU is partitioned (a git and a Docker engine query take a while).
  const runtimeContext = { runId: run.id, simulatedGpu: target.kind === "sim" };
  const runtime = await makeRuntime(runtimeContext);
  const lookups = Promise.all([harnessInfo(), hostRecord(runtime.containerEngine?.bind(runtime))])
    .then(([harness, host]) => ({ harness, host }))
    .catch(() => ({ harness: packageIdentity(), host: hostInfo() }));
  // Merged once partitioned if they are in by then (the first step does not wait for them), and at the end.
  let lookedUp: Awaited<typeof lookups> | undefined;
  void lookups.then((found) => (lookedUp = found));

  // Secrets (tokens in the environment, on command lines) are masked in everything the run directory keeps.
  const redactor = runRedactor(scenario, options.command);
  const scenarioText = redactor.text(scenario.text);
  let manifest: RunManifest = {
    schemaVersion: 2,
    origin: { kind: "measured" },
    runId: run.id,
    status: "running",
    simulated: target.kind === "sim",
    harness: packageIdentity(),
    command: redactor.argv(options.command),
    startedAt: new Date().toISOString(),
    host: hostInfo(),
    gpu: { model: plan.gpu.model, name: plan.gpu.model, uuid: "", index: plan.gpu.index },
    scenario: { file: scenario.file, name: scenario.doc.name, ...(scenario.doc.title ? { title: scenario.doc.title } : {}), sha256: scenario.sha256, text: scenarioText, ...(scenarioText === scenario.text ? {} : { redacted: true }) },
    plan,
    devices: [],
    executions: [],
    warnings: target.kind === "sim" ? [`simulated GPU (${target.model}); figures come from the workloads on this host's CPU, not from a GPU`] : [],
    validity: { valid: false, reasons: ["the run has not finished"] },
    images: [],
    telemetry: null,
    environment: recordedEnvironment(process.env, redactor),
    runtime: { name: runtime.name, ...runtime.settings },
  };
  const save = async (patch: Partial<RunManifest>): Promise<void> => {
    manifest = { ...manifest, ...patch };
    await run.writeManifest(manifest).catch((error: unknown) => {
      // A full or read-only disk: exit 3, naming the directory; the manifest on disk stays the last one written.
      throw isSystemError(error) ? new EnvironmentError(`cannot write the run directory ${run.dir}: ${error.message}`) : error;
    });
  };
  await save({});
  progress(`run ${run.id}: ${plan.instances.length} instance(s), ${plan.schedule}, ${plan.repetitions} repetition(s) on ${target.kind === "sim" ? `simulated ${target.model}` : "the real GPU"}`);

  let session: PartitionSession | undefined;
  let applied: AppliedLayout | undefined;
  let failure: MigbenchError | undefined;
  let telemetry: TelemetrySession | undefined;
  let telemetryStarting: Promise<TelemetrySession | undefined> | undefined;
  try {
    // Before the GPU is touched: an engine that does not answer or an image that cannot be had stops here.
    await runtime.preflight?.(imagesOf(scenario, plan), { onNotice: progress, signal });
    // Lock the GPU, snapshot it and read its board facts meanwhile, preflight (exit 3, GPU untouched),
    // then apply with a journal on disk.
    const opened = await PartitionSession.openWith(
      {
        smi,
        root: options.stateDir ?? stateDir(),
        gpuIndex: plan.gpu.index,
        runId: run.id,
        purpose: "run",
        command: options.command,
        waitLock: options.waitLock ?? false,
        allowGpuReset: options.allowGpuReset ?? false,
        signal,
        log: progress,
        listing,
      },
      async () => {
        // With MIG staying off, sampling starts under the lock while the GPU is read, not after: a
        // sampler's start would otherwise stand between the reads and the first step. Where the MIG mode
        // or the instances change, it starts once they are in place, so as not to hold the GPU meanwhile.
        if (plan.mig === null && !options.waitLock && migStaysOff(await listing)) telemetryStarting = startRunTelemetry(run.dir, plan.gpu.index, false, [], progress);
        return gpuFacts(smi, plan.gpu.index);
      },
    );
    session = opened.session;
    const found = session.snapshot;
    // The model is the GPU's own (its catalog id, else the driver's name): with --any-gpu it is not the scenario's.
    await save({ gpu: { ...manifest.gpu, ...opened.beside, model: modelIdOf(found.name), name: found.name, uuid: found.uuid, migModeBefore: found.migMode.current } });
    const wanted = wantedFromPlan(plan, new Set(scenario.gpuInstances.filter((gi) => gi.start !== undefined).map((gi) => gi.key)));
    const checked = session.preflight(wanted, { expectedModel: plan.gpu.model, anyGpu: options.anyGpu ?? false });
    progress(`partition: ${checked.changes.join("; ") || "nothing to change"}`);
    applied = await session.apply(wanted);
    await save({
      ...lookedUp,
      devices: applied.devices.map((d) => ({ ...d })),
      gpu: { ...manifest.gpu, migModeDuring: plan.mig ? "Enabled" : "Disabled" },
      warnings: [...manifest.warnings, ...checked.warnings.map((w) => `preflight: ${w}`), ...applied.notes.map((n) => `partition: ${n}`)],
    });
    // Telemetry spans every step: started once the devices exist, stopped on every path below.
    telemetry = await (telemetryStarting ?? startRunTelemetry(run.dir, plan.gpu.index, plan.mig !== null, applied.devices, progress));
    await executeRepetitions(
      options,
      runtime,
      plan,
      run,
      applied,
      // One manifest write per step (each is validated and synced to disk), with all of its executions.
      async (executions, group) => {
        const images = [...manifest.images];
        for (const { image } of executions) if (image && !images.some((i) => i.ref === image.ref && i.id === image.id)) images.push(image);
        await save({ executions: [...manifest.executions, ...executions], images, groups: [...(manifest.groups ?? []), group] });
      },
    );
  } catch (error) {
    failure = error instanceof MigbenchError ? error : new EnvironmentError(messageOf(error));
  } finally {
    // Started beside the GPU's reads, it is stopped even when what came after them failed.
    telemetry ??= await telemetryStarting;
    const recording = await telemetry?.stop();
    if (recording) {
      const summary = await telemetrySummary(recording, run.dir, manifest.executions).catch((error: unknown) => {
        progress(`telemetry: no summary: ${messageOf(error)}`);
        return null;
      });
      // Not even a full disk may keep the GPU from being restored below.
      await save({ telemetry: summary, warnings: [...manifest.warnings, ...(summary?.warnings ?? recording.warnings)] }).catch((error: unknown) => {
        failure ??= error instanceof MigbenchError ? error : new EnvironmentError(messageOf(error));
      });
    }
    if (session) {
      if (applied && !applied.reused) progress("teardown: restoring the GPU");
      const endCleanup = options.cleanup?.begin(`restoring the GPU (${applied?.devices.length ?? 0} device(s) to tear down)`);
      const problems = await session.restore().finally(() => endCleanup?.());
      session.release();
      if (problems.length > 0) {
        await save({ warnings: [...manifest.warnings, ...problems.map((p) => `teardown: ${p}`)] });
        failure ??= new EnvironmentError(`the GPU could not be fully restored:\n${problems.join("\n")}`);
      }
    }
  }

  const interrupted = signal.aborted;
  const validity = judge(manifest.executions, failure, interrupted);
  const status = interrupted ? "interrupted" : failure ? "failed" : "complete";
  await save({ ...(await lookups), status, endedAt: new Date().toISOString(), validity });
  const exitCode = interrupted ? EXIT.interrupted : failure ? failure.exitCode : validity.valid ? EXIT.ok : EXIT.invalid;
  if (failure && !interrupted) progress(`run failed: ${failure.message}`);
  return { dir: run.dir, manifest, exitCode };
}

/** MIG off with no change pending, or a GPU without MIG: a run that wants MIG off changes nothing. */
const migStaysOff = (gpu: GpuStatus): boolean => (gpu.migCurrent ?? "Disabled") === "Disabled" && (gpu.migPending ?? "Disabled") === "Disabled";

/** Driver, CUDA, board facts (VBIOS, ECC, power, clocks) when the tool reports them; their absence is not a reason to stop. */
async function gpuFacts(smi: NvidiaSmi, index: number): Promise<Partial<RunManifest["gpu"]>> {
  const exec = { bin: smi.bin, timeoutMs: smi.timeoutMs, ...(smi.env ? { env: smi.env } : {}) };
  return readGpuFacts(index, exec, smi.exec).catch(() => smi.driverInfo().catch(() => ({})));
}

/** The runtime can run the scenario at all: the docker runtime needs an image for every workload it runs. */
function checkRuntimeFits(runtime: string, scenario: Scenario, plan: Plan): void {
  if (runtime !== "docker") return;
  const missing = [...new Set(plan.instances.map((i) => i.workload))].filter((w) => scenario.doc.workloads[w]?.image === undefined);
  if (missing.length > 0) throw new InputError(`--runtime docker: workload(s) ${missing.join(", ")} have no image; set \`image:\` or use --runtime process`);
}

function imagesOf(scenario: Scenario, plan: Plan): string[] {
  return [...new Set(plan.instances.flatMap((i) => scenario.doc.workloads[i.workload]?.image ?? []))];
}

type GroupRecord = NonNullable<RunManifest["groups"]>[number];

async function executeRepetitions(
  options: RunOptions,
  runtime: Runtime,
  plan: Plan,
  run: Awaited<ReturnType<typeof createRunDir>>,
  applied: AppliedLayout,
  recordStep: (executions: readonly Execution[], group: GroupRecord) => Promise<void>,
): Promise<void> {
  const { scenario, signal, progress } = options;
  const emit = options.events ?? (() => undefined);
  // Secret values the workloads may print: the runtime masks them before they reach the logs.
  const secrets = runRedactor(scenario, options.command).values;
  const instances = new Map(plan.instances.map((i) => [i.id, i]));
  const total = plan.warmup + plan.repetitions;
  for (let repetition = 0; repetition < total && !signal.aborted; repetition++) {
    const warmup = repetition < plan.warmup;
    const label = warmup ? `warm-up ${repetition + 1}/${plan.warmup}` : `repetition ${repetition - plan.warmup + 1}/${plan.repetitions}`;
    for (const [k, step] of plan.steps.entries()) {
      if (signal.aborted) break;
      const members = step.map((id) => instances.get(id)).filter((i): i is PlannedInstance => i !== undefined);
      const specs = await Promise.all(members.map(async (instance) => ({ ...(await launchSpec(scenario, instance, applied, run.logPath(repetition, instance.id))), secrets })));
      const sessions = new Map<string, { session: ParserSession; lines: number; files: ExecutionFiles }>(
        members.map((instance) => {
          const workload = scenario.doc.workloads[instance.workload];
          const parserRef = workload?.parser ?? "jsonl";
          const name = typeof parserRef === "string" ? parserRef : parserRef.name;
          const parserOptions = typeof parserRef === "string" ? undefined : parserRef.options;
          // The live view shows the latest value of each metric role the scenario names.
          const roles = new Map(metricRoles.flatMap((role) => (workload?.metrics[role] ? [[workload.metrics[role].key, { role, unit: workload.metrics[role].unit }] as const] : [])));
          // Every sample goes to samples/repNN/<instance>.jsonl as it is parsed; none are kept in memory.
          const files = new ExecutionFiles(run, repetition, instance.id);
          const onSample = (sample: Sample) => {
            files.sample(sample);
            const ref = roles.get(sample.name);
            if (ref) emit({ kind: "metric", id: instance.id, role: ref.role, value: sample.value, ...((ref.unit ?? sample.unit) === undefined ? {} : { unit: ref.unit ?? sample.unit }), at: new Date() });
          };
          return [instance.id, { session: getParser(name).create(parserOptions, { onSample, keepSamples: false }), lines: 0, files }];
        }),
      );
      progress(`${label}, step ${k + 1}/${plan.steps.length}: starting ${members.map((m) => m.id).join(", ")}`);
      emit({ kind: "group", label, instances: members.map((m) => ({ id: m.id, device: m.device })), at: new Date() });
      const outcomes = await runtime.runGroup(specs, {
        signal,
        onState: (id, state, at) => emit({ kind: "state", id, state, at }),
        onNotice: progress,
        ...(options.cleanup ? { cleanup: options.cleanup } : {}),
        onLine: (id, _stream, line, at) => {
          const entry = sessions.get(id);
          if (!entry) return;
          entry.lines++;
          entry.session.push(line, entry.lines, at.getTime());
        },
      });
      const executions: Execution[] = [];
      for (const outcome of outcomes) {
        const instance = instances.get(outcome.instanceId);
        const entry = sessions.get(outcome.instanceId);
        if (!instance || !entry) continue;
        const parsed = entry.session.finish();
        const parse = await entry.files.finish(parsed);
        const execution = { ...toExecution(scenario, instance, repetition, warmup, outcome, parsed, run.dir, run.logPath(repetition, instance.id)), parse };
        emit({ kind: "outcome", id: instance.id, status: outcome.status, durationSeconds: outcome.durationSeconds, at: new Date() });
        progress(`  ${instance.id}: ${outcome.status}${outcome.message ? ` (${outcome.message})` : ""} in ${outcome.durationSeconds.toFixed(2)} s${describeMetrics(execution)}`);
        executions.push(execution);
      }
      const skew = groupSkew(outcomes);
      if (outcomes.length > 1) {
        const ms = (value: number | null) => (value === null ? "n/a" : `${value} ms`);
        progress(`  start skew ${ms(skew.startSkewMs)}, first-output skew ${ms(skew.firstOutputSkewMs)} (${outcomes.length} instances)`);
        if (skew.notReady !== undefined) progress(`  start barrier: first output ${ms(skew.releasedOutputSkewMs ?? null)} apart after the release${skew.notReady.length > 0 ? `; not ready: ${skew.notReady.join(", ")}` : ""}`);
      }
      await recordStep(executions, { repetition, step: k, warmup, instances: members.map((m) => m.id), ...skew });
      // The runtime's own check, again: a container engine that went away mid-group is the environment's
      // failure (exit 3, naming it), not the workloads', and the steps after this one could not run either.
      if (!signal.aborted) await runtime.preflight?.([], { signal });
    }
  }
}

function describeMetrics(execution: Execution): string {
  const parts = metricRoles.flatMap((role) => {
    const m = execution.metrics[role];
    return m ? [`${role} ${m.value === null ? "n/a" : m.value.toPrecision(4)} ${m.unit ?? ""}`.trimEnd()] : [];
  });
  return parts.length > 0 ? `; ${parts.join(", ")}` : "";
}

async function launchSpec(scenario: Scenario, instance: PlannedInstance, applied: AppliedLayout, logFile: string): Promise<LaunchSpec> {
  const workload = scenario.doc.workloads[instance.workload];
  const device = applied.devices.find((d) => d.key === instance.device);
  if (!workload || !device) throw new EnvironmentError(`instance ${instance.id} has no workload or device`);
  const timeout = workload.timeout ?? scenario.doc.timeout;
  const timeoutSeconds = timeout === undefined ? undefined : (parseDuration(timeout) ?? undefined);
  return {
    instanceId: instance.id,
    command: workload.command,
    cwd: path.resolve(path.dirname(scenario.file), workload.workdir ?? "."),
    env: { ...workload.env, MIGBENCH_INSTANCE: instance.id },
    device: { kind: device.kind, uuid: device.uuid },
    logFile,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(workload.image === undefined ? {} : { image: workload.image, docker: dockerOptions(scenario, workload) }),
    ...(workload.startBarrier ? { startBarrier: typeof workload.startBarrier === "object" ? { timeoutSeconds: parseDuration(workload.startBarrier.timeout) ?? undefined } : {} } : {}),
  };
}

/** The scenario's `docker:` block for the runtime; relative mount sources are relative to the scenario file. */
function dockerOptions(scenario: Scenario, workload: NonNullable<Scenario["doc"]["workloads"][string]>): NonNullable<LaunchSpec["docker"]> {
  const docker = workload.docker ?? {};
  const base = path.dirname(scenario.file);
  return {
    // For a container, `workdir` is a path inside it, not on this host.
    ...(workload.workdir === undefined ? {} : { workdir: workload.workdir }),
    ...(docker.shmSize === undefined ? {} : { shmSize: docker.shmSize }),
    ...(docker.ulimits === undefined ? {} : { ulimits: docker.ulimits }),
    ...(docker.user === undefined ? {} : { user: docker.user }),
    ...(docker.memory === undefined ? {} : { memory: docker.memory }),
    ...(docker.network === undefined ? {} : { network: docker.network }),
    ...(docker.startGate === undefined ? {} : { startGate: docker.startGate }),
    ...(docker.mounts === undefined
      ? {}
      : { mounts: docker.mounts.map((m) => ({ source: path.resolve(base, m.source), target: m.target, ...(m.readOnly === undefined ? {} : { readOnly: m.readOnly }) })) }),
  };
}

function toExecution(
  scenario: Scenario,
  instance: PlannedInstance,
  repetition: number,
  warmup: boolean,
  outcome: InstanceOutcome,
  parsed: ParseResult,
  runDir: string,
  logFile: string,
): Execution {
  const refs = scenario.doc.workloads[instance.workload]?.metrics ?? {};
  const metrics: Execution["metrics"] = {};
  for (const role of metricRoles) {
    const ref = refs[role];
    if (!ref) continue;
    const found = parsed.final[ref.key];
    const unit = ref.unit ?? printable(found?.unit);
    metrics[role] = { key: ref.key, value: found?.value ?? null, ...(unit === undefined ? {} : { unit }) };
  }
  return {
    repetition,
    warmup,
    instanceId: instance.id,
    workload: instance.workload,
    device: instance.device,
    column: instance.column,
    status: outcome.status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    createdAt: outcome.createdAt,
    startedAt: outcome.startedAt,
    firstOutputAt: outcome.firstOutputAt,
    endedAt: outcome.endedAt,
    durationSeconds: outcome.durationSeconds,
    ...(outcome.message === undefined ? {} : { message: outcome.message }),
    log: path.relative(runDir, logFile),
    ...(outcome.image === undefined ? {} : { image: outcome.image }),
    ...(outcome.gpuAccess === undefined ? {} : { gpuAccess: outcome.gpuAccess }),
    ...(outcome.barrier === undefined ? {} : { barrier: outcome.barrier }),
    metrics,
    parse: { complete: parsed.complete, problems: parsed.problems.length },
  };
}

/**
 * A unit as the log printed it, made a label: control characters (an ANSI colour, a bell) become U+FFFD
 * rather than reach a terminal through `bench report` or a CI summary.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const printable = (text: string | undefined): string | undefined => text?.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\uFFFD");

/** A run is valid when every measured execution ended well and produced every metric it names. */
function judge(executions: readonly Execution[], failure: MigbenchError | undefined, interrupted: boolean): RunManifest["validity"] {
  const reasons: string[] = [];
  if (interrupted) reasons.push("the run was interrupted");
  if (failure) reasons.push(failure.message);
  const measured = executions.filter((e) => !e.warmup);
  if (measured.length === 0) reasons.push("no measured execution");
  for (const e of measured) {
    const where = `${e.instanceId} (repetition ${e.repetition + 1})`;
    if (e.status !== "ok") reasons.push(`${where}: ${e.status}${e.message ? `, ${e.message}` : ""}`);
    else if (!e.parse.complete) reasons.push(`${where}: the log has no final summary`);
    for (const [role, m] of Object.entries(e.metrics)) {
      if (m && m.value === null) reasons.push(`${where}: no value for ${role} (${m.key})`);
    }
  }
  return { valid: reasons.length === 0, reasons };
}
