/**
 * One run of one scenario: plan, partition, launch each step of each repetition, collect metrics,
 * tear down and restore, write the run directory. Partial results are written after every step, so a
 * failed or interrupted run keeps what it measured.
 */
import path from "node:path";
import { EXIT, EnvironmentError, MigbenchError } from "../errors.js";
import { NvidiaSmi } from "../gpu/nvidia-smi/index.js";
import { apply, preflight, snapshot, teardown, type AppliedLayout, type GpuSnapshot } from "../gpu/partition/index.js";
import { getParser, type ParserSession } from "../metrics/parsers/index.js";
import { buildPlan } from "../plan/index.js";
import type { Plan, PlannedInstance } from "../plan/types.js";
import { createRunDir, type RunManifest } from "../results/index.js";
import { RUNTIMES } from "../runtime/index.js";
import type { InstanceOutcome, LaunchSpec } from "../runtime/types.js";
import { metricRoles, parseDuration } from "../scenario/schema.js";
import type { Scenario } from "../scenario/types.js";
import { activateGpuTarget, resolveGpuTarget, type GpuRequest } from "./gpu-target.js";
import { hostInfo, harnessInfo } from "./environment.js";

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
}

export interface RunOutcome {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly exitCode: number;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const { scenario, signal, progress } = options;
  const makeRuntime = RUNTIMES[options.runtime];
  if (!makeRuntime) throw new MigbenchError(`unknown runtime "${options.runtime}"`, EXIT.badInput);
  const plan = buildPlan(scenario);
  const run = await createRunDir(options.resultsRoot, scenario.doc.name);
  const target = await resolveGpuTarget(options.gpu, scenario.model.id, run.dir);
  activateGpuTarget(target);

  let manifest: RunManifest = {
    schemaVersion: 1,
    runId: run.id,
    status: "running",
    simulated: target.kind === "sim",
    harness: await harnessInfo(),
    command: [...options.command],
    startedAt: new Date().toISOString(),
    host: hostInfo(),
    gpu: { model: plan.gpu.model, name: plan.gpu.model, uuid: "", index: plan.gpu.index },
    scenario: { file: scenario.file, name: scenario.doc.name, ...(scenario.doc.title ? { title: scenario.doc.title } : {}), sha256: scenario.sha256, text: scenario.text },
    plan,
    devices: [],
    executions: [],
    warnings: target.kind === "sim" ? [`simulated GPU (${target.model}); figures come from the workloads on this host's CPU, not from a GPU`] : [],
    validity: { valid: false, reasons: ["the run has not finished"] },
  };
  const save = async (patch: Partial<RunManifest>): Promise<void> => {
    manifest = { ...manifest, ...patch };
    await run.writeManifest(manifest);
  };
  await save({});
  progress(`run ${run.id}: ${plan.instances.length} instance(s), ${plan.schedule}, ${plan.repetitions} repetition(s) on ${target.kind === "sim" ? `simulated ${target.model}` : "the real GPU"}`);

  const smi = new NvidiaSmi();
  let applied: AppliedLayout | undefined;
  let failure: MigbenchError | undefined;
  try {
    const found: GpuSnapshot = await snapshot(smi, plan.gpu.index);
    await save({ gpu: { ...manifest.gpu, ...(await gpuFacts(smi)), name: found.name, uuid: found.uuid, migModeBefore: found.migEnabled ? "Enabled" : "Disabled" } });
    preflight(plan, found, { anyGpu: options.anyGpu ?? false });
    progress(plan.mig ? `partition: creating ${plan.mig.gpuInstances.length} GPU instance(s)` : "partition: MIG off, whole GPU");
    applied = await apply(smi, plan, found);
    await save({
      devices: applied.devices.map((d) => ({ ...d })),
      gpu: { ...manifest.gpu, migModeDuring: plan.mig ? "Enabled" : "Disabled" },
    });
    await executeRepetitions(options, plan, run, applied, async (execution) => {
      await save({ executions: [...manifest.executions, execution] });
    });
  } catch (error) {
    failure = error instanceof MigbenchError ? error : new EnvironmentError(messageOf(error));
  } finally {
    if (applied) {
      progress("teardown: restoring the GPU");
      const problems = await teardown(smi, applied);
      if (problems.length > 0) {
        await save({ warnings: [...manifest.warnings, ...problems.map((p) => `teardown: ${p}`)] });
        failure ??= new EnvironmentError(`the GPU could not be fully restored:\n${problems.join("\n")}`);
      }
    }
  }

