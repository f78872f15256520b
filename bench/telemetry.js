#!/usr/bin/env node
// Telemetry sampling cost, in a child process on the simulated A100 with seven MIG devices: a telemetry
// session at 10 Hz for a fixed window, then the per-device memory poller alone at its default 5 s (for a
// third of the window, at least 20 s: four readings), then (the reference) a bare 10 Hz timer for a third
// of the window. CPU is read from /proc once a session runs (its one-off field probe excluded), split into
//   - the harness itself (this process: reading the sampler's lines, writing the CSV files);
//   - the looping sampler process (`nvidia-smi -lms 100`; here the simulator, a Node process);
//   - the poller's looping `nvidia-smi -q -x -lms 5000` process: over the whole window (its start
//     included, reaped once stopped) and from its first reading on (its steady state).
// With a real GPU the last two are NVIDIA's tool; the harness's share is what migbench adds.
// `--gpu real` samples GPU 0 through the nvidia-smi on PATH, as found: no MIG devices are made, so the
// MIG memory poller (which reads MIG devices only) is left out.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { setInterval, clearInterval } from "node:timers";
import { pathToFileURL } from "node:url";
import { fmt, procCpuSeconds, root, row, timed } from "./lib.js";

const INTERVAL_MS = 100;

/** Pids of this process's children, from /proc. */
function childPids() {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid;
      } catch {
        return false;
      }
    });
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The simulated A100 with seven 1g.5gb MIG devices, first on PATH for this process. */
async function simulatedGpu(dir) {
  const { initSimState, simBinDir } = await import("../dist/gpu/sim/index.js");
  const { execa } = await import("execa");
  const state = path.join(dir, "sim.json");
  await initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: state });
  process.env.MIGBENCH_SIM_STATE = state;
  process.env.PATH = `${simBinDir()}${path.delimiter}${process.env.PATH}`;
  await execa("nvidia-smi", ["-i", "0", "-mig", "1"]);
  await execa("nvidia-smi", ["mig", "-i", "0", "-cgi", "19,19,19,19,19,19,19", "-C"]);
}

/** The reference: the least a Node process woken ten times a second costs here (share of one core). */
async function idleTimerCpu(seconds) {
  const timer = setInterval(() => undefined, INTERVAL_MS);
  const before = procCpuSeconds();
  const start = performance.now();
  await sleep(seconds);
  clearInterval(timer);
  return (procCpuSeconds().self - before.self) / ((performance.now() - start) / 1000);
}

async function child(dir, seconds, gpu) {
  const { startTelemetry } = await import("../dist/metrics/telemetry/index.js");
  const { MigMemoryPoller } = await import("../dist/metrics/telemetry/mig-memory.js");
  if (gpu !== "real") await simulatedGpu(dir);

  // The GPU sampler alone, at 10 Hz.
  const session = await startTelemetry({ dir, gpus: [0], intervalMs: INTERVAL_MS, migIntervalMs: null, dcgm: "off" });
  const sampler = childPids().find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("-lms"));
  if (!sampler) throw new Error("no looping nvidia-smi sampler found");
  const samplerBefore = procCpuSeconds(sampler);
  const selfBefore = procCpuSeconds();
  const start = performance.now();
  await sleep(seconds);
  const selfAfter = procCpuSeconds();
  const samplerAfter = procCpuSeconds(sampler);
  const elapsed = (performance.now() - start) / 1000;
  const recording = await session.stop();
  const sampled = { elapsed, harness: selfAfter.self - selfBefore.self, sampler: samplerAfter.self - samplerBefore.self, samples: recording.gpus[0]?.samples ?? 0 };
  if (gpu === "real") return { ...sampled, idle: await idleTimerCpu(seconds / 3) };

  // The MIG memory poller alone, at its default interval.
  let firstReading;
  const first = new Promise((resolve) => (firstReading = resolve));
  const poller = new MigMemoryPoller({ gpus: [0], intervalMs: 5_000, file: path.join(dir, "mig-memory.csv"), smi: { bin: "nvidia-smi", timeoutMs: 30_000 }, uuids: new Map(), onReading: () => firstReading() });
  const pollBefore = procCpuSeconds();
  const pollStart = performance.now();
  poller.start();
  await first;
  const looping = childPids().find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("-q"));
  if (!looping) throw new Error("no looping nvidia-smi -q -x found");
  const steadyStart = performance.now();
  const steadyBefore = { self: procCpuSeconds().self, tool: procCpuSeconds(looping).self };
  await sleep(Math.max(seconds / 3, 20) - (steadyStart - pollStart) / 1000);
  const steadyAfter = { self: procCpuSeconds().self, tool: procCpuSeconds(looping).self };
  const steadyElapsed = (performance.now() - steadyStart) / 1000;
  const polled = await poller.stop();
  const pollAfter = procCpuSeconds();
  // Taken here, not after the reference below: the poller's CPU is spread over its own window only.
  const pollElapsed = (performance.now() - pollStart) / 1000;

  return {
    ...sampled,
    idle: await idleTimerCpu(seconds / 3),
    pollElapsed,
    pollHarness: pollAfter.self - pollBefore.self,
    pollTool: pollAfter.children - pollBefore.children,
    pollSteady: (steadyAfter.self - steadyBefore.self + steadyAfter.tool - steadyBefore.tool) / steadyElapsed,
    migSamples: polled.samples,
  };
}

export async function telemetrySampling({ quick, tmp, gpu }) {
  const seconds = quick ? 15 : 60;
  const { result } = await timed(process.execPath, [new URL(import.meta.url).pathname, "--child", tmp, String(seconds), gpu]);
  const m = JSON.parse(String(result.stdout));
  const pct = (cpuSeconds) => (100 * cpuSeconds) / m.elapsed;
  const note = `${m.samples} samples in ${fmt.s(m.elapsed)}; CPU from /proc (10 ms ticks)`;
  const tool = gpu === "real" ? "the real nvidia-smi -lms" : "the simulated nvidia-smi -lms";
  const sampling = [
    row(`telemetry at 10 Hz for ${seconds} s: harness`, `a 10 Hz timer: ${fmt.pct(100 * m.idle)}`, `${fmt.pct(pct(m.harness))} of one core`, "< 1 %", pct(m.harness) < 1, note),
    row(`telemetry at 10 Hz for ${seconds} s: + sampler process`, "-", `${fmt.pct(pct(m.harness + m.sampler))} of one core`, "< 1 %", pct(m.harness + m.sampler) < 1, `${tool} alone: ${fmt.pct(pct(m.sampler))}`),
  ];
  if (gpu === "real") return sampling;
  return [
    ...sampling,
    row(
      "telemetry: MIG memory poller (-q -x every 5 s)",
      "-",
      `${fmt.pct((100 * (m.pollHarness + m.pollTool)) / m.pollElapsed)} of one core`,
      "-",
      null,
      `over ${fmt.s(m.pollElapsed)}, the looping simulated nvidia-smi's start included; from its first reading on ${fmt.pct(100 * m.pollSteady)}; harness ${fmt.pct((100 * m.pollHarness) / m.pollElapsed)}; ${m.migSamples} device readings`,
    ),
  ];
}

if (process.argv[2] === "--child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.chdir(root);
  process.stdout.write(`${JSON.stringify(await child(process.argv[3], Number(process.argv[4]), process.argv[5]))}\n`);
}
