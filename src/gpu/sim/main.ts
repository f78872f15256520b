/**
 * The process behind bin/sim/nvidia-smi: runs one command against the state file, or repeats a
 * `--query-…` or `-q -x` with `-l/-lms` every interval until killed, as the real tool does. The launcher
 * calls `main` from the bundle scripts/bundle.js makes of this module; importing it runs nothing.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { cachedStateSource } from "./loop.js";
import { loopIntervalMs, runSim } from "./run.js";

/** Runs `nvidia-smi ARGV` (the arguments after the program) and resolves to its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // A reader that goes away (`nvidia-smi -lms 100 | head -1`) ends the loop quietly, as for the real tool.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => process.exit(error.code === "EPIPE" ? 0 : 1));
  const interval = loopIntervalMs(argv);
  const source = interval === undefined ? undefined : cachedStateSource();
  // The real loop acts on SIGTERM or SIGINT only at its next tick (driver 580 on an H200: a 500 ms loop
  // went 312-333 ms after SIGTERM, at its tick); so does this one, so that a harness that waits for it
  // pays here what it pays on a GPU.
  let stopAsked = false;
  if (interval !== undefined) for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => (stopAsked = true));
  for (;;) {
    const result = runSim(argv, process.env, source);
    if (result.hangMs !== undefined) {
      // An injected hang: silent until killed (or until the hang runs out, so nothing lingers forever).
      await sleep(result.hangMs);
      return 1;
    }
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (interval === undefined || result.exitCode !== 0) return result.exitCode;
    await sleep(interval);
    if (stopAsked) return 0;
  }
}
