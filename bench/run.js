#!/usr/bin/env node
// migbench's own performance benchmarks (`npm run bench`): each figure is measured against a reference
// run in the same process and printed with its target. They inform; they never fail CI.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bench = path.join(root, "bin", "bench.js");

/** Median wall time in ms of `runs` executions of `fn`. */
function medianMs(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const node = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: "ignore" });

const results = [];
function report(what, figure, target, ok) {
  results.push({ what, figure, target, ok });
  console.log(`${ok ? "ok  " : "MISS"}  ${what.padEnd(48)} ${figure.padEnd(22)} target ${target}`);
}

const baseline = medianMs(9, () => node(["-e", "0"]));
const help = medianMs(9, () => node([bench, "--help"]));
report("CLI start: bench --help, above node -e 0", `${(help - baseline).toFixed(0)} ms`, "< 300 ms", help - baseline < 300);
const validate = medianMs(9, () => node([bench, "validate", "scenarios/quickstart.yaml"]));
report("CLI start: bench validate one file, above node -e 0", `${(validate - baseline).toFixed(0)} ms`, "< 300 ms", validate - baseline < 300);

// Log parsing: 50 MB of dllogger output against reading the same file line by line and doing nothing.
const dir = mkdtempSync(path.join(tmpdir(), "migbench-bench-"));
const log = path.join(dir, "dllogger.txt");
const line = (i) =>
  `DLLL {"timestamp": "${1795614009 + i / 1000}", "elapsedtime": "${i / 1000}", "type": "LOG", "step": [0, ${i}], "data": {"step_loss": ${(5 - i / 1e6).toFixed(6)}, "learning_rate": 2.9e-05}}\n`;
const chunk = Array.from({ length: 10_000 }, (_, i) => line(i)).join("");
writeFileSync(log, chunk.repeat(Math.ceil((50 * 1024 * 1024) / chunk.length)));
const readOnly = `import{createReadStream}from"node:fs";import{createInterface}from"node:readline";let n=0;for await(const _ of createInterface({input:createReadStream(${JSON.stringify(log)})}))n++;`;
const reference = medianMs(3, () => node(["--input-type=module", "-e", readOnly]));
const parse = medianMs(3, () => execFileSync(process.execPath, [bench, "parse", "--format", "dllogger", "--samples=false", log], { cwd: root, stdio: "ignore" }));
report("log parsing, 50 MB dllogger: speed vs reading", `${(reference / parse).toFixed(2)} x`, ">= 0.5 x", reference / parse >= 0.5);

console.log(`\n${results.filter((r) => r.ok).length} of ${results.length} figures meet their target (machine: ${process.platform} ${process.arch}, node ${process.version})`);
