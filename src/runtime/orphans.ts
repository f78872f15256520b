/**
 * Workload processes that outlived their harness. A `bench run` killed with SIGKILL cannot stop what it
 * started: its workloads run on (a quiet one until it ends by itself; one that prints dies at its next
 * write to the closed pipe) and keep their GPU or MIG device busy, so that `bench cleanup` could not even
 * destroy the instances under them on a real GPU. Every workload process is started with
 * MIGBENCH_OWNER naming its harness (host, PID, process start), which its own children inherit: the
 * process analogue of the containers' owner label. `bench cleanup` ends those whose harness is gone.
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

export const OWNER_VARIABLE = "MIGBENCH_OWNER";

/** Field 22 of /proc/PID/stat (clock ticks since boot at its start): tells a reused PID apart. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** `host:pid:start` of this process: the value of MIGBENCH_OWNER in the workloads it starts. */
export const harnessOwnerTag = (): string => `${os.hostname()}:${process.pid}:${processStart(process.pid) ?? ""}`;

/** Whether a tag names a harness on this host that has ended (or whose PID now belongs to another process). */
function ownerIsGone(tag: string): boolean {
  const [host, pidText, start] = tag.split(":");
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  const now = processStart(pid);
  return start !== undefined && start !== "" && now !== undefined && now !== start;
}

export interface OrphanedProcess {
  readonly pid: number;
  /** Its command line, for the report. */
  readonly command: string;
  readonly owner: string;
}

/** Live (not zombie) processes carrying MIGBENCH_OWNER of a harness on this host that has ended. */
export function findOrphanedProcesses(): OrphanedProcess[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return []; // no /proc: not Linux, nothing this can find
  }
  const found: OrphanedProcess[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let environ: string;
    let stat: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended while we looked, or not ours to read
    }
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    if (state === "Z" || state === "X") continue;
    const owner = environ
      .split("\0")
      .find((entry) => entry.startsWith(`${OWNER_VARIABLE}=`))
      ?.slice(OWNER_VARIABLE.length + 1);
    if (owner === undefined || !ownerIsGone(owner)) continue;
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    found.push({ pid, command, owner });
  }
  return found;
}

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
};

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
};

/** Ends the orphaned workload processes: SIGTERM, then SIGKILL for those still there after `graceMs`. */
export async function removeOrphanedProcesses(graceMs = 5_000): Promise<{ removed: OrphanedProcess[]; failed: OrphanedProcess[] }> {
  const found = findOrphanedProcesses();
  for (const orphan of found) signal(orphan.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (found.some((o) => alive(o.pid)) && Date.now() < deadline) await sleep(50);
  for (const orphan of found) if (alive(orphan.pid)) signal(orphan.pid, "SIGKILL");
  const killDeadline = Date.now() + 2_000;
  while (found.some((o) => alive(o.pid)) && Date.now() < killDeadline) await sleep(50);
  return { removed: found.filter((o) => !alive(o.pid)), failed: found.filter((o) => alive(o.pid)) };
}
