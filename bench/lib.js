// What every benchmark module shares: paths, timing of child processes, medians, the machine's facts.
// Figures are ratios against a reference measured in the same run, reference and subject interleaved
// (ABAB...), so that a busy shared machine slows both alike; medians of the repetitions are reported.
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { stringify } from "yaml";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const benchBin = path.join(root, "bin", "bench.js");
export const simSmi = path.join(root, "bin", "sim", "nvidia-smi");

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a program (argument array, no shell) and returns its wall time in ms and its result. */
export async function timed(file, args, options = {}) {
  const start = performance.now();
  const result = await execa(file, args, { cwd: root, reject: false, ...options });
  const ms = performance.now() - start;
  if (result.exitCode !== 0 && !options.allowFailure) {
    throw new Error(`${[file, ...args].join(" ")} exited ${result.exitCode}: ${String(result.stderr ?? "").slice(-800)}`);
  }
  return { ms, result };
}

/** The cpu-matmul workload's command: on this host, or in the test image (`migbench-test:local`). */
export const cpuMatmulCommand = (args, inContainer = false) =>
  inContainer ? ["node", "/opt/migbench/workloads/cpu-matmul/main.js", ...args] : [process.execPath, path.join(root, "workloads", "cpu-matmul", "main.js"), ...args];

/** What cpu-matmul's summary record gives, as a scenario's metrics, by role. */
const CPU_MATMUL_METRICS = {
  time: { key: "elapsed_s", unit: "s" },
  throughput: { key: "items_per_second", unit: "items/s" },
  latency: { key: "latency_ms_avg", unit: "ms" },
};

/**
 * A scenario (YAML) of cpu-matmul copies, one repetition, for the simulated A100 (a real GPU's runs are
 * given `--any-gpu`): `layout` and `run` (the placement of its one run entry) as a scenario writes them,
 * `metrics` the roles it reports.
 */
export function cpuMatmulScenario({ name, command, image, layout, run, schedule, metrics }) {
  return stringify({
    name,
    gpu: { model: "A100-SXM4-40GB", index: 0 },
    layout,
    workloads: { "cpu-matmul": { ...(image ? { image } : {}), command, parser: "jsonl", metrics: Object.fromEntries(metrics.map((role) => [role, CPU_MATMUL_METRICS[role]])) } },
    run: [{ workload: "cpu-matmul", ...run }],
    schedule,
    repetitions: 1,
    timeout: "5m",
  });
}

/**
 * One `bench run` of a scenario, on the simulated A100 (its state kept in the run directory) or on the real
 * GPU 0 as found (`--any-gpu`): its wall time and manifest. The run directory is removed once read, unless
 * `keep` (then its path comes too); a run whose executions are not all `ok`, or that ran on another GPU
 * than asked, throws.
 */
export async function benchRunManifest(scenarioFile, tmp, { gpu = "sim", runtime = "process", env = {}, nodeArgs = [], executions, keep = false }) {
  const gpuArgs = gpu === "real" ? ["--gpu", "real", "--any-gpu"] : ["--gpu", "sim:A100-SXM4-40GB"];
  const { ms, result } = await timed(process.execPath, [...nodeArgs, benchBin, "run", scenarioFile, ...gpuArgs, "--runtime", runtime, "--out", path.join(tmp, "results")], {
    env: { MIGBENCH_STATE_DIR: path.join(tmp, "state"), ...(gpu === "real" ? {} : { MIGBENCH_SIM_STATE: undefined }), ...env },
  });
  const dir = String(result.stdout).trim().split("\n").at(-1);
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  if (!keep) rmSync(dir, { recursive: true, force: true });
  if (manifest.executions.length !== executions || manifest.executions.some((e) => e.status !== "ok")) throw new Error(`bench run ${runtime}: ${JSON.stringify(manifest.validity)}`);
  if (manifest.simulated !== (gpu !== "real")) throw new Error(`bench run ${runtime}: asked for the ${gpu} GPU, the manifest says simulated: ${manifest.simulated}`);
  return { ms, manifest, dir };
}

/** `runs` rounds of each named function, interleaved; the ms each returned (or took), per name. */
export async function interleaved(runs, subjects) {
  const times = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of Object.entries(subjects)) {
      const start = performance.now();
      const returned = await fn();
      times[name].push(typeof returned === "number" ? returned : performance.now() - start);
    }
  }
  return times;
}

/** CPU seconds (user + system) of this process and of its reaped children, from /proc (Linux). */
export function procCpuSeconds(pid = "self") {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const tick = 100; // USER_HZ on Linux
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((k) => Number(fields[k]) / tick);
  return { self: utime + stime, children: cutime + cstime };
}

export function machine() {
  const cpuModel = os.cpus()[0]?.model ?? "unknown";
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((v) => v.toFixed(2)).join(" "),
  };
}

export const fmt = {
  ms: (v) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : "n/a"),
  s: (v) => (Number.isFinite(v) ? `${v.toFixed(2)} s` : "n/a"),
  ratio: (v) => (Number.isFinite(v) ? `${v.toFixed(3)} x` : "n/a"),
  pct: (v) => (Number.isFinite(v) ? `${v.toFixed(2)} %` : "n/a"),
  mb: (v) => (Number.isFinite(v) ? `${v.toFixed(0)} MB` : "n/a"),
};

/** One line of the table. `ok`: true / false against the target, null where the row only informs. */
export function row(what, reference, measured, target, ok, note) {
  return { what, reference, measured, target, verdict: ok === true ? "ok" : ok === false ? "MISS" : "info", ...(note ? { note } : {}) };
}

export const skipped = (what, target, why) => ({ what, reference: "-", measured: "-", target, verdict: "skipped", note: why });
