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
import { find, readXml, textAt } from "../gpu/nvidia-smi/xml.js";
import type { GpuRecord } from "../results/index.js";

type Facts = Omit<GpuRecord, "model" | "index" | "migModeBefore" | "migModeDuring">;
type Clocks = NonNullable<GpuRecord["clocks"]>;
type TextFact = "name" | "uuid" | "pciBusId" | "vbiosVersion" | "eccMode" | "persistenceMode" | "computeCap";
type WattFact = "powerLimitW" | "enforcedPowerLimitW" | "defaultPowerLimitW";
type ClockFact = Exclude<keyof Clocks, "locked" | "lockedReason">;

/**
 * Where each fact is in either answer, newest name first: its element paths under `<gpu>` in the report
 * (drivers renamed power_readings and the throttle reasons), and its query field. A fact one answer lacks
 * has no entry for it (the report has no compute capability; the query has no product name or UUID).
 */
interface Source {
  readonly xml?: readonly (readonly string[])[];
  readonly query?: FieldChoice;
}

const TEXT_FACTS: readonly (readonly [TextFact, Source])[] = [
  ["name", { xml: [["product_name"]] }],
  ["uuid", { xml: [["uuid"]] }],
  ["pciBusId", { xml: [["pci", "pci_bus_id"]], query: ["pci.bus_id"] }],
  ["vbiosVersion", { xml: [["vbios_version"]], query: ["vbios_version"] }],
  ["eccMode", { xml: [["ecc_mode", "current_ecc"]], query: ["ecc.mode.current"] }],
  ["persistenceMode", { xml: [["persistence_mode"]], query: ["persistence_mode"] }],
  ["computeCap", { query: ["compute_cap"] }],
];

const WATT_FACTS: readonly (readonly [WattFact, Source])[] = [
  ["powerLimitW", { xml: [["gpu_power_readings", "current_power_limit"], ["power_readings", "power_limit"]], query: ["power.limit"] }],
  ["enforcedPowerLimitW", { xml: [["power_readings", "enforced_power_limit"], ["gpu_power_readings", "current_power_limit"]], query: ["enforced.power.limit"] }],
  ["defaultPowerLimitW", { xml: [["gpu_power_readings", "default_power_limit"], ["power_readings", "default_power_limit"]], query: ["power.default_limit"] }],
];

const CLOCK_FACTS: readonly (readonly [ClockFact, Source])[] = [
  ["maxSmMHz", { xml: [["max_clocks", "sm_clock"]], query: ["clocks.max.sm"] }],
  ["maxMemoryMHz", { xml: [["max_clocks", "mem_clock"]], query: ["clocks.max.memory"] }],
  ["applicationsGraphicsMHz", { xml: [["applications_clocks", "graphics_clock"]], query: ["clocks.applications.graphics"] }],
  ["applicationsMemoryMHz", { xml: [["applications_clocks", "mem_clock"]], query: ["clocks.applications.memory"] }],
  ["defaultApplicationsGraphicsMHz", { xml: [["default_applications_clocks", "graphics_clock"]], query: ["clocks.default_applications.graphics"] }],
  ["defaultApplicationsMemoryMHz", { xml: [["default_applications_clocks", "mem_clock"]], query: ["clocks.default_applications.memory"] }],
];

/** Whether application (or locked) clocks hold the GPU: the "applications clocks setting" clock event. */
const CLOCKS_SETTING_EVENT: Source = {
  xml: [
    ["clocks_event_reasons", "clocks_event_reason_applications_clocks_setting"],
    ["clocks_throttle_reasons", "clocks_throttle_reason_applications_clocks_setting"],
  ],
  query: ["clocks_event_reasons.applications_clocks_setting", "clocks_throttle_reasons.applications_clocks_setting"],
};

/** The driver version, which the report gives once for all GPUs, outside `<gpu>`. */
const DRIVER_VERSION_FIELD: FieldChoice = ["driver_version"];

/** Whether clocks were pinned, and the evidence; null when the driver gave none. */
export function clocksLocked(clocks: Clocks, settingEvent: string | undefined): Pick<Clocks, "locked" | "lockedReason"> {
  const { applicationsGraphicsMHz: app, defaultApplicationsGraphicsMHz: def } = clocks;
  if (app !== undefined && def !== undefined && app !== def) return { locked: true, lockedReason: `application clocks ${app} MHz, default ${def} MHz` };
  if (settingEvent !== undefined && /^active$/i.test(settingEvent)) return { locked: true, lockedReason: 'clock event reason "applications clocks setting" is active' };
  if (app !== undefined && def !== undefined) return { locked: false };
  return { locked: null };
}

/** The facts that `read` finds, through the tables above; absent where it finds nothing. */
function collectFacts(read: (source: Source) => string | undefined): Partial<Facts> {
  const facts: Partial<Facts> = {};
  for (const [key, source] of TEXT_FACTS) {
    const value = read(source);
    if (value !== undefined) facts[key] = value;
  }
  for (const [key, source] of WATT_FACTS) {
    const value = toNumber(read(source));
    if (value !== undefined) facts[key] = value;
  }
  const clocks: Clocks = { locked: null };
  for (const [key, source] of CLOCK_FACTS) {
    const value = toNumber(read(source));
    if (value !== undefined) clocks[key] = value;
  }
  facts.clocks = { ...clocks, ...clocksLocked(clocks, read(CLOCKS_SETTING_EVENT)) };
  return facts;
}

/** The facts of the first `<gpu>` of a `-q -x` report (asked with `-i`, it holds that GPU only). */
export function factsFromXml(text: string): Partial<Facts> {
  const log = find(readXml(text), "nvidia_smi_log");
  const gpu = log ? find(log, "gpu") : undefined;
  const driverVersion = present(textAt(log, "driver_version"));
  const cudaVersion = present(textAt(log, "cuda_version"));
  const versions = { ...(driverVersion ? { driverVersion } : {}), ...(cudaVersion ? { cudaVersion } : {}) };
  if (!gpu) return versions;
  return { ...versions, ...collectFacts(({ xml = [] }) => xml.map((p) => present(textAt(gpu, ...p))).find((v) => v !== undefined)) };
}

/** Every query field of the facts, for one `--query-gpu`. */
const FACT_CHOICES: readonly FieldChoice[] = [
  ...[...[...TEXT_FACTS, ...WATT_FACTS, ...CLOCK_FACTS].map(([, source]) => source), CLOCKS_SETTING_EVENT].flatMap(({ query }) => (query ? [query] : [])),
  DRIVER_VERSION_FIELD,
];

/** `nvidia-smi --version`'s CUDA line (seen from drivers 550 to 590; older ones may print none). */
const CUDA_VERSION_LINE = /^CUDA Version\s*:\s*(\S+)\s*$/m;

/** The facts of one `--query-gpu` record, keyed by each choice's first name (`queryGpuTolerant`). */
export function factsFromQuery(record: Readonly<Record<string, string | undefined>>): Partial<Facts> {
  const driverVersion = present(record[DRIVER_VERSION_FIELD[0]]);
  return { ...(driverVersion ? { driverVersion } : {}), ...collectFacts(({ query }) => (query ? present(record[query[0]]) : undefined)) };
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

const hasClockValues = (clocks: Clocks): boolean => CLOCK_FACTS.some(([key]) => clocks[key] !== undefined);
