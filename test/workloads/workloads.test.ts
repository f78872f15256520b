/**
 * The built-in BERT workloads and their CPU stand-in, run for real: the stand-in (Node.js) always; the PyTorch
 * workloads on the CPU path with a tiny model where a python3 with torch exists (CI installs Debian's
 * python3-torch and must run them). Their output is read by the real `dllogger` parser, and the stand-in must
 * print exactly the PyTorch workloads' records. The shipped scenarios/workloads/ files are checked against
 * that output and run through `bench run` on the simulated GPU with the stand-in in place of PyTorch.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { parseLines } from "../../src/metrics/parse-file.js";
import { parseLenientJson, type JsonValue } from "../../src/metrics/parsers/lenient-json.js";
import type { ParseResult, Sample } from "../../src/metrics/parsers/types.js";
import { readRun } from "../../src/results/index.js";
import { readLogLines, type LogLine } from "../../src/runtime/log-writer.js";
import { createProcessRuntime } from "../../src/runtime/process.js";
import { groupSkew } from "../../src/runtime/skew.js";
import type { LaunchSpec } from "../../src/runtime/types.js";
import { bench, root, tempDir } from "../cli/helpers.js";

const STANDIN = path.join(root, "workloads/cpu-standin/main.js");
const FINETUNE = path.join(root, "workloads/bert-finetune/main.py");
const INFER = path.join(root, "workloads/bert-infer/main.py");
/** A model small enough that a PyTorch run takes seconds on one core; the stand-in takes the same flags. */
const TINY = ["--layers", "2", "--hidden", "32", "--heads", "2", "--intermediate", "64", "--seq-len", "32", "--vocab-size", "1000"];
const FINETUNE_ARGS = [...TINY, "--steps", "3", "--warmup-steps", "1", "--log-every", "1"];
const INFER_ARGS = [...TINY, "--requests", "12", "--warmup-requests", "2"];
const MIG = "MIG-0c7a1b2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d";

interface Record_ {
  type: string;
  metric?: string;
  metadata?: { unit: string };
  step?: JsonValue;
  data?: { [key: string]: JsonValue };
}

interface WorkloadRun {
  exitCode: number | undefined;
  lines: string[];
  stderr: string;
  records: Record_[];
  parsed: ParseResult;
  /** The PARAMETER record's data. */
  parameters: { [key: string]: JsonValue };
}

async function runWorkload(command: string[], env: Record<string, string> = {}): Promise<WorkloadRun> {
  const [file, ...args] = command;
  const r = await execa(file as string, args, { reject: false, env, timeout: 180_000 });
  const lines = String(r.stdout).split("\n");
  const records = lines.filter((l) => l.startsWith("DLLL ")).map((l) => parseLenientJson(l.slice(5)) as unknown as Record_);
  const parameters = records.find((r) => r.step === "PARAMETER")?.data ?? {};
  return { exitCode: r.exitCode, lines, stderr: String(r.stderr), records, parsed: parseLines("dllogger", lines), parameters };
}

const stepKind = (step: Sample["step"] | JsonValue | undefined): string =>
  step === "PARAMETER" ? "PARAMETER" : Array.isArray(step) && step.length === 0 ? "summary" : "step";

/** What a consumer of the output relies on: each record's type, step kind and keys, in order (values and times aside). */
const recordShape = (run: WorkloadRun): string[] =>
  run.records.map((r) => (r.type === "METADATA" ? `METADATA ${r.metric} ${r.metadata?.unit}` : `LOG ${stepKind(r.step)} ${Object.keys(r.data ?? {}).join(",")}`));

/** What the dllogger parser makes of it: sample names, units and step kinds, and the final metrics. */
const parsedShape = (run: WorkloadRun) => ({
  samples: run.parsed.samples.map((s) => `${stepKind(s.step)} ${s.name} ${s.unit ?? ""}`),
  final: Object.entries(run.parsed.final).map(([name, f]) => `${name} ${f.unit ?? ""}`),
});

const finalValue = (run: WorkloadRun, name: string): number => {
  const value = run.parsed.final[name]?.value;
  if (typeof value !== "number") throw new Error(`no final ${name} in ${run.lines.join("\n")}\n${run.stderr}`);
  return value;
};

