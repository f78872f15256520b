/**
 * `--query-gpu=…` and `--query-compute-apps=…` with `--format=csv[,noheader][,nounits]`. Fields are a
 * table: the header echoes each field's canonical name with its unit in brackets (also with `nounits`),
 * values carry the unit unless `nounits`, and a value the GPU cannot give prints `[N/A]`. Some fields exist
 * only from (or until) a driver version, as on real drivers.
 */
import { boardOf, driverMajor, DRIVER_BEHAVIOUR } from "./hardware.js";
import { modelOf } from "./gpus.js";
import { telemetryOf, type Telemetry } from "./telemetry.js";
import type { SimGpu, SimProcess, SimState } from "./state.js";

export interface CsvFormat {
  readonly header: boolean;
  readonly units: boolean;
}

/** `csv[,noheader][,nounits]`, or null when the tool would reject it. */
export function parseCsvFormat(value: string | true | undefined): CsvFormat | null {
  if (typeof value !== "string") return null;
  const [kind, ...flags] = value.split(",").map((s) => s.trim());
  if (kind !== "csv" || flags.some((f) => f !== "noheader" && f !== "nounits")) return null;
  return { header: !flags.includes("noheader"), units: !flags.includes("nounits") };
}

type Value = string | number | undefined;

interface Field<C> {
  /** The canonical name (what the header prints) first, then accepted aliases. */
  readonly names: readonly string[];
  readonly unit?: string;
  readonly decimals?: number;
  /** Driver majors that know the field: from `from`, before `before` (every driver when absent). */
  readonly drivers?: { readonly from?: number; readonly before?: number };
  readonly value: (ctx: C) => Value;
}

