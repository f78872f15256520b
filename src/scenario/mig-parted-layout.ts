/**
 * `layout: { mig: true, migParted: { file, config } }`: a scenario that takes its GPU instances from a
 * mig-parted config file (resolved relative to the scenario file), so a study can reuse the configs a
 * cluster already applies. The config is read and packed the way mig-parted packs it; its problems are
 * reported at the scenario's `migParted` entry, naming the file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { GpuModel } from "../gpu/catalog/index.js";
import { layoutFromMigParted, MigPartedError, parseMigParted } from "../gpu/mig-parted/index.js";
import type { Finding } from "./problems.js";
import type { GpuInstanceSpec, ScenarioDoc } from "./schema.js";
import type { DocPath } from "./types.js";

export const MIG_PARTED_PATH: DocPath = ["layout", "migParted"];

type MigLayout = Extract<ScenarioDoc["layout"], { mig: true }>;

/** The layout with `gpuInstances` filled from its mig-parted config; undefined (with findings) when that fails. */
export function resolveMigPartedLayout(layout: MigLayout, model: GpuModel, gpuIndex: number, scenarioFile: string | undefined, findings: Finding[]): MigLayout | undefined {
  const ref = layout.migParted;
  if (!ref) {
    if (!layout.gpuInstances) findings.push({ path: ["layout"], message: "a MIG layout names its instances: gpuInstances: [...], or migParted: { file, config }" });
    return layout.gpuInstances ? layout : undefined;
  }
  if (layout.gpuInstances) {
    findings.push({ path: MIG_PARTED_PATH, at: "key", message: "give either gpuInstances or migParted, not both" });
    return undefined;
  }
  const file = path.resolve(scenarioFile ? path.dirname(scenarioFile) : ".", ref.file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
    findings.push({ path: [...MIG_PARTED_PATH, "file"], message: `cannot read the mig-parted config ${file}: ${reason}` });
    return undefined;
  }
  let config;
  try {
    config = parseMigParted(text, ref.file);
  } catch (error) {
    const problems = error instanceof MigPartedError ? error.problems : [String(error)];
    for (const p of problems) findings.push({ path: [...MIG_PARTED_PATH, "file"], message: `${ref.file} is not a valid mig-parted config: ${p}` });
    return undefined;
  }
  const resolved = layoutFromMigParted(config, ref.config, gpuIndex, model);
  if ("problems" in resolved) {
    for (const p of resolved.problems) findings.push({ path: [...MIG_PARTED_PATH, "config"], message: `${ref.file}: ${p}` });
    return undefined;
  }
  if (!resolved.mig) {
    findings.push({ path: [...MIG_PARTED_PATH, "config"], message: `${ref.file}: config "${ref.config}" turns MIG off on GPU ${gpuIndex}; write layout: { mig: false } instead` });
    return undefined;
  }
  const gpuInstances: GpuInstanceSpec[] = resolved.entries.map((e) => ({
    profile: e.profile,
    count: e.count,
    ...(e.computeInstances ? { computeInstances: e.computeInstances.map((ci) => ({ profile: ci.profile, count: ci.count })) } : {}),
  }));
  return { ...layout, gpuInstances };
}

/** Findings about instances that came from a mig-parted config point at its `migParted` entry. */
export function pointAtMigParted(findings: Finding[], from: number, ref: { file: string; config: string }, instancesPath: DocPath): void {
  for (let k = from; k < findings.length; k++) {
    const f = findings[k];
    if (!f || !instancesPath.every((seg, i) => f.path[i] === seg)) continue;
    findings[k] = { path: [...MIG_PARTED_PATH, "config"], message: `${ref.file}, config "${ref.config}": ${f.message}` };
  }
}
