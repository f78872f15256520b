import { writeFile } from "node:fs/promises";
import type { Argv } from "yargs";
import { EnvironmentError, EXIT, InputError, MigbenchError } from "../../errors.js";
import { findModel } from "../../gpu/catalog/index.js";
import { driverFor, reportingDriverErrors, withGpuOptions } from "../gpu-access.js";
import type { CommandFactory } from "./types.js";

const gpuIndex = <T>(y: Argv<T>): Argv<T> =>
  y.option("gpu-index", { alias: "gpu", type: "number", default: 0, describe: "Index of the GPU (as nvidia-smi numbers them)" });

export const partitionCommand: CommandFactory = (setExit) => ({
  command: "partition <action>",
  describe: "Partition a GPU by hand: show, apply FILE|LAYOUT, reset, export --format mig-parted",
  builder: (y) =>
    y
      .command({
        command: "show",
        describe: "One GPU's MIG mode and instances with a slot diagram, placements and UUIDs (read-only)",
        builder: (s) => gpuIndex(withGpuOptions(s)).option("json", { type: "boolean", default: false }),
        handler: async (args) => {
          const smi = await driverFor(args);
          const { inspectGpu, stateDir } = await import("../../gpu/partition/index.js");
          const { renderGpu } = await import("../render-gpu.js");
          const report = await reportingDriverErrors(() => inspectGpu(smi, stateDir(), args["gpu-index"] as number));
          process.stdout.write(args.json ? JSON.stringify(report, null, 2) + "\n" : renderGpu(report, { diagram: true }));
        },
      })
      .command({
        command: "apply <layout>",
        describe: "Apply a layout (LAYOUT such as 3g.20gb+4x1g.5gb, a scenario file, or a mig-parted config) and leave it in place",
        builder: (s) =>
          gpuIndex(withGpuOptions(s))
            .positional("layout", { type: "string", demandOption: true, describe: "LAYOUT shorthand or FILE" })
            .option("config", { type: "string", describe: "The config to use from a mig-parted file" })
            .option("dry-run", { type: "boolean", default: false, describe: "Check and print the nvidia-smi commands that would run; change nothing" })
            .option("any-gpu", { type: "boolean", default: false, describe: "Apply a scenario's layout even on another GPU model" })
            .option("allow-gpu-reset", { type: "boolean", default: false, describe: "Reset the GPU when a MIG mode change is pending" })
            .option("wait-lock", { type: "boolean", default: false, describe: "Wait while a run holds the GPU" }),
        handler: async (args) => {
          const smi = await driverFor(args);
          await reportingDriverErrors(() => applyByHand(smi, args));
        },
      })
      .command({
        command: "reset",
        describe: "Undo layouts migbench applied (destroy its instances, restore MIG mode); --force also destroys instances it did not create",
        builder: (s) =>
          gpuIndex(withGpuOptions(s))
            .option("force", { type: "boolean", default: false, describe: "Also destroy GPU instances migbench did not create" })
            .option("mig", { type: "string", choices: ["restore", "off"], default: "restore", describe: "restore: the MIG mode migbench found; off: disable MIG" })
            .option("allow-gpu-reset", { type: "boolean", default: false, describe: "Reset the GPU when a MIG mode change is pending" })
            .option("wait-lock", { type: "boolean", default: false, describe: "Wait while a run holds the GPU" }),
        handler: async (args) => {
          const smi = await driverFor(args);
          const { resetPartition, stateDir } = await import("../../gpu/partition/index.js");
          const report = await reportingDriverErrors(() =>
            resetPartition({
              smi,
              root: stateDir(),
              gpuIndex: args["gpu-index"] as number,
              force: args.force as boolean,
              migOff: args.mig === "off",
              allowGpuReset: args["allow-gpu-reset"] as boolean,
              waitLock: args["wait-lock"] as boolean,
              log: (line) => process.stderr.write(`${line}\n`),
            }),
          );
          const after = report.after;
          const lines = [
            ...report.undone.map((u) => `undone: ${u}`),
            ...(report.undone.length === 0 && report.problems.length === 0 ? ["nothing to undo"] : []),
            `GPU ${after.index}: MIG ${after.migMode.current}${after.migMode.pending !== after.migMode.current ? ` (pending ${after.migMode.pending})` : ""}, ${after.gpuInstances.length} GPU instance(s)`,
          ];
          process.stdout.write(lines.join("\n") + "\n");
          if (report.problems.length > 0) {
            process.stderr.write(`bench: ${report.problems.join("\nbench: ")}\n`);
            setExit(EXIT.environment);
          }
        },
      })
      .command({
        command: "export [layout]",
        describe: "Write a layout (LAYOUT, scenario FILE, or the GPU's current one) as a config for NVIDIA mig-parted",
        builder: (s) =>
          gpuIndex(withGpuOptions(s))
            .positional("layout", { type: "string", describe: "LAYOUT or scenario FILE; default: the GPU's current layout" })
            .option("format", { type: "string", choices: ["mig-parted"], demandOption: true })
            .option("out", { type: "string", describe: "Write here instead of stdout" })
            .option("name", { type: "string", describe: "The config's name under mig-configs (default: the scenario's name, or migbench)" })
            .option("model", { type: "string", describe: "GPU model for a LAYOUT (default: the GPU's)" }),
        handler: async (args) => {
          const text = await exportMigParted(args);
          if (args.out) {
            await writeFile(args.out as string, text);
            process.stderr.write(`wrote ${args.out as string}\n`);
          } else {
            process.stdout.write(text);
          }
        },
      })
      .demandCommand(1, "name an action: show, apply, reset or export"),
  handler: () => undefined,
});

