#!/usr/bin/env node
// Start skew of a group of seven: how far apart their first log lines come, through the runtimes' own
// runGroup (processes; containers behind the start gate when a Docker engine answers and
// test/docker/build-test-image.sh built migbench-test:local), against the same seven spawned directly by
// bench/direct-launch.js (processes, or seven `docker run`). Two workloads: `sh` printing at once (the
// harness's own skew) and cpu-matmul (Node's start-up under seven-way contention for the cores on top).
// cpu-matmul's target rows use the workload start barrier (src/runtime/start-barrier.ts): the skew is then
// the spread of the first record after the release; the same without the barrier is printed as info.
// Part of `npm run bench`; alone: `node bench/start-skew.js [trials]` after `npm run build`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createDockerRuntime } from "../dist/runtime/docker/index.js";
import { createProcessRuntime, groupSkew } from "../dist/runtime/index.js";
import { connectEngine } from "../dist/runtime/docker/index.js";
import { fmt, median, root, row, skipped, timed } from "./lib.js";

const COPIES = 7;
const IMAGE = "migbench-test:local";
const workloads = {
  sh: { host: ["/bin/sh", "-c", "echo ready; sleep 0.3"], container: ["/bin/sh", "-c", "echo ready; sleep 0.3"] },
  "cpu-matmul": {
    host: [process.execPath, path.join(root, "workloads/cpu-matmul/main.js"), "--seconds", "0.3", "--warmup-seconds", "0"],
    container: ["node", "/opt/migbench/workloads/cpu-matmul/main.js", "--seconds", "0.3", "--warmup-seconds", "0"],
  },
};

/** Long enough for seven Node start-ups on a loaded machine; a copy not ready by then fails the trial. */
const BARRIER_TIMEOUT_SECONDS = 60;

const specs = (dir, label, trial, command, image, barrier = false) =>
  Array.from({ length: COPIES }, (_, i) => ({
    instanceId: `${label}${trial}.${i + 1}`,
    command,
    cwd: root,
    env: {},
    device: { kind: "mig", uuid: `MIG-00000000-0000-5000-8000-00000000000${i}` },
    logFile: path.join(dir, `${label}${trial}.${i + 1}.log`),
    ...(image ? { image } : {}),
    ...(barrier ? { startBarrier: { timeoutSeconds: BARRIER_TIMEOUT_SECONDS } } : {}),
  }));

/** First-output skews of `trials` groups; with the barrier, of the first output after its release. */
async function harnessSkews(runtime, trials, make) {
  const skews = [];
  for (let t = 0; t < trials; t++) {
    const outcomes = await runtime.runGroup(make(t));
    const bad = outcomes.filter((o) => o.status !== "ok" || o.message !== undefined);
    if (bad.length > 0) throw new Error(bad.map((o) => `${o.instanceId} ${o.status} ${o.message ?? ""}`).join("; "));
    const skew = groupSkew(outcomes);
    skews.push(skew.releasedOutputSkewMs ?? skew.firstOutputSkewMs);
  }
  return skews;
}

async function directSkews(trials, command) {
  const skews = [];
  for (let t = 0; t < trials; t++) {
    const { result } = await timed(process.execPath, [path.join(root, "bench", "direct-launch.js"), String(COPIES), "--", ...command]);
    const times = JSON.parse(String(result.stdout)).runs.map((r) => r.firstOutputAt);
    skews.push(Math.max(...times) - Math.min(...times));
  }
  return skews;
}

const engineAnswers = () =>
  connectEngine()
    .version()
    .then(() => true, () => false);

export async function startSkew({ quick, trials = quick ? 3 : 9 }) {
  const dir = mkdtempSync(path.join(tmpdir(), "migbench-skew-"));
  const rows = [];
  try {
    const processes = createProcessRuntime();
    for (const [name, { host }] of Object.entries(workloads)) {
      const harness = median(await harnessSkews(processes, trials, (t) => specs(dir, `p-${name}-`, t, host)));
      const direct = median(await directSkews(trials, host));
      if (name === "sh") {
        rows.push(row(`start skew, 7 processes, ${name} (first log line)`, `direct spawn: ${fmt.ms(direct)}`, fmt.ms(harness), "<= 20 ms", harness <= 20, `median of ${trials}`));
        continue;
      }
      const barrier = median(await harnessSkews(processes, trials, (t) => specs(dir, `pb-${name}-`, t, host, undefined, true)));
      rows.push(row(`start skew, 7 processes, ${name}, start barrier (first record after release)`, `direct spawn: ${fmt.ms(direct)}`, fmt.ms(barrier), "<= 20 ms", barrier <= 20, `median of ${trials}`));
      rows.push(row(`start skew, 7 processes, ${name}, no barrier (first log line)`, `direct spawn: ${fmt.ms(direct)}`, fmt.ms(harness), "-", null, `median of ${trials}`));
    }
    if (!(await engineAnswers())) {
      rows.push(skipped("start skew, 7 containers (first log line)", "<= 100 ms", "no Docker engine answers (DOCKER_HOST; .ci/start-dockerd.sh starts one)"));
      return rows;
    }
    // The image holds workloads/cpu-matmul: rebuilt (a no-op when unchanged) so that it has this one's barrier support.
    execFileSync(path.join(root, "test/docker/build-test-image.sh"), [IMAGE], { stdio: ["ignore", "ignore", "inherit"] });
    const containers = createDockerRuntime({ runId: "bench-start-skew", gpuAccess: "env-only", startGate: true });
    await containers.preflight([IMAGE]);
    for (const [name, { container }] of Object.entries(workloads)) {
      const harness = median(await harnessSkews(containers, trials, (t) => specs(dir, `c-${name}-`, t, container, IMAGE)));
      const direct = median(await directSkews(trials, ["docker", "run", "--rm", IMAGE, ...container]));
      if (name === "sh") {
        rows.push(row(`start skew, 7 containers, ${name} (first log line)`, `7 docker run: ${fmt.ms(direct)}`, fmt.ms(harness), "<= 100 ms", harness <= 100, `median of ${trials}, start gate`));
        continue;
      }
      const barrier = median(await harnessSkews(containers, trials, (t) => specs(dir, `cb-${name}-`, t, container, IMAGE, true)));
      rows.push(row(`start skew, 7 containers, ${name}, start barrier (first record after release)`, `7 docker run: ${fmt.ms(direct)}`, fmt.ms(barrier), "<= 100 ms", barrier <= 100, `median of ${trials}, start gate`));
      rows.push(row(`start skew, 7 containers, ${name}, no barrier (first log line)`, `7 docker run: ${fmt.ms(direct)}`, fmt.ms(harness), "-", null, `median of ${trials}, start gate`));
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const r of await startSkew({ quick: false, trials: Number(process.argv[2] ?? 9) })) console.log(`${r.what.padEnd(76)} ${r.measured.padEnd(10)} reference ${r.reference.padEnd(22)} target ${r.target} ${r.verdict}`);
}
