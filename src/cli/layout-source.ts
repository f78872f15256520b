/**
 * What `bench partition apply|export` accept as a layout: a LAYOUT shorthand (`3g.20gb+4x1g.5gb`), a
 * scenario file (its layout, planned as `bench run` would), or a mig-parted config file (`--config NAME`).
 */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { InputError } from "../errors.js";
import type { GpuModel } from "../gpu/catalog/index.js";
import type { DriverOptions } from "../gpu/placement/index.js";
import type { WantedLayout } from "../gpu/partition/index.js";
import { loadOrFail } from "./load.js";

export interface ResolvedLayout {
  readonly wanted: WantedLayout;
  /** The model a scenario was written for (preflight checks the GPU against it). */
  readonly expectedModel?: string;
  /** A name for the layout (a scenario's name, a mig-parted config's name). */
  readonly name: string;
}

const isMigParted = (data: unknown): boolean => typeof data === "object" && data !== null && "mig-configs" in data;

export async function resolveLayout(
  source: string,
  options: { model: GpuModel | undefined; gpuIndex: number; config?: string; driver?: DriverOptions },
): Promise<ResolvedLayout> {
  const partition = await import("../gpu/partition/index.js");
  if (existsSync(source)) {
    const text = readFileSync(source, "utf8");
    let data: unknown;
    try {
      data = parse(text);
    } catch {
      data = undefined;
    }
    if (isMigParted(data)) return migPartedLayout(source, text, options);
    const scenario = await loadOrFail(source);
    const { buildPlan } = await import("../plan/index.js");
    const pinned = new Set(scenario.gpuInstances.filter((gi) => gi.start !== undefined).map((gi) => gi.key));
    return { wanted: partition.wantedFromPlan(buildPlan(scenario), pinned), expectedModel: scenario.model.id, name: scenario.doc.name };
  }
  if (!partition.looksLikeLayout(source)) throw new InputError(`"${source}" is neither a file nor a LAYOUT such as 3g.20gb+4x1g.5gb or 7x1g.5gb`);
  const model = requireMigModel(options.model, source);
  return { wanted: partition.wantedFromEntries(model, partition.parseLayoutShorthand(model, source), options.driver), name: "migbench" };
}

function requireMigModel(model: GpuModel | undefined, what: string): GpuModel {
  if (!model) throw new InputError(`${what}: the GPU model is needed to read profile names; pass --model (\`bench profiles\` lists them)`);
  return model;
}

async function migPartedLayout(
  file: string,
  text: string,
  options: { model: GpuModel | undefined; gpuIndex: number; config?: string; driver?: DriverOptions },
): Promise<ResolvedLayout> {
  const { parseMigParted, layoutFromMigParted, MigPartedError } = await import("../gpu/mig-parted/index.js");
  const { wantedFromEntries } = await import("../gpu/partition/index.js");
  let config;
  try {
    config = parseMigParted(text, file);
  } catch (error) {
    throw new InputError(error instanceof MigPartedError ? `${file} is not a valid mig-parted config: ${error.problems.join("; ")}` : String(error));
  }
  const names = Object.keys(config["mig-configs"]);
  const name = options.config ?? (names.length === 1 ? names[0] : undefined);
  if (!name) throw new InputError(`${file} holds several mig-parted configs; pick one with --config (${names.join(", ")})`);
  const model = requireMigModel(options.model, file);
  const layout = layoutFromMigParted(config, name, options.gpuIndex, model);
  if ("problems" in layout) throw new InputError(`${file}: ${layout.problems.join("; ")}`);
  if (!layout.mig) return { wanted: { mig: false, deviceKey: "gpu" }, name };
  return { wanted: wantedFromEntries(model, layout.entries, options.driver), name };
}