interface GpuContext {
  readonly state: SimState;
  readonly gpu: SimGpu;
  readonly telemetry: Telemetry;
  readonly nowMs: number;
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** `2026/08/17 10:00:00.000` in local time, as the tool prints it. */
export function formatTimestamp(nowMs: number): string {
  const t = new Date(nowMs);
  const date = `${t.getFullYear()}/${pad2(t.getMonth() + 1)}/${pad2(t.getDate())}`;
  return `${date} ${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, "0")}`;
}

const migMode = (gpu: SimGpu, which: "current" | "pending"): Value => (modelOf(gpu).mig ? gpu.migMode[which] : undefined);

/** NVML's clocks event reasons as the tool prints them: a 64-bit mask in hex (`0x0000000000000001`). */
const hexMask = (bits: number): string => `0x${bits.toString(16).toUpperCase().padStart(16, "0")}`;
const GPU_IDLE_REASON = 0x1;

/** Idle clocks are NVML's GpuIdle; busy, the simulated clocks run with no reason active. */
const clockEventReasons = (c: GpuContext): string => hexMask(c.telemetry.idleClocks ? GPU_IDLE_REASON : 0);
const RENAMED_CLOCK_EVENTS = DRIVER_BEHAVIOUR.clockEventReasonsFrom;

const GPU_FIELDS: readonly Field<GpuContext>[] = [
  { names: ["timestamp"], value: (c) => formatTimestamp(c.nowMs) },
  { names: ["driver_version"], value: (c) => c.state.driverVersion },
  { names: ["count"], value: (c) => c.state.gpus.length },
  { names: ["index"], value: (c) => c.gpu.index },
  { names: ["name", "gpu_name"], value: (c) => c.gpu.name },
  { names: ["serial", "gpu_serial"], value: (c) => c.gpu.serial },
  { names: ["uuid", "gpu_uuid"], value: (c) => c.gpu.uuid },
  { names: ["pci.bus_id", "gpu_bus_id"], value: (c) => c.gpu.pciBusId },
  { names: ["vbios_version"], value: (c) => c.gpu.vbios },
  { names: ["persistence_mode"], value: () => "Enabled" },
  { names: ["pstate"], value: () => "P0" },
  { names: ["compute_mode"], value: () => "Default" },
  { names: ["compute_cap"], value: (c) => boardOf(modelOf(c.gpu)).computeCap },
  { names: ["memory.total"], unit: "MiB", value: (c) => c.telemetry.memoryTotalMiB },
  { names: ["memory.reserved"], unit: "MiB", value: (c) => c.telemetry.memoryReservedMiB },
  { names: ["memory.used"], unit: "MiB", value: (c) => c.telemetry.memoryUsedMiB },
  { names: ["memory.free"], unit: "MiB", value: (c) => c.telemetry.memoryFreeMiB },
  { names: ["utilization.gpu"], unit: "%", value: (c) => c.telemetry.utilizationGpu },
  { names: ["utilization.memory"], unit: "%", value: (c) => c.telemetry.utilizationMemory },
  { names: ["temperature.gpu"], value: (c) => c.telemetry.temperatureC },
  { names: ["power.draw"], unit: "W", decimals: 2, value: (c) => c.telemetry.powerDrawW },
  { names: ["power.limit"], unit: "W", decimals: 2, value: (c) => c.telemetry.powerLimitW },
  { names: ["enforced.power.limit"], unit: "W", decimals: 2, value: (c) => c.telemetry.powerLimitW },
  { names: ["power.default_limit"], unit: "W", decimals: 2, value: (c) => c.telemetry.powerLimitW },
  { names: ["ecc.mode.current"], value: () => "Enabled" },
  { names: ["clocks.current.sm", "clocks.sm"], unit: "MHz", value: (c) => c.telemetry.smClockMHz },
  { names: ["clocks.current.graphics", "clocks.gr"], unit: "MHz", value: (c) => c.telemetry.smClockMHz },
  { names: ["clocks.current.memory", "clocks.mem"], unit: "MHz", value: (c) => c.telemetry.memClockMHz },
  { names: ["clocks.max.sm"], unit: "MHz", value: (c) => c.telemetry.maxSmClockMHz },
  { names: ["clocks.max.memory", "clocks.max.mem"], unit: "MHz", value: (c) => c.telemetry.memClockMHz },
  // Application clocks at their defaults (the maxima, as on the H200 capture): never pinned here.
  { names: ["clocks.applications.graphics", "clocks.applications.gr"], unit: "MHz", value: (c) => c.telemetry.maxSmClockMHz },
  { names: ["clocks.applications.memory", "clocks.applications.mem"], unit: "MHz", value: (c) => c.telemetry.memClockMHz },
  { names: ["clocks.default_applications.graphics", "clocks.default_applications.gr"], unit: "MHz", value: (c) => c.telemetry.maxSmClockMHz },
  { names: ["clocks.default_applications.memory", "clocks.default_applications.mem"], unit: "MHz", value: (c) => c.telemetry.memClockMHz },
  { names: ["mig.mode.current"], value: (c) => migMode(c.gpu, "current") },
  { names: ["mig.mode.pending"], value: (c) => migMode(c.gpu, "pending") },
  { names: ["clocks_event_reasons.active", "clocks_throttle_reasons.active"], drivers: { from: RENAMED_CLOCK_EVENTS }, value: clockEventReasons },
  { names: ["clocks_throttle_reasons.active"], drivers: { before: RENAMED_CLOCK_EVENTS }, value: clockEventReasons },
  {
    names: ["clocks_event_reasons.applications_clocks_setting", "clocks_throttle_reasons.applications_clocks_setting"],
    drivers: { from: RENAMED_CLOCK_EVENTS },
    value: () => "Not Active",
  },
  { names: ["clocks_throttle_reasons.applications_clocks_setting"], drivers: { before: RENAMED_CLOCK_EVENTS }, value: () => "Not Active" },
];

interface AppContext {
  readonly gpu: SimGpu;
  readonly process: SimProcess;
  readonly nowMs: number;
}

/** Under MIG, processes are reported against the parent GPU. */
const APP_FIELDS: readonly Field<AppContext>[] = [
  { names: ["timestamp"], value: (c) => formatTimestamp(c.nowMs) },
  { names: ["gpu_name"], value: (c) => c.gpu.name },
  { names: ["gpu_bus_id"], value: (c) => c.gpu.pciBusId },
  { names: ["gpu_serial"], value: (c) => c.gpu.serial },
  { names: ["gpu_uuid"], value: (c) => c.gpu.uuid },
  { names: ["pid"], value: (c) => c.process.pid },
  { names: ["process_name", "name"], value: (c) => c.process.name },
  { names: ["used_gpu_memory", "used_memory"], unit: "MiB", value: (c) => c.process.usedMemoryMiB },
];

export type CsvResult = { ok: true; lines: string[] } | { ok: false; invalidField: string };

/** Whether a driver of this major version knows the field; undefined: a table with no such limits. */
const knownTo = <C>(field: Field<C>, major: number | undefined): boolean =>
  major === undefined || (major >= (field.drivers?.from ?? 0) && major < (field.drivers?.before ?? Infinity));

function renderCsv<C>(table: readonly Field<C>[], requested: readonly string[], rows: readonly C[], format: CsvFormat, major?: number): CsvResult {
  const fields: Field<C>[] = [];
  for (const name of requested) {
    const field = table.find((f) => f.names.includes(name) && knownTo(f, major));
    if (!field) return { ok: false, invalidField: name };
    fields.push(field);
  }
  const header = fields.map((f) => (f.unit ? `${f.names[0]} [${f.unit}]` : (f.names[0] as string))).join(", ");
  const cell = (f: Field<C>, row: C): string => {
    const value = f.value(row);
    if (value === undefined) return "[N/A]";
    const text = typeof value === "number" && f.decimals !== undefined ? value.toFixed(f.decimals) : String(value);
    return f.unit && format.units ? `${text} ${f.unit}` : text;
  };
  const lines = rows.map((row) => fields.map((f) => cell(f, row)).join(", "));
  return { ok: true, lines: format.header ? [header, ...lines] : lines };
}

export function formatQueryGpu(state: SimState, gpus: readonly SimGpu[], requested: readonly string[], format: CsvFormat, nowMs: number): CsvResult {
  const rows = gpus.map((gpu) => ({ state, gpu, nowMs, telemetry: telemetryOf(gpu, nowMs) }));
  return renderCsv(GPU_FIELDS, requested, rows, format, driverMajor(state.driverVersion));
}

export function formatComputeApps(gpus: readonly SimGpu[], requested: readonly string[], format: CsvFormat, nowMs: number): CsvResult {
  const rows = gpus.flatMap((gpu) => gpu.processes.map((process) => ({ gpu, process, nowMs })));
  return renderCsv(APP_FIELDS, requested, rows, format);
}
