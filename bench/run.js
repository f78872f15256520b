#!/usr/bin/env node
// migbench's own performance benchmarks (`npm run bench`, after a build): each figure is measured against
// a reference in the same run and printed with its target. They inform; they never fail CI (exit 0 even
// when a figure misses its target; 1 only when a benchmark itself broke).
//
//   node bench/run.js [--quick] [--only NAME,...] [--json FILE] [--gpu sim|real]
//
// --quick: smaller inputs and fewer repetitions (about a minute or two); full sizes by default.
// --gpu real: `process`, `serial` and `telemetry` use the nvidia-smi on PATH and its GPU 0 as found, whose
// MIG mode must be off (it is never changed: the copies share the whole GPU); the simulated A100 by default.
// Names: cli-start, log-parse, telemetry, start-skew, process, serial, docker, report-build.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { cliStart } from "./cli-start.js";
import { machine } from "./lib.js";
import { logParse } from "./log-parse.js";
import { dockerOverhead, processOverhead } from "./orchestration.js";
import { reportBuild } from "./report-build.js";
import { serialSteps } from "./serial-steps.js";
import { startSkew } from "./start-skew.js";
import { telemetrySampling } from "./telemetry.js";

const BENCHMARKS = {
  "cli-start": cliStart,
  "log-parse": logParse,
  telemetry: telemetrySampling,
  "start-skew": startSkew,
  process: processOverhead,
  serial: serialSteps,
  docker: dockerOverhead,
  // Last: it reads the report modules, the newest part of the code.
  "report-build": reportBuild,
};

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, json: { type: "string" }, gpu: { type: "string", default: "sim" } } });
const only = values.only?.split(",") ?? Object.keys(BENCHMARKS);
const unknown = only.filter((name) => !Object.hasOwn(BENCHMARKS, name));
if (unknown.length > 0) {
  console.error(`bench/run.js: unknown benchmark(s) ${unknown.join(", ")}; known: ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}

/**
 * GPU 0's name as the nvidia-smi on PATH gives it. Exits 2 when none answers, or when MIG is on or
 * pending: the benchmark's runs use the whole GPU, and would have to turn MIG off to do so.
 */
function realGpuName() {
  let answer;
  try {
    answer = execFileSync("nvidia-smi", ["-i", "0", "--query-gpu=name,mig.mode.current,mig.mode.pending", "--format=csv,noheader"], { encoding: "utf8", timeout: 30_000 });
  } catch (error) {
    console.error(`bench/run.js: --gpu real, but nvidia-smi does not answer: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    process.exit(2);
  }
  const [name, ...modes] = answer.trim().split(/,\s*/);
  if (modes.some((mode) => mode !== "Disabled" && mode !== "[N/A]")) {
    console.error(`bench/run.js: --gpu real uses GPU 0 whole and never changes its MIG mode, but it has MIG on or pending (current, pending: ${modes.join(", ")})`);
    process.exit(2);
  }
  return name;
}

if (values.gpu !== "sim" && values.gpu !== "real") {
  console.error(`bench/run.js: --gpu takes sim or real; got ${values.gpu}`);
  process.exit(2);
}
const gpuName = values.gpu === "real" ? realGpuName() : null;

const facts = machine();
console.log(`migbench benchmarks, ${values.quick ? "QUICK sizes (--quick: smaller inputs, fewer repetitions)" : "FULL sizes (--quick for a short run)"}`);
console.log(`machine: ${facts.cpus} CPUs (${facts.cpuModel}), ${facts.memoryGiB} GiB, ${facts.os}, node ${facts.node}, load average at start ${facts.loadAverage}`);
console.log(`GPU: ${gpuName ? `${gpuName} (real, GPU 0 through nvidia-smi as found)` : "simulated (bin/sim/nvidia-smi)"}; reference and subject interleaved, medians reported\n`);

const rows = [];
let broken = false;
for (const name of only) {
  const tmp = mkdtempSync(path.join(tmpdir(), `migbench-bench-${name}-`));
  const started = performance.now();
  process.stdout.write(`running ${name} ...`);
  try {
    const got = await BENCHMARKS[name]({ quick: values.quick, tmp, gpu: values.gpu });
    rows.push(...got.map((r) => ({ benchmark: name, ...r })));
    process.stdout.write(` ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  } catch (error) {
    broken = true;
    rows.push({ benchmark: name, what: name, reference: "-", measured: "-", target: "-", verdict: "ERROR", note: error instanceof Error ? error.message.split("\n")[0] : String(error) });
    process.stdout.write(` failed: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const columns = ["what", "reference", "measured", "target", "verdict"];
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells) => `| ${cells.map((cell, k) => String(cell).padEnd(widths[k])).join(" | ")} |`;
console.log(`\n${line(columns)}\n${line(widths.map((w) => "-".repeat(w)))}`);
for (const r of rows) console.log(line(columns.map((c) => r[c])));
console.log("\nnotes:");
for (const r of rows) if (r.note) console.log(`  ${r.what}: ${r.note}`);
const judged = rows.filter((r) => r.verdict === "ok" || r.verdict === "MISS");
console.log(`\n${judged.filter((r) => r.verdict === "ok").length} of ${judged.length} figures meet their target (load average at end ${machine().loadAverage})`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ quick: values.quick, machine: facts, gpu: gpuName ?? "simulated", rows }, null, 2)}\n`);
process.exitCode = broken ? 1 : 0;