function expectFinetuneOutput(run: WorkloadRun, steps: number, batch: number): void {
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.parsed.problems).toEqual([]);
  expect(run.parsed.complete).toBe(true);
  const losses = run.parsed.samples.filter((s) => s.name === "step_loss");
  expect(losses.map((s) => s.step)).toEqual(Array.from({ length: steps }, (_, i) => [0, i + 1]));
  for (const loss of losses) expect(loss.value).toBeGreaterThan(0);
  expect(run.parsed.final.e2e_train_time?.unit).toBe("s");
  expect(run.parsed.final.training_sequences_per_second?.unit).toBe("sequences/s");
  const time = finalValue(run, "e2e_train_time");
  expect(time).toBeGreaterThan(0);
  expect(finalValue(run, "training_sequences_per_second")).toBeCloseTo((steps * batch) / time, 6);
  expect(finalValue(run, "final_loss")).toBe(losses.at(-1)?.value);
}

function expectInferOutput(run: WorkloadRun, requests: number): void {
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.parsed.problems).toEqual([]);
  expect(run.parsed.complete).toBe(true);
  const latencies = run.parsed.samples.filter((s) => s.name === "latency");
  expect(latencies.map((s) => s.step)).toEqual(Array.from({ length: requests }, (_, i) => [0, i + 1]));
  const values = latencies.map((s) => s.value as number);
  for (const s of latencies) expect(s.unit).toBe("ms");
  // Each per-request record carries the time its request finished: in order, inside the run.
  const times = latencies.map((s) => s.at as number);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  expect(finalValue(run, "latency_avg")).toBeCloseTo(mean, 9);
  expect(finalValue(run, "latency_max")).toBe(Math.max(...values));
  const sorted = [...values].sort((a, b) => a - b);
  expect(finalValue(run, "latency_p50")).toBe(sorted[Math.ceil(0.5 * requests) - 1]);
  const ladder = ["latency_p50", "latency_p90", "latency_p95", "latency_p99", "latency_max"].map((k) => finalValue(run, k));
  expect([...ladder].sort((a, b) => a - b)).toEqual(ladder);
  const elapsed = finalValue(run, "e2e_inference_time");
  // The requests ran back to back inside the timed span.
  expect(values.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(elapsed * 1000);
  expect(finalValue(run, "inference_sequences_per_second")).toBeCloseTo(requests / elapsed, 6);
  for (const key of ["e2e_inference_time", "inference_sequences_per_second", "latency_avg"]) expect(run.parsed.final[key]?.unit).toBeDefined();
}

/** A python3 that imports torch: MIGBENCH_TORCH_PYTHON, Debian's /usr/bin/python3, or the one on PATH. */
async function findTorchPython(): Promise<string | null> {
  const candidates = [process.env.MIGBENCH_TORCH_PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const probe = await execa(candidate, ["-c", "import torch"], { reject: false });
    if (probe.exitCode === 0) return candidate;
  }
  if (process.env.CI === "true") throw new Error(`CI must run the PyTorch workload tests, but none of ${candidates.join(", ")} imports torch (install python3-torch)`);
  console.warn(`skipping the PyTorch workload tests: none of ${candidates.join(", ")} imports torch`);
  return null;
}
const python = await findTorchPython();

const standin = { finetune: null as unknown as WorkloadRun, infer: null as unknown as WorkloadRun };
beforeAll(async () => {
  [standin.finetune, standin.infer] = await Promise.all([
    runWorkload(["node", STANDIN, "--mode", "finetune", ...FINETUNE_ARGS], { CUDA_VISIBLE_DEVICES: MIG }),
    runWorkload(["node", STANDIN, "--mode", "infer", ...INFER_ARGS], { CUDA_VISIBLE_DEVICES: MIG }),
  ]);
}, 120_000);

