#!/usr/bin/env node
// Start skew of a group of seven (`node bench/start-skew.js [trials]`, after `npm run build`): how far
// apart seven cpu-matmul copies start, and print their first line, as processes and as containers with
// and without the start gate (when a Docker engine answers and test/docker/build-test-image.sh built
// migbench-test:local). Medians and maxima over the trials; informative, never failing.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDockerRuntime, createProcessRuntime, groupSkew } from "../dist/runtime/index.js";
import { connectEngine } from "../dist/runtime/docker/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const trials = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(path.join(tmpdir(), "migbench-skew-"));
const args = ["--seconds", "0.3", "--warmup-seconds", "0.05"];

const specs = (kind, trial, command, image) =>
  Array.from({ length: 7 }, (_, i) => ({
    instanceId: `${kind}${trial}.${i + 1}`,
    command,
    cwd: root,
    env: {},
    device: { kind: "mig", uuid: `MIG-00000000-0000-5000-8000-00000000000${i}` },
    logFile: path.join(dir, `${kind}${trial}.${i + 1}.log`),
    ...(image ? { image } : {}),
  }));

const summary = (values) => {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  return sorted.length === 0 ? "n/a" : `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`;
};

async function measure(label, runtime, make) {
  const skews = [];
  for (let t = 0; t < trials; t++) {
    const outcomes = await runtime.runGroup(make(t));
    const bad = outcomes.filter((o) => o.status !== "ok");
    if (bad.length > 0) throw new Error(`${label}: ${bad.map((o) => `${o.instanceId} ${o.status} ${o.message ?? ""}`).join("; ")}`);
    skews.push(groupSkew(outcomes));
  }
  console.log(`${label.padEnd(28)} start skew ${summary(skews.map((s) => s.startSkewMs)).padEnd(26)} first-output skew ${summary(skews.map((s) => s.firstOutputSkewMs))}`);
}

await measure("7 processes", createProcessRuntime(), (t) => specs("p", t, [process.execPath, path.join(root, "workloads/cpu-matmul/main.js"), ...args]));
const engine = await connectEngine()
  .version()
  .then(() => true, () => false);
if (engine) {
  for (const startGate of [true, false]) {
    const runtime = createDockerRuntime({ runId: "bench-start-skew", gpuAccess: "env-only", startGate });
    await runtime.preflight(["migbench-test:local"]);
    const label = `7 containers, ${startGate ? "start gate" : "no gate"}`;
    await measure(label, runtime, (t) => specs("c", t, ["node", "/opt/migbench/workloads/cpu-matmul/main.js", ...args], "migbench-test:local"));
  }
} else {
  console.log("7 containers                  skipped: no Docker engine (DOCKER_HOST; .ci/start-dockerd.sh starts one)");
}
console.log(`(${trials} trials each; machine: ${process.platform} ${process.arch}, node ${process.version})`);
