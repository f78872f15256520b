/**
 * The environment panel of a case: what a reader needs to judge or repeat a measurement (GPU, driver,
 * clocks, MIG mode, host, runtime, images, harness), read from the manifest. A table of facts, each a
 * label and how to read it; facts the manifest does not record are left out, never guessed.
 */
import type { RunManifest } from "../results/index.js";
import type { EnvironmentFacts } from "./model.js";

type Fact = readonly [label: string, read: (m: RunManifest) => string | undefined];

const joined = (parts: readonly (string | undefined | false)[], separator = ", "): string | undefined => {
  const present = parts.filter((p): p is string => typeof p === "string" && p !== "");
  return present.length > 0 ? present.join(separator) : undefined;
};

const GIB = 1024 ** 3;

function origin(m: RunManifest): string {
  if (m.origin.kind === "imported") return `imported from a published table (${m.origin.source.file}, case ${m.origin.source.case})`;
  return m.simulated ? "simulated GPU (migbench simulator)" : "measured";
}

/** `7 × 1g.5gb` for MIG devices, the GPU's label otherwise. */
function devices(m: RunManifest): string | undefined {
  const counts = new Map<string, number>();
  for (const d of m.devices) counts.set(d.profile ?? d.label, (counts.get(d.profile ?? d.label) ?? 0) + 1);
  return joined([...counts].map(([label, n]) => (n > 1 ? `${n} × ${label}` : label)));
}

function clocks(m: RunManifest): string | undefined {
  const c = m.gpu.clocks;
  if (!c) return undefined;
  const locked = c.locked === null ? undefined : c.locked ? `locked${c.lockedReason ? ` (${c.lockedReason})` : ""}` : "not locked";
  return joined([c.maxSmMHz !== undefined && `max SM ${c.maxSmMHz} MHz`, c.maxMemoryMHz !== undefined && `max memory ${c.maxMemoryMHz} MHz`, locked]);
}

function power(m: RunManifest): string | undefined {
  const { powerLimitW, enforcedPowerLimitW, defaultPowerLimitW } = m.gpu;
  return joined([powerLimitW !== undefined && `${powerLimitW} W`, enforcedPowerLimitW !== undefined && `enforced ${enforcedPowerLimitW} W`, defaultPowerLimitW !== undefined && `default ${defaultPowerLimitW} W`]);
}

function measuredEnergy(m: RunManifest): string | undefined {
  const e = m.telemetry?.measured;
  if (!e) return undefined;
  return joined([
    `${e.seconds.toFixed(1)} s measured`,
    e.averagePowerW !== null && `average ${e.averagePowerW.toFixed(1)} W`,
    e.energyJoules !== null && `${(e.energyJoules / 1000).toFixed(2)} kJ`,
    e.samplesPerJoule !== null && `${e.samplesPerJoule.toFixed(3)} ${e.itemsUnit ?? "items"}/J`,
  ]);
}

const FACTS: readonly Fact[] = [
  ["Origin", origin],
  ["Run", (m) => `${m.runId} (${m.status})`],
  ["Started", (m) => (m.origin.kind === "imported" ? undefined : m.startedAt)],
  ["Ended", (m) => (m.origin.kind === "imported" ? undefined : m.endedAt)],
  ["Source", (m) => (m.origin.kind === "imported" ? joined([m.origin.source.metadata.source, `${m.origin.source.file} (sha256 ${m.origin.source.sha256.slice(0, 12)}…)`], "; ") : undefined)],
  ["GPU", (m) => joined([m.gpu.name || m.gpu.model, m.gpu.uuid])],
  ["Devices", devices],
  ["MIG mode", (m) => joined([m.gpu.migModeBefore && `before: ${m.gpu.migModeBefore}`, m.gpu.migModeDuring && `during: ${m.gpu.migModeDuring}`])],
  ["Driver / CUDA", (m) => joined([m.gpu.driverVersion, m.gpu.cudaVersion && `CUDA ${m.gpu.cudaVersion}`], " / ")],
  ["VBIOS", (m) => m.gpu.vbiosVersion],
  ["Compute capability", (m) => m.gpu.computeCap],
  ["PCI bus", (m) => m.gpu.pciBusId],
  ["ECC / persistence", (m) => joined([m.gpu.eccMode && `ECC ${m.gpu.eccMode}`, m.gpu.persistenceMode && `persistence ${m.gpu.persistenceMode}`])],
  ["Power limit", power],
  ["Clocks", clocks],
  ["Schedule", (m) => `${m.plan.schedule}, ${m.plan.repetitions} repetition(s)${m.plan.warmup > 0 ? ` after ${m.plan.warmup} warm-up(s)` : ""}`],
  ["Host", (m) => (m.host ? joined([m.host.hostname, m.host.osName, `${m.host.platform} ${m.host.release}`, m.host.arch]) : undefined)],
  ["CPU / memory", (m) => (m.host ? `${m.host.cpus} × ${m.host.cpuModel}, ${(m.host.memoryBytes / GIB).toFixed(0)} GiB` : undefined)],
  ["Node.js", (m) => m.host?.node],
  ["Runtime", (m) => joined([m.runtime?.name, m.runtime?.gpuAccess && `GPU access ${m.runtime.gpuAccess}`, m.host?.containerEngine && `${m.host.containerEngine.name} ${m.host.containerEngine.version}`])],
  ["Images", (m) => joined(m.images.map((i) => `${i.ref} (${i.digests[0] ?? i.id})`))],
  ["Variables", (m) => joined(Object.entries(m.environment ?? {}).map(([k, v]) => `${k}=${v}`))],
  ["Telemetry", (m) => (m.telemetry ? `nvidia-smi every ${m.telemetry.intervalMs} ms${m.telemetry.dcgm ? ", DCGM" : ""}` : undefined)],
  ["Energy", measuredEnergy],
  ["Harness", (m) => joined([`${m.harness.name} ${m.harness.version}`, m.harness.gitRevision && `git ${m.harness.gitRevision.slice(0, 12)}`], ", ")],
  ["Command", (m) => (m.command.length > 0 ? m.command.join(" ") : undefined)],
];

export function environmentFacts(manifest: RunManifest): EnvironmentFacts {
  return FACTS.flatMap(([label, read]) => {
    const value = read(manifest);
    return value === undefined || value === "" ? [] : [[label, value] as const];
  });
}
