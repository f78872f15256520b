/**
 * What a result records about the board, read from the driver once before the first step: identity,
 * firmware, ECC, power limits, clocks and whether they were pinned, persistence mode. Two calls at once: the
 * `nvidia-smi -q -x` report (a table of element paths below, with the names older drivers used), and one
 * `--query-gpu` for what the report lacks. A value the driver does not give stays absent, never guessed.
 */
import { execNvidiaSmi, toolMessage, type ExecOptions } from "../gpu/nvidia-smi/exec.js";
import { NvidiaSmiError } from "../gpu/nvidia-smi/errors.js";
import { queryGpuTolerant } from "../gpu/nvidia-smi/query-fields.js";
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

/** The board facts of GPU `index`; rejects only when the tool cannot answer at all. */
export async function readGpuFacts(index: number, options: ExecOptions, exec: typeof execNvidiaSmi = execNvidiaSmi): Promise<Partial<Facts>> {
  // Two reads side by side (each nvidia-smi call takes a while to start). The report has no compute
  // capability; the query asks for it (and tolerates a driver without it).
  const [xml, { record, unsupported }] = await together([
    exec(["-q", "-x", "-i", String(index)], options),
    queryGpuTolerant([["compute_cap"]], index, options, exec).catch(() => ({ record: {} as Record<string, string | undefined>, unsupported: [] as string[] })),
  ]);
  if (xml.exitCode !== 0) throw new NvidiaSmiError({ reason: "failed", command: xml.command, exitCode: xml.exitCode, toolMessage: toolMessage(xml.stdout, xml.stderr) });
  const facts = factsFromXml(xml.stdout);
  const computeCap = present(record.compute_cap);
  return { ...facts, ...(computeCap ? { computeCap } : {}), ...(unsupported.length > 0 ? { unsupportedFields: [...unsupported] } : {}) };
}
