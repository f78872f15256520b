/**
 * Every container the harness creates carries labels naming its run and instance, so that whatever a
 * killed harness left behind can be found and removed (`bench cleanup`) without guessing by name.
 */
import os from "node:os";
import { connectEngine, type ContainerSummary, type Engine } from "./engine.js";

export const LABELS = {
  /** Present on every container of the harness. */
  managed: "io.migbench.managed",
  runId: "io.migbench.run-id",
  instanceId: "io.migbench.instance-id",
  /** `host:pid` of the harness that created it. */
  owner: "io.migbench.owner",
} as const;

export function containerLabels(runId: string, instanceId: string, owner: string): Record<string, string> {
  return { [LABELS.managed]: "true", [LABELS.runId]: runId, [LABELS.instanceId]: instanceId, [LABELS.owner]: owner };
}

/** This harness process, as the owner label writes it. */
export const currentOwner = (): string => `${os.hostname()}:${process.pid}`;

export interface LabelledContainer {
  id: string;
  name: string;
  /** Engine state: created, running, exited, ... */
  state: string;
  runId: string;
  instanceId: string;
  owner: string;
}

function describe(summary: ContainerSummary): LabelledContainer {
  const labels = summary.Labels ?? {};
  return {
    id: summary.Id,
    name: (summary.Names[0] ?? summary.Id).replace(/^\//, ""),
    state: summary.State,
    runId: labels[LABELS.runId] ?? "",
    instanceId: labels[LABELS.instanceId] ?? "",
    owner: labels[LABELS.owner] ?? "",
  };
}

const filterFor = (runId?: string): string[] => [`${LABELS.managed}=true`, ...(runId === undefined ? [] : [`${LABELS.runId}=${runId}`])];

/** The harness's containers on this engine, of one run or of all runs. */
export async function listLabelledContainers(runId?: string, engine: Engine = connectEngine()): Promise<LabelledContainer[]> {
  return (await engine.listContainers(filterFor(runId))).map(describe);
}

export interface RemovalReport {
  removed: LabelledContainer[];
  /** Containers that could not be removed, with the engine's reason. */
  failed: { container: LabelledContainer; error: string }[];
}

/**
 * Force-removes (kills first if running) the harness's containers: of run `runId`, or of every run. For
 * `bench cleanup`; it does not check whether their run is still going: the caller decides that (the
 * `owner` label names the host and pid that created each).
 */
export async function removeLabelledContainers(runId?: string, engine: Engine = connectEngine()): Promise<RemovalReport> {
  return removeContainers(await listLabelledContainers(runId, engine), engine);
}

/** Whether the owner label names a harness process on this host that has ended. */
function ownerIsGone(owner: string): boolean {
  const [host, pidText] = owner.split(":");
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Removes the containers whose harness process on this host has ended (a `bench run` killed with
 * SIGKILL leaves them running); containers of live runs and of other hosts are left alone.
 */
export async function removeOrphanedContainers(engine: Engine = connectEngine()): Promise<RemovalReport> {
  return removeContainers((await listLabelledContainers(undefined, engine)).filter((c) => ownerIsGone(c.owner)), engine);
}

async function removeContainers(found: readonly LabelledContainer[], engine: Engine): Promise<RemovalReport> {
  const report: RemovalReport = { removed: [], failed: [] };
  await Promise.all(
    found.map(async (container) => {
      try {
        await engine.remove(container.id);
        report.removed.push(container);
      } catch (error) {
        report.failed.push({ container, error: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
  return report;
}
