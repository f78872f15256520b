/**
 * What a result records about the board, read from the driver once before the first step: identity,
 * firmware, ECC, power limits, clocks and whether they were pinned, persistence mode. Two calls at once:
 * one `--query-gpu` of the facts (40-45 ms on an H200, where the `-q -x` report takes 110-120 ms and
 * holds up the run's start), and `nvidia-smi --version` for the CUDA version, which no query field gives.
 * A driver whose `--version` has no CUDA line gets the `-q -x` report afterwards (a table of element
 * paths below, with the names older drivers used). A value the driver does not give stays absent, never
 * guessed.
 */
import { execNvidiaSmi, toolMessage, type ExecOptions } from "../gpu/nvidia-smi/exec.js";
import { NvidiaSmiError } from "../gpu/nvidia-smi/errors.js";
import { queryGpuTolerant, type FieldChoice } from "../gpu/nvidia-smi/query-fields.js";
import { together } from "../gpu/nvidia-smi/together.js";
import { present, toNumber } from "../gpu/nvidia-smi/values.js";
import { find, readXml, textAt, type XmlNode } from "../gpu/nvidia-smi/xml.js";
import type { GpuRecord } from "../results/index.js";

type Facts = Omit<GpuRecord, "model" | "index" | "migModeBefore" | "migModeDuring">;
type Clocks = NonNullable<GpuRecord["clocks"]>;
type TextFact = "name" | "uuid" | "pciBusId" | "vbiosVersion" | "eccMode" | "persistenceMode";
type WattFact = "powerLimitW" | "enforcedPowerLimitW" | "defaultPowerLimitW";
type ClockFact = Exclude<keyof Clocks, "locked" | "lockedReason">;

/** Element paths under `<gpu>`, newest name first: drivers renamed power_readings and the throttle reasons. */
const TEXT_FACTS: readonly (readonly [TextFact, readonly (readonly string[])[]])[] = [
  ["name", [["product_name"]]],
  ["uuid", [["uuid"]]],
  ["pciBusId", [["pci", "pci_bus_id"]]],
  ["vbiosVersion", [["vbios_version"]]],
  ["eccMode", [["ecc_mode", "current_ecc"]]],
  ["persistenceMode", [["persistence_mode"]]],
];

const WATT_FACTS: readonly (readonly [WattFact, readonly (readonly string[])[]])[] = [
  ["powerLimitW", [["gpu_power_readings", "current_power_limit"], ["power_readings", "power_limit"]]],
  ["enforcedPowerLimitW", [["power_readings", "enforced_power_limit"], ["gpu_power_readings", "current_power_limit"]]],
  ["defaultPowerLimitW", [["gpu_power_readings", "default_power_limit"], ["power_readings", "default_power_limit"]]],
];

const CLOCK_FACTS: readonly (readonly [ClockFact, readonly (readonly string[])[]])[] = [
  ["maxSmMHz", [["max_clocks", "sm_clock"]]],
  ["maxMemoryMHz", [["max_clocks", "mem_clock"]]],
  ["applicationsGraphicsMHz", [["applications_clocks", "graphics_clock"]]],
  ["applicationsMemoryMHz", [["applications_clocks", "mem_clock"]]],
  ["defaultApplicationsGraphicsMHz", [["default_applications_clocks", "graphics_clock"]]],
  ["defaultApplicationsMemoryMHz", [["default_applications_clocks", "mem_clock"]]],
];

/** Whether application (or locked) clocks hold the GPU: the "applications clocks setting" clock event. */
const CLOCKS_SETTING_EVENT = [
  ["clocks_event_reasons", "clocks_event_reason_applications_clocks_setting"],
  ["clocks_throttle_reasons", "clocks_throttle_reason_applications_clocks_setting"],
] as const;

const first = (gpu: XmlNode, paths: readonly (readonly string[])[]): string | undefined => paths.map((p) => present(textAt(gpu, ...p))).find((v) => v !== undefined);

/** Whether clocks were pinned, and the evidence; null when the driver gave none. */
export function clocksLocked(clocks: Clocks, settingEvent: string | undefined): Pick<Clocks, "locked" | "lockedReason"> {
  const { applicationsGraphicsMHz: app, defaultApplicationsGraphicsMHz: def } = clocks;
  if (app !== undefined && def !== undefined && app !== def) return { locked: true, lockedReason: `application clocks ${app} MHz, default ${def} MHz` };
  if (settingEvent !== undefined && /^active$/i.test(settingEvent)) return { locked: true, lockedReason: 'clock event reason "applications clocks setting" is active' };
  if (app !== undefined && def !== undefined) return { locked: false };
  return { locked: null };
}

