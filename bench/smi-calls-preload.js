// Preloaded through NODE_OPTIONS into every Node process of one diagnostic `bench run`: each simulated
// nvidia-smi call appends its arguments, when it started (epoch ms) and its life time (process start to
// exit, Node start-up included) to the file named by MIGBENCH_BENCH_SMI_LOG, so the benchmark can say how
// much of a run they take, and in which phase.
import { appendFileSync } from "node:fs";

const log = process.env.MIGBENCH_BENCH_SMI_LOG;
if (log && process.argv[1]?.endsWith("nvidia-smi")) {
  process.on("exit", () => {
    appendFileSync(log, `${JSON.stringify({ args: process.argv.slice(2), at: performance.timeOrigin, ms: Date.now() - performance.timeOrigin })}\n`);
  });
}
