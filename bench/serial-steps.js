// Serial steps: one workload at a time, as the study's serial case runs. Does the harness slow a single
// workload (the CPU it takes, the telemetry beside it), and what does it add between two steps? Three
// copies of cpu-matmul run in serial through `bench run` on the whole GPU, with telemetry at its default
// interval and with telemetry off (MIGBENCH_TELEMETRY_MS=0), against the same copies run one after another
// by this process. Each copy's own throughput (items/s over its timed phase, from its summary record) is
// what is compared: a harness that takes CPU from the workload, or a sampler that does, lowers it.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { benchRunManifest, cpuMatmulCommand, cpuMatmulScenario, fmt, interleaved, median, row, timed } from "./lib.js";

const COPIES = 3;
const workloadArgs = (seconds) => ["--seconds", String(seconds), "--warmup-seconds", "1"];

function scenarioYaml(seconds) {
  return cpuMatmulScenario({
    name: "bench-serial-steps",
    command: cpuMatmulCommand(workloadArgs(seconds)),
    layout: { mig: false },
    run: { copies: COPIES, on: "full-gpu" },
    schedule: "serial",
    metrics: ["throughput"],
  });
}

/** The copy's summary record: its last line of JSON with `items_per_second`. */
function summaryThroughput(stdout) {
  const last = String(stdout).trim().split("\n").at(-1);
  const value = JSON.parse(last).items_per_second;
  if (typeof value !== "number") throw new Error(`cpu-matmul printed no summary: ${last}`);
  return value;
}

/** One `bench run` of the serial scenario: each copy's throughput and the gaps between steps, from its manifest. */
async function benchRun(scenarioFile, tmp, gpu, env) {
  const { manifest } = await benchRunManifest(scenarioFile, tmp, { gpu, env, executions: COPIES });
  const byStart = [...manifest.executions].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  return {
    throughputs: byStart.map((e) => e.metrics.throughput.value),
    gaps: byStart.slice(1).map((e, k) => Date.parse(e.createdAt) - Date.parse(byStart[k].endedAt)),
  };
}

export async function serialSteps({ quick, tmp, gpu }) {
  const seconds = quick ? 2 : 4;
  const runs = quick ? 1 : 3;
  const scenarioFile = path.join(tmp, "serial-steps.yaml");
  writeFileSync(scenarioFile, scenarioYaml(seconds));
  const [node, ...workload] = cpuMatmulCommand(workloadArgs(seconds));
  const throughput = { direct: [], bench: [], noTelemetry: [] };
  const gaps = [];
  await interleaved(runs, {
    direct: async () => {
      for (let copy = 0; copy < COPIES; copy++) throughput.direct.push(summaryThroughput((await timed(node, workload)).result.stdout));
    },
    bench: async () => {
      const run = await benchRun(scenarioFile, tmp, gpu, {});
      throughput.bench.push(...run.throughputs);
      gaps.push(...run.gaps);
    },
    noTelemetry: async () => throughput.noTelemetry.push(...(await benchRun(scenarioFile, tmp, gpu, { MIGBENCH_TELEMETRY_MS: "0" })).throughputs),
  });
  const direct = median(throughput.direct);
  const itemsPerSecond = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} items/s` : "n/a");
  const label = `serial steps, ${COPIES} x cpu-matmul ${seconds} s${gpu === "real" ? ", real GPU (no MIG)" : ""}`;
  const note = (values) => `median of ${values.length} copies (${runs} runs of ${COPIES}); range ${itemsPerSecond(Math.min(...values))} to ${itemsPerSecond(Math.max(...values))}`;
  return [
    row(`${label}: each copy's throughput through bench run`, `run directly: ${itemsPerSecond(direct)}`, `${itemsPerSecond(median(throughput.bench))}, ${fmt.ratio(median(throughput.bench) / direct)}`, "-", null, `${note(throughput.bench)}; telemetry at its default interval`),
    row(`${label}: the same, telemetry off`, `run directly: ${itemsPerSecond(direct)}`, `${itemsPerSecond(median(throughput.noTelemetry))}, ${fmt.ratio(median(throughput.noTelemetry) / direct)}`, "-", null, `${note(throughput.noTelemetry)}; MIGBENCH_TELEMETRY_MS=0`),
    row(`${label}: harness time between steps`, "-", fmt.ms(median(gaps)), "-", null, `one copy's end to the next one's creation; median of ${gaps.length}, at most ${fmt.ms(Math.max(...gaps))}`),
  ];
}
