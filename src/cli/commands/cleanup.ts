import { EXIT } from "../../errors.js";
import { driverFor, reportingDriverErrors, withGpuOptions } from "../gpu-access.js";
import type { CommandFactory } from "./types.js";

/**
 * Workload processes and containers of `bench run`s that died without stopping them (no reachable engine
 * means no container to check). First, because on a real GPU they hold the devices the restore destroys.
 */
async function removeOrphans(): Promise<string[]> {
  const { removeOrphanedProcesses } = await import("../../runtime/orphans.js");
  const processes = await removeOrphanedProcesses();
  const { removeOrphanedContainers } = await import("../../runtime/docker/index.js");
  const removal = await removeOrphanedContainers().catch(() => null);
  return [
    ...processes.removed.map((p) => `ended workload process ${p.pid} (${p.command}), left by ${p.owner}`),
    ...processes.failed.map((p) => `could not end workload process ${p.pid} (${p.command}), left by ${p.owner}`),
    ...(removal?.removed ?? []).map((c) => `removed container ${c.name} (${c.instanceId} of run ${c.runId}, left by ${c.owner})`),
    ...(removal?.failed ?? []).map((f) => `could not remove container ${f.container.name}: ${f.error}`),
  ];
}

export const cleanupCommand: CommandFactory = (setExit) => ({
  command: "cleanup",
  describe: "Undo what killed or crashed runs left on their GPUs (instances, MIG mode) from their journals, and clear their stale locks",
  builder: (y) =>
    withGpuOptions(y).option("allow-gpu-reset", {
      type: "boolean",
      default: false,
      describe: "Reset a GPU when restoring its MIG mode is pending (never done without this flag)",
    }),
  handler: async (args) => {
    const smi = await driverFor(args);
    const orphans = await removeOrphans();
    const { cleanup, stateDir } = await import("../../gpu/partition/index.js");
    const root = stateDir();
    const report = await reportingDriverErrors(() =>
      cleanup({ smi, root, allowGpuReset: args["allow-gpu-reset"] as boolean, log: (line) => process.stderr.write(`${line}\n`) }),
    );
    const out: string[] = [];
    for (const e of report.entries) {
      out.push(`${e.outcome}: GPU ${e.gpu}, left by ${e.owner}${e.details.length > 0 ? `\n  ${e.details.join("\n  ")}` : ""}`);
    }
    for (const lock of report.locksCleared) out.push(`cleared stale lock ${lock}`);
    for (const lock of report.locksKept) out.push(`lock kept: ${lock}`);
    out.push(...orphans);
    if (out.length === 0) out.push(`nothing to clean up (state folder ${root})`);
    process.stdout.write(out.join("\n") + "\n");
    if (report.entries.some((e) => e.outcome === "failed")) setExit(EXIT.environment);
  },
});
