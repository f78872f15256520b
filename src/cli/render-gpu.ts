/** Text for `bench gpus` and `bench partition show`: identity, MIG mode, a slot diagram, UUIDs, processes, lock. */
import type { GpuReport } from "../gpu/partition/index.js";
import { describeOwner } from "../gpu/partition/index.js";

export function renderGpu(report: GpuReport, options: { diagram: boolean }): string {
  const s = report.snapshot;
  const lines = [
    `GPU ${s.index}: ${s.name} (${s.uuid})${report.model ? `, catalog model ${report.model}` : ", not in migbench's catalog"}${s.driverVersion ? `, driver ${s.driverVersion}` : ""}`,
    `  MIG mode: ${s.migMode.current}${s.migMode.pending !== s.migMode.current ? ` (pending ${s.migMode.pending}: a GPU reset or reboot makes it effective)` : ""}`,
  ];
  if (s.migMode.current === "Enabled") {
    if (s.gpuInstances.length === 0) lines.push("  GPU instances: none");
    else {
      const slots = report.memorySlots ?? 8;
      lines.push(`  GPU instances:${options.diagram ? `   slots ${Array.from({ length: slots }, (_, k) => String(k)).join(" ")}` : ""}`);
      for (const gi of s.gpuInstances) {
        const cells = Array.from({ length: slots }, (_, k) => (k >= gi.start && k < gi.start + gi.size ? "#" : ".")).join(" ");
        lines.push(`    GI ${String(gi.giId).padStart(2)}  ${gi.profileName.padEnd(11)} slot ${gi.start}:${gi.size}${options.diagram ? `   ${cells}` : ""}`);
        for (const ci of gi.computeInstances) {
          lines.push(`      CI ${String(ci.ciId).padStart(2)}  ${ci.profileName.padEnd(11)} ${report.uuids[`${gi.giId}/${ci.ciId}`] ?? "(no MIG device UUID)"}`);
        }
      }
    }
  }
  lines.push(`  processes: ${s.processes.length === 0 ? "none" : s.processes.map((p) => `PID ${p.pid} ${p.name ?? "?"}${p.usedMemoryMiB === undefined ? "" : ` (${p.usedMemoryMiB} MiB)`}`).join(", ")}`);
  const lock = report.lock;
  lines.push(
    `  lock: ${
      lock.kind === "free"
        ? "free"
        : lock.kind === "unreadable"
          ? `unreadable (${lock.problem})`
          : `${lock.status === "dead" ? "STALE, " : ""}held by ${describeOwner(lock.lock.owner)}${lock.status === "dead" ? "; run `bench cleanup`" : ""}`
    }`,
  );
  for (const k of report.kept) lines.push(`  applied by migbench: ${k.wanted} (${k.by}, ${k.at}); undo with \`bench partition reset --gpu-index ${s.index}\``);
  for (const j of report.unfinished) lines.push(`  unfinished journal: ${j}; \`bench cleanup\` restores the GPU once its run has ended`);
  return lines.join("\n") + "\n";
}
