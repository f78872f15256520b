/**
 * What GPU telemetry records: the `--query-gpu` fields sampled by the long-lived nvidia-smi process, as a
 * table (CSV column, query field and older names), and the clock event (throttle) reasons' bits.
 */
import type { FieldChoice } from "../../gpu/nvidia-smi/query-fields.js";

export interface TelemetryField {
  /** Column of telemetry/gpu<N>.csv, with the unit in its name. */
  readonly column: string;
  /** The query field, then older names of it. */
  readonly names: FieldChoice;
  /** `number`: a reading; `bitmask`: a hex mask kept as printed (`0x0000000000000004`). */
  readonly kind: "number" | "bitmask";
}

export const GPU_TELEMETRY_FIELDS: readonly TelemetryField[] = [
  { column: "utilization_gpu_pct", names: ["utilization.gpu"], kind: "number" },
  { column: "utilization_memory_pct", names: ["utilization.memory"], kind: "number" },
  { column: "memory_used_mib", names: ["memory.used"], kind: "number" },
  { column: "memory_total_mib", names: ["memory.total"], kind: "number" },
  { column: "power_draw_w", names: ["power.draw"], kind: "number" },
  { column: "sm_clock_mhz", names: ["clocks.sm"], kind: "number" },
  { column: "mem_clock_mhz", names: ["clocks.mem"], kind: "number" },
  { column: "temperature_c", names: ["temperature.gpu"], kind: "number" },
  // Renamed from clocks_throttle_reasons in the 535 drivers (which still answer the old name); older
  // drivers know only the old name, so the probe asks again with it (query-fields.ts).
  { column: "clock_event_reasons", names: ["clocks_event_reasons.active", "clocks_throttle_reasons.active"], kind: "bitmask" },
];

/** The columns every telemetry/gpu<N>.csv starts with. */
export const GPU_CSV_PREFIX = ["time", "epoch_ms", "gpu"] as const;

export const POWER_COLUMN = "power_draw_w";
export const REASONS_COLUMN = "clock_event_reasons";

/** NVML's clocks event reasons (nvmlClocksEventReasons), bit → name. */
export const CLOCK_EVENT_REASONS: readonly (readonly [bit: bigint, name: string])[] = [
  [0x1n, "gpu_idle"],
  [0x2n, "applications_clocks_setting"],
  [0x4n, "sw_power_cap"],
  [0x8n, "hw_slowdown"],
  [0x10n, "sync_boost"],
  [0x20n, "sw_thermal_slowdown"],
  [0x40n, "hw_thermal_slowdown"],
  [0x80n, "hw_power_brake_slowdown"],
  [0x100n, "display_clock_setting"],
];

/** The reasons a mask holds; unknown bits are named by their value. */
export function clockEventReasons(mask: string): string[] {
  if (!/^0x[0-9a-f]+$/i.test(mask)) return [];
  let bits = BigInt(mask);
  const names: string[] = [];
  for (const [bit, name] of CLOCK_EVENT_REASONS) {
    if ((bits & bit) !== 0n) names.push(name);
    bits &= ~bit;
  }
  if (bits !== 0n) names.push(`0x${bits.toString(16)}`);
  return names;
}

/** DCGM profiling fields `dcgmi dmon -e` samples, by id, with the column dmon prints and the CSV's. */
export const DCGM_FIELDS: readonly { readonly id: number; readonly header: string; readonly column: string }[] = [
  { id: 1001, header: "GRACT", column: "gr_engine_active" },
  { id: 1002, header: "SMACT", column: "sm_active" },
  { id: 1003, header: "SMOCC", column: "sm_occupancy" },
  { id: 1004, header: "TENSO", column: "tensor_active" },
  { id: 1005, header: "DRAMA", column: "dram_active" },
];
