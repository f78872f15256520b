// Orchestration overhead: a whole `bench run` of seven fixed-time cpu-matmul copies on the
// simulated A100's seven 1g.5gb devices, against the same seven copies started directly (processes: by
// bench/direct-launch.js; containers: by seven `docker run` in the background of one shell).
//
// Two ratios per runtime: the whole run (CLI process wall time, so partitioning the simulated GPU through
// its nvidia-smi, telemetry, parsing, writing the run directory and restoring the GPU are all in it), and
// the workload phase (first instance created to last instance ended, from the manifest, against first
// spawn to last exit in the reference), which is what the workloads themselves see of the harness.
// Processes also run a third subject: `bench run` on a GPU already partitioned as the scenario asks (by
// `bench partition apply` beforehand), which reuses the layout as found and leaves it so: the reference
// also starts its copies on devices that exist, so this is the harness's own overhead, partitioning aside.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { benchBin, benchRunManifest, cpuMatmulCommand, cpuMatmulScenario, fmt, interleaved, median, root, row, skipped, timed } from "./lib.js";

const COPIES = 7;
const IMAGE = "migbench-test:local";
const workloadArgs = (seconds) => ["--seconds", String(seconds), "--warmup-seconds", "0"];

/**
 * The simulated A100 gets seven 1g.5gb MIG devices, one copy on each; a real GPU (`--gpu real`, whatever
 * its model: the run is given `--any-gpu`) is never repartitioned here, so its copies share it whole.
 */
function scenarioYaml(name, seconds, runtime, gpu = "sim") {
  const real = gpu === "real";
  return cpuMatmulScenario({
    name,
    command: cpuMatmulCommand(workloadArgs(seconds), runtime === "docker"),
    ...(runtime === "docker" ? { image: IMAGE } : {}),
    layout: real ? { mig: false } : { mig: true, gpuInstances: [{ profile: "1g.5gb", count: COPIES }] },
    run: real ? { copies: COPIES, on: "full-gpu" } : { on: "each-mig-device" },
    schedule: "parallel",
    metrics: ["time", "throughput"],
  });
}

const spread = (times) => (times.length === 0 ? NaN : Math.max(...times) - Math.min(...times));
const epoch = (iso) => (iso === null || iso === undefined ? NaN : Date.parse(iso));

/** One `bench run`; its wall time and, from its manifest, the workload phase (and its bounds) and first-output skew. */
async function benchRun(scenarioFile, runtime, tmp, env = {}, gpu = "sim", nodeArgs = []) {
  const began = Date.now();
  const { ms, manifest } = await benchRunManifest(scenarioFile, tmp, { gpu, runtime, env, nodeArgs, executions: COPIES });
  const executions = manifest.executions;
  const first = Math.min(...executions.map((e) => epoch(e.createdAt)));
  const last = Math.max(...executions.map((e) => epoch(e.endedAt)));
  const reused = manifest.warnings.some((w) => w.includes("reused as found"));
  return { ms, phase: last - first, began, first, last, startedAt: epoch(manifest.startedAt), reused, firstOutputSkew: manifest.groups?.[0]?.firstOutputSkewMs ?? NaN };
}

/** nvidia-smi calls in rounds: a round is the calls started while another of the round was still running. */
function rounds(calls) {
  const grouped = [];
  for (const call of [...calls].sort((a, b) => a.at - b.at)) {
    const round = grouped.at(-1);
    if (round && call.at < Math.max(...round.map((c) => c.end))) round.push(call);
    else grouped.push([call]);
  }
  return grouped;
}

/**
 * Where one run's time goes (a diagnostic run, not timed): bench/run-timeline-preload.js records, in the
 * `bench` process, every program it starts and when the process began and ended. Said in phases: the CLI's
 * start to the run's start, to the first instance created (with the nvidia-smi calls and rounds before it),
 * the workloads, and the last instance's end to the process's exit (with the calls after it, and the wait
 * for the telemetry loop to end).
 */
