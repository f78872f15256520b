/**
 * The checks zod cannot make: references between parts of a scenario and the layout against the GPU
 * catalog. They run on every top-level section that passed the schema, so one `bench validate` lists
 * the semantic problems together with the schema problems of other sections.
 */
import { CATALOG, findCiProfile, findGiProfile, findModel, type GiProfile, type GpuModel } from "../gpu/catalog/index.js";
import { placeComputeInstances, solveLayout, type InstanceRequest } from "../gpu/placement/index.js";
import { GPU_INSTANCES_PATH, expandGpuInstances } from "./expand.js";
import { pointAtMigParted, resolveMigPartedLayout } from "./mig-parted-layout.js";
import { getParser } from "../metrics/parsers/registry.js";
import { KNOWN_PARSERS } from "./parsers-known.js";
import type { Finding } from "./problems.js";
import { RUN_TARGETS, type GpuInstanceSpec, type ScenarioDoc } from "./schema.js";
import { didYouMean } from "./suggest.js";
import type { DocPath, ExpandedGi } from "./types.js";

/** The top-level sections that passed the schema; the others are absent. */
export type CheckInput = Partial<ScenarioDoc>;

export interface CheckResult {
  readonly findings: Finding[];
  /** The catalog model, when `gpu.model` names one. */
  readonly model?: GpuModel;
  /** The expanded layout, when the layout passed every check (empty when MIG is off). */
  readonly gpuInstances?: ExpandedGi[];
}

const [EACH_MIG_DEVICE, FULL_GPU] = RUN_TARGETS;

export interface CheckContext {
  readonly file?: string;
  /** False for one case of a multi-case file: a workload may be run by another case (the loader checks the file). */
  readonly unusedWorkloads?: boolean;
}

export function checkScenario(doc: CheckInput, context: CheckContext = {}): CheckResult {
  const findings: Finding[] = [];
  const model = doc.gpu ? checkModel(doc.gpu.model, findings) : undefined;
  const gpuInstances = model && doc.layout ? checkLayout(model, doc.layout, findings, { gpuIndex: doc.gpu?.index ?? 0, file: context.file }) : undefined;
  if (doc.layout?.mig) checkInstanceNames(doc.layout.gpuInstances ?? [], findings);
  if (doc.workloads) checkParsers(doc.workloads, findings);
  if (doc.run) checkRun(doc, findings, context.unusedWorkloads ?? true);
  return { findings, ...(model ? { model } : {}), ...(gpuInstances ? { gpuInstances } : {}) };
}

function checkModel(name: string, findings: Finding[]): GpuModel | undefined {
  const model = findModel(name);
  if (!model) {
    const ids = CATALOG.map((m) => m.id);
    const hint = didYouMean(name, [...ids, ...CATALOG.flatMap((m) => m.smiNames)]) || `; known models: ${ids.join(", ")}`;
    findings.push({ path: ["gpu", "model"], message: `unknown GPU model "${name}"${hint}` });
  }
  return model;
}

