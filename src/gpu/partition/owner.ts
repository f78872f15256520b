/**
 * Who holds a GPU: a process on a host, identified well enough to tell a live holder from a dead one
 * (a PID alone can be reused: the process start time, from /proc on Linux, tells them apart).
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { z } from "zod";

export const ProcessOwner = z.object({
  pid: z.number().int().positive(),
  hostname: z.string().min(1),
  /** Clock ticks since boot when the process started (/proc/PID/stat field 22); absent off Linux. */
  processStart: z.string().optional(),
  runId: z.string().min(1),
  startedAt: z.string(),
  command: z.array(z.string()),
});
export type ProcessOwner = z.infer<typeof ProcessOwner>;

/** Field 22 of /proc/PID/stat, or undefined where there is no /proc. */
export function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export function currentOwner(runId: string, command: readonly string[] = process.argv.slice(1)): ProcessOwner {
  const start = processStartOf(process.pid);
  return {
    pid: process.pid,
    hostname: os.hostname(),
    ...(start ? { processStart: start } : {}),
    runId,
    startedAt: new Date().toISOString(),
    command: [...command],
  };
}

export type OwnerStatus = "alive" | "dead" | "other-host";

/** Whether the owner still runs: same host, PID alive, and (where known) the same process start. */
export function ownerStatus(owner: ProcessOwner): OwnerStatus {
  if (owner.hostname !== os.hostname()) return "other-host";
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return "dead";
  }
  const start = processStartOf(owner.pid);
  return owner.processStart && start && start !== owner.processStart ? "dead" : "alive";
}

export const describeOwner = (owner: ProcessOwner): string =>
  `run ${owner.runId} (pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt}${owner.command.length > 0 ? `: ${owner.command.join(" ")}` : ""})`;