  const interrupted = signal.aborted;
  const validity = judge(manifest.executions, failure, interrupted);
  const status = interrupted ? "interrupted" : failure ? "failed" : "complete";
  await save({ status, endedAt: new Date().toISOString(), validity });
  const exitCode = interrupted ? EXIT.interrupted : failure ? failure.exitCode : validity.valid ? EXIT.ok : EXIT.invalid;
  if (failure && !interrupted) progress(`run failed: ${failure.message}`);
  return { dir: run.dir, manifest, exitCode };
}

/** Driver and CUDA versions when the tool reports them; their absence is not a reason to stop. */
async function gpuFacts(smi: NvidiaSmi): Promise<{ driverVersion?: string; cudaVersion?: string }> {
  return smi.driverInfo().catch(() => ({}));
}

async function executeRepetitions(
  options: RunOptions,
  plan: Plan,
  run: Awaited<ReturnType<typeof createRunDir>>,
  applied: AppliedLayout,
  record: (execution: Execution) => Promise<void>,
): Promise<void> {
  const { scenario, signal, progress } = options;
  const runtime = RUNTIMES[options.runtime]?.();
  if (!runtime) return;
  const instances = new Map(plan.instances.map((i) => [i.id, i]));
  const total = plan.warmup + plan.repetitions;
  for (let repetition = 0; repetition < total && !signal.aborted; repetition++) {
    const warmup = repetition < plan.warmup;
    const label = warmup ? `warm-up ${repetition + 1}/${plan.warmup}` : `repetition ${repetition - plan.warmup + 1}/${plan.repetitions}`;
    for (const [k, step] of plan.steps.entries()) {
      if (signal.aborted) break;
      const members = step.map((id) => instances.get(id)).filter((i): i is PlannedInstance => i !== undefined);
      const specs = await Promise.all(members.map((instance) => launchSpec(scenario, instance, applied, run.logPath(repetition, instance.id))));
      const sessions = new Map<string, { session: ParserSession; lines: number }>(
        members.map((instance) => {
          const workload = scenario.doc.workloads[instance.workload];
          const parserRef = workload?.parser ?? "jsonl";
          const name = typeof parserRef === "string" ? parserRef : parserRef.name;
          const parserOptions = typeof parserRef === "string" ? undefined : parserRef.options;
          return [instance.id, { session: getParser(name).create(parserOptions), lines: 0 }];
        }),
      );
      progress(`${label}, step ${k + 1}/${plan.steps.length}: starting ${members.map((m) => m.id).join(", ")}`);
      const outcomes = await runtime.runGroup(specs, {
        signal,
        onLine: (id, _stream, line, at) => {
          const entry = sessions.get(id);
          if (!entry) return;
          entry.lines++;
          entry.session.push(line, entry.lines, at.getTime());
        },
      });
      for (const outcome of outcomes) {
        const instance = instances.get(outcome.instanceId);
        const entry = sessions.get(outcome.instanceId);
        if (!instance || !entry) continue;
        const execution = toExecution(scenario, instance, repetition, warmup, outcome, entry.session, run.dir, run.logPath(repetition, instance.id));
        progress(`  ${instance.id}: ${outcome.status}${outcome.message ? ` (${outcome.message})` : ""} in ${outcome.durationSeconds.toFixed(2)} s${describeMetrics(execution)}`);
        await record(execution);
      }
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
    ...(workload.image === undefined ? {} : { image: workload.image }),
  };
}

function toExecution(
  scenario: Scenario,
  instance: PlannedInstance,
  repetition: number,
  warmup: boolean,
  outcome: InstanceOutcome,
  session: ParserSession,
  runDir: string,
  logFile: string,
): Execution {
  const parsed = session.finish();
  const refs = scenario.doc.workloads[instance.workload]?.metrics ?? {};
  const metrics: Execution["metrics"] = {};
  for (const role of metricRoles) {
    const ref = refs[role];
    if (!ref) continue;
    const found = parsed.final[ref.key];
    const unit = ref.unit ?? found?.unit;
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
    metrics,
    parse: { complete: parsed.complete, problems: parsed.problems.length },
  };
}

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
