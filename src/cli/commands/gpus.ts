import { driverFor, reportingDriverErrors, withGpuOptions } from "../gpu-access.js";
import type { CommandFactory } from "./types.js";

export const gpusCommand: CommandFactory = () => ({
  command: "gpus",
  describe: "List the GPUs: model, MIG mode (current and pending), instances with placements and UUIDs, processes, locks (read-only)",
  builder: (y) => withGpuOptions(y).option("json", { type: "boolean", default: false, describe: "Print as JSON" }),
  handler: async (args) => {
    const smi = await driverFor(args);
    const { inspectGpu, stateDir } = await import("../../gpu/partition/index.js");
    const { renderGpu } = await import("../render-gpu.js");
    const reports = await reportingDriverErrors(async () => {
      const gpus = await smi.gpuStatus();
      const out = [];
      for (const gpu of gpus) out.push(await inspectGpu(smi, stateDir(), gpu.index, gpu));
      return out;
    });
    if (args.json) process.stdout.write(JSON.stringify(reports, null, 2) + "\n");
    else process.stdout.write(reports.length === 0 ? "no GPUs found\n" : reports.map((r) => renderGpu(r, { diagram: false })).join(""));
  },
});