/** The facts of the first `<gpu>` of a `-q -x` report (asked with `-i`, it holds that GPU only). */
export function factsFromXml(text: string): Partial<Facts> {
  const log = find(readXml(text), "nvidia_smi_log");
  const gpu = log ? find(log, "gpu") : undefined;
  const facts: Partial<Facts> = {};
  const driverVersion = present(textAt(log, "driver_version"));
  const cudaVersion = present(textAt(log, "cuda_version"));
  if (driverVersion) facts.driverVersion = driverVersion;
  if (cudaVersion) facts.cudaVersion = cudaVersion;
  if (!gpu) return facts;
  for (const [key, paths] of TEXT_FACTS) {
    const value = first(gpu, paths);
    if (value !== undefined) facts[key] = value;
  }
  for (const [key, paths] of WATT_FACTS) {
    const value = toNumber(first(gpu, paths));
    if (value !== undefined) facts[key] = value;
  }
  const clocks: Clocks = { locked: null };
  for (const [key, paths] of CLOCK_FACTS) {
    const value = toNumber(first(gpu, paths));
    if (value !== undefined) clocks[key] = value;
  }
  facts.clocks = { ...clocks, ...clocksLocked(clocks, first(gpu, CLOCKS_SETTING_EVENT)) };
  return facts;
}

/** The same facts as query fields, newest name first. */
const TEXT_FIELDS: readonly (readonly [Exclude<TextFact, "name" | "uuid"> | "driverVersion" | "computeCap", FieldChoice])[] = [
  ["pciBusId", ["pci.bus_id"]],
  ["vbiosVersion", ["vbios_version"]],
  ["eccMode", ["ecc.mode.current"]],
  ["persistenceMode", ["persistence_mode"]],
  ["driverVersion", ["driver_version"]],
  ["computeCap", ["compute_cap"]],
];
const WATT_FIELDS: readonly (readonly [WattFact, FieldChoice])[] = [
  ["powerLimitW", ["power.limit"]],
  ["enforcedPowerLimitW", ["enforced.power.limit"]],
  ["defaultPowerLimitW", ["power.default_limit"]],
];
const CLOCK_FIELDS: readonly (readonly [ClockFact, FieldChoice])[] = [
  ["maxSmMHz", ["clocks.max.sm"]],
  ["maxMemoryMHz", ["clocks.max.memory"]],
  ["applicationsGraphicsMHz", ["clocks.applications.graphics"]],
  ["applicationsMemoryMHz", ["clocks.applications.memory"]],
  ["defaultApplicationsGraphicsMHz", ["clocks.default_applications.graphics"]],
  ["defaultApplicationsMemoryMHz", ["clocks.default_applications.memory"]],
];
const CLOCKS_SETTING_FIELD: FieldChoice = ["clocks_event_reasons.applications_clocks_setting", "clocks_throttle_reasons.applications_clocks_setting"];
const FACT_CHOICES: readonly FieldChoice[] = [...[...TEXT_FIELDS, ...WATT_FIELDS, ...CLOCK_FIELDS].map(([, choice]) => choice), CLOCKS_SETTING_FIELD];

/** `nvidia-smi --version`'s CUDA line (seen from drivers 550 to 590; older ones may print none). */
const CUDA_VERSION_LINE = /^CUDA Version\s*:\s*(\S+)\s*$/m;

/** The facts of one `--query-gpu` record, keyed by each choice's first name (`queryGpuTolerant`). */
export function factsFromQuery(record: Readonly<Record<string, string | undefined>>): Partial<Facts> {
  const facts: Partial<Facts> = {};
  for (const [key, [field]] of TEXT_FIELDS) {
    const value = present(record[field]);
    if (value !== undefined) facts[key] = value;
  }
  for (const [key, [field]] of WATT_FIELDS) {
    const value = toNumber(record[field]);
    if (value !== undefined) facts[key] = value;
  }
  const clocks: Clocks = { locked: null };
  for (const [key, [field]] of CLOCK_FIELDS) {
    const value = toNumber(record[field]);
    if (value !== undefined) clocks[key] = value;
  }
  facts.clocks = { ...clocks, ...clocksLocked(clocks, present(record[CLOCKS_SETTING_FIELD[0]])) };
  return facts;
}

/** The board facts of GPU `index`; rejects only when the tool cannot answer at all. */
export async function readGpuFacts(index: number, options: ExecOptions, exec: typeof execNvidiaSmi = execNvidiaSmi): Promise<Partial<Facts>> {
  const [query, version] = await together([
    queryGpuTolerant(FACT_CHOICES, index, options, exec).catch(() => null),
    exec(["--version"], options).catch(() => null),
  ]);
  const cudaVersion = version?.exitCode === 0 ? CUDA_VERSION_LINE.exec(version.stdout)?.[1] : undefined;
  const queried = query ? { ...factsFromQuery(query.record), ...(query.unsupported.length > 0 ? { unsupportedFields: [...query.unsupported] } : {}) } : null;
  if (queried && cudaVersion) return { ...queried, cudaVersion };
  // No CUDA line (an older driver), or no query: the report has the CUDA version, and what the query lacked.
  const xml = await exec(["-q", "-x", "-i", String(index)], options);
  if (xml.exitCode !== 0) throw new NvidiaSmiError({ reason: "failed", command: xml.command, exitCode: xml.exitCode, toolMessage: toolMessage(xml.stdout, xml.stderr) });
  const { name: _name, uuid: _uuid, ...reported } = factsFromXml(xml.stdout);
  const clocks = queried?.clocks && hasClockValues(queried.clocks) ? queried.clocks : reported.clocks;
  return { ...reported, ...queried, ...(clocks ? { clocks } : {}) };
}

const hasClockValues = (clocks: Clocks): boolean => CLOCK_FIELDS.some(([key]) => clocks[key] !== undefined);