/** Profiles, compute instances and the slot layout; the expanded instances when all of it holds. */
function checkLayout(
  model: GpuModel,
  given: ScenarioDoc["layout"],
  findings: Finding[],
  source: { gpuIndex: number; file: string | undefined },
): ExpandedGi[] | undefined {
  if (!given.mig) return [];
  if (!model.mig) {
    findings.push({ path: ["layout", "mig"], message: `${model.id} does not support MIG; set mig: false and run on: ${FULL_GPU}` });
    return undefined;
  }
  const resolved = resolveMigPartedLayout(given, model, source.gpuIndex, source.file, findings);
  if (!resolved?.gpuInstances) return undefined;
  const layout = { ...resolved, gpuInstances: resolved.gpuInstances };
  const before = findings.length;
  const fromMigParted = (): undefined => {
    if (given.migParted) pointAtMigParted(findings, before, given.migParted, GPU_INSTANCES_PATH);
    return undefined;
  };
  const requests: { request: InstanceRequest; entry: number }[] = [];
  layout.gpuInstances.forEach((spec, entry) => {
    const path = [...GPU_INSTANCES_PATH, entry];
    const profile = findGiProfile(model, spec.profile);
    if (!profile) {
      const names = model.mig?.profiles.map((p) => p.name).join(", ") ?? "";
      findings.push({ path: [...path, "profile"], message: `${model.id} has no GPU instance profile "${spec.profile}"; its profiles: ${names}` });
      return;
    }
    if (spec.start !== undefined && spec.count > 1) {
      findings.push({
        path: [...path, "start"],
        message: `start pins one instance, but count is ${spec.count}; write one entry per pinned instance or drop start`,
      });
    }
    checkComputeInstances(profile, spec, path, findings);
    for (let copy = 0; copy < spec.count; copy++) {
      requests.push({ request: spec.start === undefined ? { profileId: profile.id } : { profileId: profile.id, start: spec.start }, entry });
    }
  });
  if (findings.length > before) return fromMigParted();

  const solved = solveLayout(model, requests.map((r) => r.request));
  if (!solved.ok) {
    for (const problem of solved.problems) {
      const entry = requests[problem.index]?.entry ?? 0;
      findings.push({ path: [...GPU_INSTANCES_PATH, entry], message: problem.message });
    }
    return fromMigParted();
  }
  return expandGpuInstances(model, layout.gpuInstances);
}

function checkComputeInstances(gi: GiProfile, spec: GpuInstanceSpec, giPath: DocPath, findings: Finding[]): void {
  if (!spec.computeInstances) return;
  const path = [...giPath, "computeInstances"];
  const sizes: { computeSlices: number; starts: readonly number[] }[] = [];
  let known = true;
  spec.computeInstances.forEach((ci, entry) => {
    const profile = findCiProfile(gi, ci.profile);
    if (!profile) {
      known = false;
      const names = gi.ciProfiles.map((p) => p.name).join(", ");
      findings.push({
        path: [...path, entry, "profile"],
        message: `a ${gi.name} GPU instance has no compute instance profile "${ci.profile}"; its profiles: ${names}`,
      });
      return;
    }
    for (let copy = 0; copy < ci.count; copy++) sizes.push(profile);
  });
  if (!known) return;
  const needed = sizes.reduce((sum, s) => sum + s.computeSlices, 0);
  if (needed > gi.computeSlices) {
    findings.push({ path, message: `the compute instances need ${needed} compute slices; a ${gi.name} has ${gi.computeSlices}` });
  } else if (placeComputeInstances(gi.computeSlices, sizes) === null) {
    findings.push({ path, message: `these compute instances cannot be placed together in a ${gi.name}; use fewer or other sizes` });
  }
}

/** Names are how `run[].on` selects instances: one name, one group. */
function checkInstanceNames(specs: readonly GpuInstanceSpec[], findings: Finding[]): void {
  const seen = new Set<string>();
  const check = (name: string | undefined, path: DocPath): void => {
    if (name === undefined) return;
    if ((RUN_TARGETS as readonly string[]).includes(name)) {
      findings.push({ path, message: `"${name}" is reserved for run[].on; choose another instance name` });
    } else if (seen.has(name)) {
      findings.push({ path, message: `instance name "${name}" is already used; GPU and compute instance names must be unique` });
    }
    seen.add(name);
  };
  specs.forEach((gi, entry) => {
    const giPath = [...GPU_INSTANCES_PATH, entry];
    check(gi.name, [...giPath, "name"]);
    gi.computeInstances?.forEach((ci, ciEntry) => check(ci.name, [...giPath, "computeInstances", ciEntry, "name"]));
  });
}

function checkParsers(workloads: ScenarioDoc["workloads"], findings: Finding[]): void {
  for (const [name, workload] of Object.entries(workloads)) {
    const parser = typeof workload.parser === "string" ? workload.parser : workload.parser.name;
    if (KNOWN_PARSERS.includes(parser)) {
      checkParserOptions(parser, typeof workload.parser === "string" ? undefined : workload.parser.options, ["workloads", name, "parser", "options"], findings);
      continue;
    }
    const path = typeof workload.parser === "string" ? ["workloads", name, "parser"] : ["workloads", name, "parser", "name"];
    const hint = didYouMean(parser, KNOWN_PARSERS) || `; known parsers: ${KNOWN_PARSERS.join(", ")}`;
    findings.push({ path, message: `unknown parser "${parser}"${hint}` });
  }
}

