/** `bench plan` as text: a slot diagram, the creation order, the device of each instance, the schedule. */
import type { Plan } from "./types.js";

const pad = (text: string, width: number): string => text.padEnd(width);

function slotDiagram(plan: Plan): string[] {
  const mig = plan.mig;
  const slots = plan.gpu.memorySlots ?? 8;
  if (!mig) return [`MIG off: every instance runs on the whole ${plan.gpu.model}.`];
  const nameWidth = Math.max(...mig.gpuInstances.map((gi) => gi.profileName.length), 7);
  const header = Array.from({ length: slots }, (_, s) => String(s)).join(" ");
  const rows = [...mig.gpuInstances]
    .sort((a, b) => a.start - b.start)
    .map((gi) => {
      const cells = Array.from({ length: slots }, (_, s) => (s >= gi.start && s < gi.start + gi.size ? "#" : ".")).join(" ");
      const cis = gi.computeInstances.map((ci) => (ci.isDefault ? ci.key : `${ci.key} ${ci.profileName}@${ci.start}`)).join(", ");
      const label = gi.name ? ` "${gi.name}"` : "";
      return `  ${cells}   ${pad(gi.key, 5)} ${pad(gi.profileName, nameWidth)} slot ${gi.start}:${gi.size}${label}  CIs: ${cis}`;
    });
  return [`Memory slots:`, `  ${header}`, ...rows];
}

function creationLines(plan: Plan): string[] {
  const mig = plan.mig;
  if (!mig) return [];
  const ordered = mig.creationOrder.map((i) => mig.gpuInstances[i]).filter((gi) => gi !== undefined);
  const allDefault = ordered.every((gi) => gi.computeInstances.length === 1 && gi.computeInstances[0]?.isDefault);
  const cgi = `nvidia-smi mig -i ${plan.gpu.index} -cgi ${ordered.map((gi) => gi.profileId).join(",")}${allDefault ? " -C" : ""}`;
  const lines = [`Creation order: ${ordered.map((gi) => `${gi.key} (${gi.profileName})`).join(", ")}`, `  equivalent: ${cgi}`];
  if (!allDefault) {
    for (const gi of ordered) {
      lines.push(`  then for ${gi.key}: nvidia-smi mig -i ${plan.gpu.index} -gi <id of ${gi.key}> -cci ${gi.computeInstances.map((ci) => ci.profileId).join(",")}`);
    }
  }
  if (!mig.reachedByDefaultPlacement) {
    lines.push("  note: no creation order reaches this placement with the driver's default choices; it needs explicit placement");
  }
  return lines;
}

export function renderPlanText(plan: Plan): string {
  const devices = new Map(plan.devices.map((d) => [d.key, d]));
  const idWidth = Math.max(...plan.instances.map((i) => i.id.length), 8);
  const lines = [
    `Scenario: ${plan.scenario.name}${plan.scenario.title ? ` - ${plan.scenario.title}` : ""}`,
    `File:     ${plan.scenario.file}`,
    `GPU:      ${plan.gpu.model} (index ${plan.gpu.index}), MIG ${plan.mig ? "on" : "off"}`,
    "",
    ...slotDiagram(plan),
    ...creationLines(plan),
    "",
    `Instances (${plan.instances.length}):`,
    ...plan.instances.map((i) => `  ${String(i.column).padStart(2)}  ${pad(i.id, idWidth)}  on ${devices.get(i.device)?.label ?? i.device} (${i.device})`),
    "",
    `Schedule: ${plan.schedule}, ${plan.repetitions} repetition(s)${plan.warmup > 0 ? ` after ${plan.warmup} warm-up run(s)` : ""}`,
    ...plan.steps.map((step, k) => `  step ${k + 1}: ${step.join(", ")}`),
  ];
  return lines.join("\n") + "\n";
}