type Args = Record<string, unknown>;

async function gpuModel(smi: Awaited<ReturnType<typeof driverFor>>, index: number): Promise<{ model: ReturnType<typeof findModel>; driverMajor?: number }> {
  const { findGpu } = await import("../../gpu/partition/index.js");
  const gpu = await findGpu(smi, index);
  const major = Number.parseInt(gpu.driverVersion ?? "", 10);
  return { model: findModel(gpu.name), ...(Number.isFinite(major) ? { driverMajor: major } : {}) };
}

async function applyByHand(smi: Awaited<ReturnType<typeof driverFor>>, args: Args): Promise<void> {
  const partition = await import("../../gpu/partition/index.js");
  const { resolveLayout } = await import("../layout-source.js");
  const index = args["gpu-index"] as number;
  const { model, driverMajor } = await gpuModel(smi, index);
  const layout = await resolveLayout(args.layout as string, {
    model,
    gpuIndex: index,
    ...(args.config ? { config: args.config as string } : {}),
    ...(driverMajor === undefined ? {} : { driver: { driverMajor } }),
  });
  const checks = { ...(layout.expectedModel ? { expectedModel: layout.expectedModel } : {}), anyGpu: args["any-gpu"] as boolean };
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);

  if (args["dry-run"]) {
    const snapshot = await partition.readGpuSnapshot(smi, index);
    const report = partition.preflight(snapshot, layout.wanted, { ...checks, allowGpuReset: args["allow-gpu-reset"] as boolean });
    for (const w of report.warnings) out(`warning: ${w}`);
    partition.assertPreflight(report, snapshot);
    const plan = partition.dryRun(smi.bin, snapshot, layout.wanted, report);
    out(`GPU ${index} (${snapshot.name}): ${report.changes.join("; ")}`);
    out(plan.commands.length > 0 ? "would run:" : "would run nothing");
    for (const c of plan.commands) out(`  ${c}`);
    for (const n of plan.notes) out(n);
    return;
  }

  const session = await partition.PartitionSession.open({
    smi,
    root: partition.stateDir(),
    gpuIndex: index,
    runId: `partition-${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${process.pid}`,
    purpose: "partition",
    waitLock: args["wait-lock"] as boolean,
    allowGpuReset: args["allow-gpu-reset"] as boolean,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  // Ctrl-C or SIGTERM: finish the step under way, then put the GPU back rather than leave half a layout.
  let interrupted = "";
  const onSignal = (name: string): void => {
    interrupted = name;
    process.stderr.write(`\nbench: ${name}: finishing the current step, then restoring GPU ${index}\n`);
  };
  const onInt = (): void => onSignal("SIGINT");
  const onTerm = (): void => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const report = session.preflight(layout.wanted, checks);
    for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
    let applied;
    try {
      applied = await session.apply(layout.wanted);
      if (interrupted) throw new MigbenchError(`${interrupted}: stopped`, EXIT.interrupted);
    } catch (error) {
      const problems = await session.restore();
      const message = error instanceof Error ? error.message : String(error);
      const text = problems.length > 0 ? `${message}\nand the GPU could not be fully restored:\n${problems.join("\n")}` : `${message}\n(GPU ${index} restored as found)`;
      throw error instanceof MigbenchError && error.exitCode === EXIT.interrupted ? new MigbenchError(text, EXIT.interrupted) : new EnvironmentError(text);
    }
    session.keep();
    out(applied.reused ? `GPU ${index} already had ${partition.describeWanted(layout.wanted)}: nothing changed` : `GPU ${index}: applied ${partition.describeWanted(layout.wanted)}`);
    for (const d of applied.devices) out(`  ${d.key.padEnd(8)} ${d.label.padEnd(16)} GI ${d.giId ?? "-"} CI ${d.ciId ?? "-"}  ${d.uuid}`);
    for (const n of applied.notes) out(`note: ${n}`);
    if (!applied.reused) out(`undo with: bench partition reset --gpu-index ${index}`);
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    session.release();
  }
}

