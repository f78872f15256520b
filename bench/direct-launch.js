#!/usr/bin/env node
// The reference of the process-runtime overhead row: the minimal script that starts the same seven
// workload processes at once and waits for them, with no harness around it. Prints, as JSON, when it
// began, when the first spawn happened, each copy's first output and exit (epoch ms).
//   node bench/direct-launch.js COPIES -- COMMAND [ARGS...]
import { spawn } from "node:child_process";

const began = Date.now();
const copies = Number(process.argv[2]);
const [file, ...args] = process.argv.slice(process.argv.indexOf("--") + 1);
const spawnedAt = Date.now();
const runs = Array.from({ length: copies }, () => {
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] });
  const run = { firstOutputAt: null, exitedAt: null, code: null };
  child.stdout.on("data", () => {
    run.firstOutputAt ??= Date.now();
  });
  run.done = new Promise((resolve) =>
    child.on("close", (code) => {
      run.exitedAt = Date.now();
      run.code = code;
      resolve();
    }),
  );
  return run;
});
await Promise.all(runs.map((r) => r.done));
process.stdout.write(`${JSON.stringify({ began, spawnedAt, runs: runs.map(({ firstOutputAt, exitedAt, code }) => ({ firstOutputAt, exitedAt, code })) })}\n`);
process.exitCode = runs.every((r) => r.code === 0) ? 0 : 1;