/** A parser's options against its own schema, so that a bad regex fails `bench validate`, not the run. */
function checkParserOptions(parser: string, options: unknown, path: DocPath, findings: Finding[]): void {
  const result = getParser(parser).optionsSchema.safeParse(options ?? {});
  if (result.success) return;
  for (const issue of result.error.issues) {
    const at = issue.path.filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    findings.push({ path: options === undefined ? path.slice(0, -1) : [...path, ...at], message: `parser ${parser}: ${issue.message}` });
  }
}

function instanceNames(layout: ScenarioDoc["layout"]): string[] {
  if (!layout.mig) return [];
  const names = (layout.gpuInstances ?? []).flatMap((gi) => [gi.name, ...(gi.computeInstances ?? []).map((ci) => ci.name)]);
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

function checkRun(doc: CheckInput, findings: Finding[], unusedWorkloads: boolean): void {
  const run = doc.run ?? [];
  run.forEach((entry, index) => {
    const path: DocPath = ["run", index];
    if (doc.workloads && !(entry.workload in doc.workloads)) {
      const defined = Object.keys(doc.workloads);
      const hint = didYouMean(entry.workload, defined) || `; defined workloads: ${defined.join(", ")}`;
      findings.push({ path: [...path, "workload"], message: `unknown workload "${entry.workload}"${hint}` });
    }
    if (doc.layout) checkTargets(entry.on, [...path, "on"], doc.layout, findings);
  });
  if (doc.workloads && unusedWorkloads) findings.push(...unusedWorkloadFindings(doc.workloads, run));
}

/** Workloads no run entry starts: a typo in a run entry, or a leftover. */
export function unusedWorkloadFindings(workloads: Readonly<Record<string, unknown>>, run: readonly { readonly workload: string }[]): Finding[] {
  const used = new Set(run.map((entry) => entry.workload));
  return Object.keys(workloads)
    .filter((name) => !used.has(name))
    .map((name) => ({ path: ["workloads", name], at: "key" as const, message: `workload "${name}" is never run; add a run entry for it or remove it` }));
}

function checkTargets(on: string | readonly string[], path: DocPath, layout: ScenarioDoc["layout"], findings: Finding[]): void {
  const targets = typeof on === "string" ? [{ target: on, path }] : on.map((target, k) => ({ target, path: [...path, k] }));
  const names = instanceNames(layout);
  for (const { target, path: at } of targets) {
    const message = targetProblem(target, typeof on !== "string", layout.mig, names);
    if (message) findings.push({ path: at, message });
  }
}

function targetProblem(target: string, inList: boolean, mig: boolean, names: readonly string[]): string | undefined {
  if (target === EACH_MIG_DEVICE || target === FULL_GPU) {
    if (inList) return `write on: ${target} on its own, not in a list`;
    if (target === EACH_MIG_DEVICE && !mig) return `on: ${EACH_MIG_DEVICE} (the default) needs mig: true; with mig: false write on: ${FULL_GPU}`;
    if (target === FULL_GPU && mig) return `on: ${FULL_GPU} needs mig: false; with a MIG layout use on: ${EACH_MIG_DEVICE} or an instance name`;
    return undefined;
  }
  if (!mig) return `on: "${target}" names a MIG instance, but mig is false; use on: ${FULL_GPU}`;
  if (names.includes(target)) return undefined;
  const hint =
    didYouMean(target, [...names, ...RUN_TARGETS]) ||
    (names.length > 0
      ? `; expected ${EACH_MIG_DEVICE} or one of the layout's names: ${names.join(", ")}`
      : `; expected ${EACH_MIG_DEVICE}, or give an instance a name in the layout`);
  return `unknown instance name "${target}"${hint}`;
}
