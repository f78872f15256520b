// Preloaded (`node --import=`) into the `bench` process of one diagnostic `bench run`, never into its
// children: it appends to the file named by MIGBENCH_BENCH_TIMELINE one JSON line per event, times in epoch
// ms, so that the benchmark can lay out where a run's time goes on a simulated and on a real GPU alike:
// - every program the run starts (nvidia-smi, the workloads, the sampler): its arguments, spawn and exit;
// - the process's own start (Node's time origin) and its exit.
import { ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";

const log = process.env.MIGBENCH_BENCH_TIMELINE;
if (log) {
  const events = [{ kind: "start", at: performance.timeOrigin }];
  const now = () => performance.timeOrigin + performance.now();

  const spawn = ChildProcess.prototype.spawn;
  ChildProcess.prototype.spawn = function (options) {
    const event = { kind: "spawn", file: options.file, args: options.args.slice(1), at: now(), end: null };
    events.push(event);
    this.once("exit", () => (event.end = now()));
    return spawn.call(this, options);
  };

  process.on("exit", () => {
    events.push({ kind: "exit", at: now() });
    appendFileSync(log, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  });
}
