// Preloaded (`node --import=`) into the `bench` process of one diagnostic `bench run`, never into its
// children: it appends to the file named by MIGBENCH_BENCH_TIMELINE one JSON line per event, times in epoch
// ms, so that the benchmark can lay out where a run's time goes on a simulated and on a real GPU alike:
// - every program the run starts (nvidia-smi, the workloads, the sampler): its arguments, spawn and exit;
// - every fsync and how long it took (the manifest, the journal);
// - the process's own start (Node's time origin) and its exit.
import { ChildProcess } from "node:child_process";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

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

  const timeSync = (sync) =>
    async function (...args) {
      const at = now();
      try {
        return await sync.apply(this, args);
      } finally {
        events.push({ kind: "fsync", at, end: now() });
      }
    };
  const handle = await fs.promises.open(process.execPath, "r");
  const FileHandle = handle.constructor;
  await handle.close();
  FileHandle.prototype.sync = timeSync(FileHandle.prototype.sync);
  FileHandle.prototype.datasync = timeSync(FileHandle.prototype.datasync);
  const fsyncSync = fs.fsyncSync;
  fs.fsyncSync = (fd) => {
    const at = now();
    try {
      return fsyncSync(fd);
    } finally {
      events.push({ kind: "fsync", at, end: now() });
    }
  };
  // `import { fsyncSync } from "node:fs"` in the bundle sees the wrapper only after this.
  syncBuiltinESMExports();

  process.on("exit", () => {
    events.push({ kind: "exit", at: now() });
    fs.appendFileSync(log, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  });
}