async function exportMigParted(args: Args): Promise<string> {
  const { renderMigParted, roundTrips, migDevicesOf } = await import("../../gpu/mig-parted/index.js");
  const { requireModel, findCiProfile, findGiProfile } = await import("../../gpu/catalog/index.js");
  const index = args["gpu-index"] as number;
  let gis: { profileName: string; computeInstances: { profileName: string; isDefault: boolean }[] }[];
  let modelId: string;
  let name = args.name as string | undefined;
  if (args.layout === undefined) {
    const smi = await driverFor(args);
    const { readGpuSnapshot } = await import("../../gpu/partition/index.js");
    const snapshot = await reportingDriverErrors(() => readGpuSnapshot(smi, index));
    const model = findModel(snapshot.name);
    if (!model?.mig) throw new EnvironmentError(`GPU ${index} (${snapshot.name}) has no MIG profiles migbench knows`);
    modelId = model.id;
    if (snapshot.migMode.current !== "Enabled") return renderMigParted(name ?? "migbench", [index], null);
    gis = snapshot.gpuInstances.map((gi) => {
      const profile = findGiProfile(model, gi.profileId);
      return {
        profileName: profile?.name ?? gi.profileName,
        computeInstances: gi.computeInstances.map((ci) => ({
          profileName: (profile && findCiProfile(profile, ci.profileId)?.name) ?? ci.profileName,
          isDefault: (profile && findCiProfile(profile, ci.profileId)?.isDefault) ?? false,
        })),
      };
    });
  } else {
    const { resolveLayout } = await import("../layout-source.js");
    const given = args.model as string | undefined;
    const model = given ? findModel(given) : undefined;
    if (given && !model) throw new InputError(`unknown GPU model "${given}"; \`bench profiles\` lists the known ones`);
    const layout = await resolveLayout(args.layout as string, { model, gpuIndex: index });
    name ??= layout.name;
    if (!layout.wanted.mig) return renderMigParted(name, [index], null);
    modelId = layout.wanted.model;
    gis = layout.wanted.gpuInstances.map((gi) => ({ profileName: gi.profileName, computeInstances: gi.computeInstances.map((ci) => ({ profileName: ci.profileName, isDefault: ci.isDefault })) }));
  }
  const model = requireModel(modelId);
  const check = roundTrips(model, gis);
  if (!check.ok) {
    throw new InputError(
      `mig-parted cannot express this layout: it packs compute instances into GPU instances itself, and from this config it would build ${check.built}; ` +
        "give each GPU instance compute instances of one size, or keep the layout in a scenario",
    );
  }
  return renderMigParted(name ?? "migbench", [index], migDevicesOf(gis));
}