async function runTimeline(scenarioFile, runtime, tmp, env = {}, gpu = "sim") {
  const log = path.join(tmp, "timeline.jsonl");
  writeFileSync(log, "");
  const preload = new URL("./run-timeline-preload.js", import.meta.url).href;
  const run = await benchRun(scenarioFile, runtime, tmp, { ...env, MIGBENCH_BENCH_TIMELINE: log }, gpu, [`--import=${preload}`]);
  const events = readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
  const start = events.find((e) => e.kind === "start").at;
  const exit = events.find((e) => e.kind === "exit").at;
  const smi = events.filter((e) => e.kind === "spawn" && path.basename(e.file) === "nvidia-smi");
  const loops = smi.filter((e) => e.args.some((a) => a === "-lms" || a === "-l"));
  const calls = smi.filter((e) => !loops.includes(e)).map((e) => ({ ...e, end: e.end ?? exit }));
  const before = calls.filter((c) => c.at < run.first);
  const after = calls.filter((c) => c.at > run.last);
  const loopEnded = Math.max(...loops.map((e) => e.end ?? exit));
  const s = (ms) => fmt.s(ms / 1000);
  const count = (list) => `${list.length} calls in ${rounds(list).length} rounds`;
  return {
    count: calls.length,
    ms: calls.reduce((sum, c) => sum + (c.end - c.at), 0),
    timeline: [
      `process start to run start ${s(run.startedAt - start)}`,
      `to first instance ${s(run.first - run.startedAt)} (${count(before)})`,
      `workloads ${s(run.phase)}`,
      `last ended to exit ${s(exit - run.last)} (${count(after)}${loops.length > 0 ? `; telemetry loop ended ${s(loopEnded - run.last)} after` : ""})`,
    ].join(", "),
  };
}

/**
 * A simulated A100 partitioned as `scenarioFile` asks and left so (`bench partition apply`), for runs that
 * find their layout in place; `reset` gives the layout back.
 */
async function partitionedGpu(scenarioFile, tmp) {
  const env = { MIGBENCH_SIM_STATE: path.join(tmp, "partitioned-sim.json"), MIGBENCH_STATE_DIR: path.join(tmp, "partitioned-state") };
  const bench = (args) => execa(process.execPath, [benchBin, ...args], { env });
  await bench(["sim", "init", "--model", "A100-SXM4-40GB", "--state", env.MIGBENCH_SIM_STATE]);
  await bench(["partition", "apply", scenarioFile, "--sim"]);
  return { env, reset: () => bench(["partition", "reset", "--sim"]) };
}

function rows(label, runs, target, whole, phase, diagnostic, skewNote) {
  const wholeRatio = median(whole.bench) / median(whole.reference);
  const phaseRatio = median(phase.bench) / median(phase.reference);
  const diagnosticNote = `; a diagnostic run: ${diagnostic.count} nvidia-smi calls took ${fmt.s(diagnostic.ms / 1000)}; ${diagnostic.timeline}`;
  return [
    row(`orchestration, ${label}: whole run`, `${fmt.s(median(whole.reference) / 1000)}`, `${fmt.s(median(whole.bench) / 1000)}, ${fmt.ratio(wholeRatio)}`, `<= ${target} x`, wholeRatio <= target, `median of ${runs}${diagnosticNote}`),
    row(`orchestration, ${label}: workload phase`, `${fmt.s(median(phase.reference) / 1000)}`, `${fmt.s(median(phase.bench) / 1000)}, ${fmt.ratio(phaseRatio)}`, `<= ${target} x`, phaseRatio <= target, `first instance created to last ended; ${skewNote}`),
  ];
}