describe("cpu-standin", () => {
  it("--mode finetune measures training steps and prints bert-finetune's DLLogger lines", () => {
    const run = standin.finetune;
    expect(run.lines[0]).toMatch(/^cpu-standin: a CPU stand-in for bert-finetune, not a GPU workload: it measures .*fine-tuning steps/);
    expectFinetuneOutput(run, 3, 4);
    expect(run.parameters).toMatchObject({
      workload: "cpu-standin", standin_for: "bert-finetune", measures: expect.stringMatching(/^CPU stand-in: /),
      device_type: "cpu", cuda_visible_devices: MIG, mig_uuid: MIG, sm_count: null, precision: "fp32",
      num_hidden_layers: 2, hidden_size: 32, max_seq_length: 32, train_batch_size: 4, max_steps: 3, max_seconds: null,
    });
  });

  it("--mode infer times each request and prints bert-infer's DLLogger lines, latencies as samples", () => {
    const run = standin.infer;
    expect(run.lines[0]).toMatch(/^cpu-standin: a CPU stand-in for bert-infer, not a GPU workload: it measures .*inference requests/);
    expectInferOutput(run, 12);
    expect(run.parameters).toMatchObject({ workload: "cpu-standin", standin_for: "bert-infer", mig_uuid: MIG, predict_batch_size: 1, max_requests: 12 });
  });

  it("runs for --seconds when no count is given, and logs its last step", async () => {
    const run = await runWorkload(["node", STANDIN, "--mode", "finetune", ...TINY, "--seconds", "0.4", "--log-every", "1000"]);
    const time = finalValue(run, "e2e_train_time");
    expect(time).toBeGreaterThanOrEqual(0.4);
    const steps = Math.round((finalValue(run, "training_sequences_per_second") * time) / 4);
    expect(run.parsed.samples.filter((s) => s.name === "step_loss").map((s) => s.step)).toEqual([[0, steps]]);
    expect(run.parameters).toMatchObject({ max_steps: null, max_seconds: 0.4 });
  });

  it("really trains: the loss on a batch seen before goes down (16 batches cycle)", async () => {
    const run = await runWorkload(["node", STANDIN, "--mode", "finetune", ...TINY, "--batch-size", "2", "--steps", "33", "--warmup-steps", "0", "--learning-rate", "0.05"]);
    const loss = (step: number) => run.parsed.samples.find((s) => s.name === "step_loss" && JSON.stringify(s.step) === JSON.stringify([0, step]))?.value as number;
    expect(loss(17)).toBeLessThan(loss(1));
    expect(loss(33)).toBeLessThan(loss(17));
  });

  it("writes a diverged loss as NaN, as Python's json does (the parser reads it as null)", async () => {
    const run = await runWorkload(["node", STANDIN, "--mode", "finetune", ...TINY, "--steps", "12", "--warmup-steps", "0", "--learning-rate", "1000"]);
    expect(run.lines.at(-1)).toMatch(/"final_loss":NaN\}\}$/);
    expect(run.parsed.problems).toEqual([]);
    expect(run.parsed.final.final_loss?.value).toBeNull();
  });

  it.each([
    [[], /--mode must be finetune or infer, got nothing/],
    [["--mode", "infer", "--log-every", "2"], /--log-every does not apply to --mode infer/],
    [["--mode", "finetune", "--steps", "3", "--seconds", "1"], /give --steps or --seconds, not both/],
    [["--mode", "finetune", "--hidden", "30", "--heads", "4"], /--hidden \(30\) must be a multiple of --heads \(4\)/],
  ])("rejects bad arguments %j with exit 2", async (args, message) => {
    const run = await runWorkload(["node", STANDIN, ...args]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.records).toEqual([]);
  });
});

