// Preloaded (`node --import`) into a measured child: at exit it writes the process's peak resident set
// size (bytes) to the file named by MIGBENCH_BENCH_MAXRSS, as `/usr/bin/time -v` would report it.
import { writeFileSync } from "node:fs";

const file = process.env.MIGBENCH_BENCH_MAXRSS;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