export async function processOverhead({ quick, tmp, gpu }) {
  const seconds = quick ? 2 : 5;
  const runs = quick ? 1 : 3;
  const real = gpu === "real";
  const scenarioFile = path.join(tmp, "overhead-process.yaml");
  writeFileSync(scenarioFile, scenarioYaml("bench-overhead-process", seconds, "process", gpu));
  const workload = cpuMatmulCommand(workloadArgs(seconds));
  const phase = { bench: [], reference: [] };
  const skew = { bench: [], reference: [] };
  // The real GPU keeps its MIG mode, so there is no partitioned layout to find in place.
  const partitioned = real ? null : await partitionedGpu(scenarioFile, tmp);
  const reused = [];
  const subjects = {
    reference: async () => {
      const { ms, result } = await timed(process.execPath, [path.join(root, "bench", "direct-launch.js"), String(COPIES), "--", ...workload]);
      const report = JSON.parse(String(result.stdout));
      phase.reference.push(Math.max(...report.runs.map((r) => r.exitedAt)) - report.spawnedAt);
      skew.reference.push(spread(report.runs.map((r) => r.firstOutputAt)));
      return ms;
    },
    bench: async () => {
      const run = await benchRun(scenarioFile, "process", tmp, {}, gpu);
      phase.bench.push(run.phase);
      skew.bench.push(run.firstOutputSkew);
      return run.ms;
    },
  };
  if (partitioned)
    subjects.partitioned = async () => {
      const run = await benchRun(scenarioFile, "process", tmp, partitioned.env);
      if (!run.reused) throw new Error("bench run on the partitioned GPU did not reuse its layout");
      reused.push(run.ms);
      return run.ms;
    };
  const whole = await interleaved(runs, subjects);
  const skewNote = `first-output skew ${fmt.ms(median(skew.bench))} (direct: ${fmt.ms(median(skew.reference))})`;
  const label = `7 processes, ${seconds} s workloads${real ? ", real GPU (no MIG)" : ""}`;
  if (!partitioned) return rows(label, runs, 1.05, whole, phase, await runTimeline(scenarioFile, "process", tmp, {}, gpu), skewNote);
  await partitioned.reset();
  const diagnostic = await runTimeline(scenarioFile, "process", tmp);
  const reusedRatio = median(reused) / median(whole.reference);
  return [
    ...rows(label, runs, 1.05, whole, phase, diagnostic, skewNote),
    row(
      `orchestration, ${label}: whole run, GPU already partitioned`,
      `${fmt.s(median(whole.reference) / 1000)}`,
      `${fmt.s(median(reused) / 1000)}, ${fmt.ratio(reusedRatio)}`,
      "<= 1.05 x",
      reusedRatio <= 1.05,
      "bench partition apply beforehand; the run reuses the layout and leaves it",
    ),
  ];
}

async function engineAnswers() {
  const result = await execa("docker", ["version", "--format", "{{.Server.Version}}"], { reject: false, timeout: 15_000 }).catch(() => null);
  if (!result || result.exitCode !== 0) return "no Docker engine answers (DOCKER_HOST; .ci/start-dockerd.sh starts one)";
  const image = await execa("docker", ["image", "inspect", IMAGE], { reject: false, timeout: 15_000 });
  if (image.exitCode !== 0) return `no image ${IMAGE} (test/docker/build-test-image.sh builds it)`;
  return null;
}

export async function dockerOverhead({ quick, tmp, gpu }) {
  const seconds = quick ? 2 : 5;
  const runs = quick ? 1 : 3;
  const why = gpu === "real" ? "the simulated GPU only: containers on a real GPU need NVIDIA's container toolkit" : await engineAnswers();
  if (why) return [skipped("orchestration, 7 containers", "<= 1.10 x", why)];
  const scenarioFile = path.join(tmp, "overhead-docker.yaml");
  writeFileSync(scenarioFile, scenarioYaml("bench-overhead-docker", seconds, "docker"));
  // A fixed benchmark script, not built from input: seven `docker run` in the background, then wait.
  const oneRun = `docker run --rm ${IMAGE} node /opt/migbench/workloads/cpu-matmul/main.js ${workloadArgs(seconds).join(" ")} >/dev/null`;
  const script = `${Array.from({ length: COPIES }, () => `${oneRun} &`).join(" ")} wait`;
  const phase = { bench: [], reference: [] };
  const skew = [];
  const whole = await interleaved(runs, {
    reference: async () => {
      const { ms } = await timed("sh", ["-c", script]);
      phase.reference.push(ms);
      return ms;
    },
    bench: async () => {
      const run = await benchRun(scenarioFile, "docker", tmp);
      phase.bench.push(run.phase);
      skew.push(run.firstOutputSkew);
      return run.ms;
    },
  });
  return rows(`7 containers, ${seconds} s workloads`, runs, 1.1, whole, phase, await runTimeline(scenarioFile, "docker", tmp), `first-output skew ${fmt.ms(median(skew))}`);
}