describe.skipIf(python === null)("bert-finetune and bert-infer (PyTorch, on the CPU with a tiny model)", () => {
  const py = { finetune: null as unknown as WorkloadRun, infer: null as unknown as WorkloadRun };
  beforeAll(async () => {
    [py.finetune, py.infer] = await Promise.all([
      runWorkload([python as string, FINETUNE, "--device", "cpu", ...FINETUNE_ARGS], { CUDA_VISIBLE_DEVICES: MIG }),
      runWorkload([python as string, INFER, "--device", "cpu", ...INFER_ARGS], { CUDA_VISIBLE_DEVICES: MIG }),
    ]);
  }, 180_000);

  it("bert-finetune trains and prints DLLogger lines the dllogger parser reads like run_squad.py's", () => {
    expect(py.finetune.lines[0]).toMatch(/^bert-finetune: BERT question-answering fine-tuning throughput in PyTorch \(2 layers/);
    expectFinetuneOutput(py.finetune, 3, 4);
    expect(py.finetune.parameters).toMatchObject({
      workload: "bert-finetune", standin_for: null, device_type: "cpu", cuda_visible_devices: MIG, mig_uuid: MIG, sm_count: null,
      torch_version: expect.any(String), attention: expect.stringMatching(/^(sdpa|math)$/), precision: "fp32",
      num_hidden_layers: 2, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, max_seq_length: 32, train_batch_size: 4,
    });
  });

  it("bert-infer times each request and prints latencies as samples, then the summary", () => {
    expect(py.infer.lines[0]).toMatch(/^bert-infer: BERT question-answering inference latency in PyTorch \(2 layers/);
    expectInferOutput(py.infer, 12);
    expect(py.infer.parameters).toMatchObject({ workload: "bert-infer", device_type: "cpu", mig_uuid: MIG, predict_batch_size: 1, max_requests: 12 });
  });

  it.each(["finetune", "infer"] as const)("the stand-in's %s output has exactly the PyTorch workload's records and parses to the same keys", (mode) => {
    expect(recordShape(standin[mode])).toEqual(recordShape(py[mode]));
    expect(Object.keys(standin[mode].parameters)).toEqual(Object.keys(py[mode].parameters));
    expect(parsedShape(standin[mode])).toEqual(parsedShape(py[mode]));
  });

  it.each([["bert-finetune", FINETUNE], ["bert-infer", INFER]])("%s fails clearly without a GPU unless --device cpu (exit 3)", async (name, script) => {
    // An empty CUDA_VISIBLE_DEVICES hides every GPU, so this holds on a GPU machine too.
    const run = await runWorkload([python as string, script, ...TINY], { CUDA_VISIBLE_DEVICES: "" });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^${name}: no CUDA GPU is visible to PyTorch .*; CUDA_VISIBLE_DEVICES ''\\)\\. .*pass --device cpu`, "m"));
    expect(run.records).toEqual([]);
  });

  it("refuses fp16 on the CPU (exit 2)", async () => {
    const run = await runWorkload([python as string, FINETUNE, "--device", "cpu", "--precision", "fp16", ...FINETUNE_ARGS]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--precision fp16 needs a GPU/);
  });
});

/**
 * The start barrier's protocol (workloads/README.md), through the process runtime: two copies of a workload
 * that opts in are released together, and neither prints a DLLogger record before the release.
 */
async function expectHeldAtBarrier(command: string[]): Promise<void> {
  const dir = tempDir("workload-barrier");
  const specs: LaunchSpec[] = ["a", "b"].map((id) => ({
    instanceId: `w.${id}`,
    command,
    cwd: root,
    env: {},
    device: { kind: "mig", uuid: MIG },
    logFile: path.join(dir, `${id}.log`),
    startBarrier: {},
  }));
  const outcomes = await createProcessRuntime().runGroup(specs);
  for (const [i, outcome] of outcomes.entries()) {
    expect(outcome.status, outcome.message).toBe("ok");
    expect(outcome.message).toBeUndefined();
    const released = Date.parse(outcome.barrier?.releasedAt ?? "");
    expect(Date.parse(outcome.barrier?.readyAt ?? "")).toBeLessThanOrEqual(released);
    const lines: LogLine[] = [];
    for await (const line of readLogLines(specs[i]?.logFile as string)) lines.push(line);
    const records = lines.filter((l) => l.text.startsWith("DLLL "));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record.at).toBeGreaterThanOrEqual(released);
  }
  expect(groupSkew(outcomes).notReady).toEqual([]);
}

describe("the start barrier", () => {
  it("cpu-standin waits at it after building its model", async () => {
    await expectHeldAtBarrier(["node", STANDIN, "--mode", "finetune", ...FINETUNE_ARGS]);
  }, 120_000);

  it.skipIf(python === null)("bert-finetune and bert-infer (bertbench.wait_at_start_barrier) wait at it once loaded", async () => {
    await expectHeldAtBarrier([python as string, FINETUNE, "--device", "cpu", ...FINETUNE_ARGS]);
    await expectHeldAtBarrier([python as string, INFER, "--device", "cpu", ...INFER_ARGS]);
  }, 300_000);
});

describe("scenarios/workloads", () => {
  const scenarioDir = path.join(root, "scenarios/workloads");
  const cases = [
    { file: "bert-finetune-nomig-7-parallel.yaml", mode: "finetune", schedule: "parallel" },
    { file: "bert-finetune-nomig-7-serial.yaml", mode: "finetune", schedule: "serial" },
    { file: "bert-infer-nomig-7-serial.yaml", mode: "infer", schedule: "serial" },
  ] as const;
  type Doc = {
    gpu: { model: string };
    layout: { mig: boolean };
    workloads: Record<string, { command: string[]; parser: string; metrics: Record<string, { key: string }> }>;
    run: { copies: number; on: string }[];
    schedule: string;
    repetitions: number;
  };
  const load = (file: string) => parseYaml(readFileSync(path.join(scenarioDir, file), "utf8")) as Doc;

  it.each(cases)("$file: 7 copies on the whole GPU, MIG off, a script that exists, metric keys the workload prints", ({ file, mode, schedule }) => {
    const doc = load(file);
    expect(doc.layout).toEqual({ mig: false });
    expect(doc.schedule).toBe(schedule);
    expect(doc.run).toEqual([expect.objectContaining({ copies: 7, on: "full-gpu" })]);
    const [workload] = Object.values(doc.workloads);
    expect(workload?.parser).toBe("dllogger");
    const script = path.resolve(scenarioDir, workload?.command[1] ?? "");
    expect(script).toBe(mode === "finetune" ? FINETUNE : INFER);
    expect(existsSync(script)).toBe(true);
    const roles = mode === "finetune"
      ? { time: "e2e_train_time", throughput: "training_sequences_per_second" }
      : { throughput: "inference_sequences_per_second", latency: "latency_avg" };
    expect(Object.fromEntries(Object.entries(workload?.metrics ?? {}).map(([role, m]) => [role, m.key]))).toEqual(roles);
    for (const key of Object.values(roles)) expect(standin[mode].parsed.final[key]?.value).toBeGreaterThan(0);
  });

  // The fine-tuning serial case differs from the parallel one only in its schedule.
  it.each(cases.filter((c) => c.file !== "bert-finetune-nomig-7-serial.yaml"))(
    "$file runs through bench run on the simulated GPU with the stand-in in place of PyTorch",
    async ({ file, mode }) => {
      const doc = load(file);
      const [name] = Object.keys(doc.workloads);
      const workload = doc.workloads[name as string];
      if (!workload) throw new Error(`${file} has no workload`);
      const count = mode === "finetune" ? ["--steps", "2", "--warmup-steps", "0"] : ["--requests", "5", "--warmup-requests", "0"];
      workload.command = ["node", STANDIN, "--mode", mode, ...TINY, ...count];
      doc.repetitions = 1;
      const dir = tempDir("workload-scenario");
      const scenario = path.join(dir, file);
      writeFileSync(scenario, stringifyYaml(doc));
      const result = await bench(["run", scenario, "--gpu", `sim:${doc.gpu.model}`, "--runtime", "process", "--out", dir]);
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const manifest = await readRun(String(result.stdout).trim().split("\n").at(-1) ?? "");
      expect(manifest.validity).toEqual({ valid: true, reasons: [] });
      expect(manifest.executions).toHaveLength(7);
      for (const execution of manifest.executions) {
        expect(execution.status).toBe("ok");
        expect(execution.parse).toMatchObject({ parser: "dllogger", complete: true, problems: 0 });
        for (const [role, metric] of Object.entries(workload.metrics)) {
          expect(execution.metrics[role as "time" | "throughput" | "latency"]).toMatchObject({ key: metric.key, value: expect.any(Number) });
        }
      }
    },
    180_000,
  );
});

describe("Dockerfiles", () => {
  it.each(["bert-finetune", "bert-infer"])("%s: base image from a build ARG, and every COPY source exists in the build context (workloads/)", (name) => {
    const text = readFileSync(path.join(root, "workloads", name, "Dockerfile"), "utf8");
    const lines = text.split("\n").map((l) => l.trim());
    const from = lines.findIndex((l) => l.startsWith("FROM "));
    expect(lines.slice(0, from).some((l) => /^ARG BASE_IMAGE=nvcr\.io\/nvidia\/pytorch:\S+$/.test(l))).toBe(true);
    expect(lines[from]).toBe("FROM ${BASE_IMAGE}");
    const copies = lines.filter((l) => l.startsWith("COPY "));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      for (const source of copy.split(/\s+/).slice(1, -1)) expect(existsSync(path.join(root, "workloads", source)), source).toBe(true);
    }
  });
});
