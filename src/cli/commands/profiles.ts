import { InputError } from "../../errors.js";
import { CATALOG, findModel, type GpuModel } from "../../gpu/catalog/index.js";
import type { CommandFactory } from "./types.js";

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}

function modelProfiles(model: GpuModel): string {
  if (!model.mig) return `${model.id} (${model.smiNames.join(", ")}): no MIG support; runs use the whole GPU.\n`;
  const rows = [
    ["ID", "Profile", "Starts:Size", "Max", "SMs", "Memory GiB", "Compute instances"],
    ...model.mig.profiles.map((p) => [
      String(p.id),
      p.name,
      `{${p.starts.join(",")}}:${p.memorySlots}`,
      String(p.max),
      String(p.sms),
      p.memoryGiB.toFixed(2),
      p.ciProfiles.map((ci) => `${ci.name}${ci.isDefault ? "*" : ""}`).join(" "),
    ]),
  ];
  const note = model.estimated ? `\nEstimated, not captured from a real -lgip: ${model.estimated}.\n` : "";
  return `${model.id} (${model.smiNames.join(", ")}): ${model.mig.memorySlots} memory slots, ${model.mig.computeSlices} compute slices, ${model.sms} SMs with MIG off\n\n${table(rows)}${note}`;
}

export const profilesCommand: CommandFactory = () => ({
  command: "profiles [model]",
  describe: "List the GPU models in the catalog, or one model's MIG profiles",
  builder: (y) => y.positional("model", { type: "string", describe: "Catalog id or nvidia-smi name" }),
  handler: (args) => {
    const name = args.model as string | undefined;
    if (!name) {
      const rows = [["Model", "nvidia-smi names", "MIG"], ...CATALOG.map((m) => [m.id, m.smiNames.join(", "), m.mig ? "yes" : "no"])];
      process.stdout.write(table(rows));
      return;
    }
    const model = findModel(name);
    if (!model) throw new InputError(`unknown GPU model "${name}"; known: ${CATALOG.map((m) => m.id).join(", ")}`);
    process.stdout.write(modelProfiles(model));
  },
});
