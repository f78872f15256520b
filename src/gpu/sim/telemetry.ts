/**
 * Plausible readings that vary smoothly with time: a GPU with processes runs near full load with a slow
 * wobble, an idle one sits near idle. Each GPU's seed shifts its curve so that GPUs differ.
 */
import { boardOf } from "./hardware.js";
import { isMigEnabled, migDevicesOf, modelOf } from "./gpus.js";
import type { SimGpu } from "./state.js";

export interface Telemetry {
  /** 0..1 */
  readonly load: number;
  readonly utilizationGpu: number | undefined;
  readonly utilizationMemory: number | undefined;
  readonly temperatureC: number;
  readonly temperatureLimitC: number;
  readonly powerDrawW: number;
  readonly powerLimitW: number;
  readonly smClockMHz: number;
  /** Clocks dropped to idle (NVML's GpuIdle clock event reason). */
  readonly idleClocks: boolean;
  readonly maxSmClockMHz: number;
  readonly memClockMHz: number;
  readonly memoryTotalMiB: number;
  readonly memoryReservedMiB: number;
  readonly memoryUsedMiB: number;
  readonly memoryFreeMiB: number;
}

/** Fractions of each memory pool the driver keeps for itself (close to the `-q -x` capture). */
const RESERVED_FRACTION = 0.0055;
const MIG_DEVICE_OVERHEAD_FRACTION = 0.0074;
const IDLE_USED_MIB = 4;
/** Load each existing MIG device adds (as if a workload used it), and the most all of them add. */
const LOAD_PER_MIG_DEVICE = 0.11;
const MAX_MIG_LOAD = 0.85;

/** A smooth wave in [0, 1] with the given period, phase-shifted by the seed. */
const wave = (nowMs: number, periodS: number, seed: number): number => 0.5 + 0.5 * Math.sin((2 * Math.PI * nowMs) / (periodS * 1000) + (seed % 628) / 100);

/** Memory a MIG device's driver context takes before any process allocates. */
export const migDeviceOverheadMiB = (memoryMiB: number): number => Math.round(memoryMiB * MIG_DEVICE_OVERHEAD_FRACTION);

/** What the readings take from the state rather than from the clock. */
interface Basis {
  readonly board: ReturnType<typeof boardOf>;
  readonly busy: boolean;
  readonly mig: boolean;
  readonly devices: number;
  readonly memoryTotalMiB: number;
  readonly memoryReservedMiB: number;
  readonly memoryUsedMiB: number;
}

/**
 * Bases of frozen GPUs (a looping call's cached state, src/gpu/sim/loop.ts), which cannot change: worked
 * out once per state rather than at every tick, where finding the model and the MIG devices was most of
 * the loop's work.
 */
const kept = new WeakMap<SimGpu, Basis>();

function basisOf(gpu: SimGpu): Basis {
  const known = kept.get(gpu);
  if (known) return known;
  const model = modelOf(gpu);
  const devices = migDevicesOf(gpu);
  const migOverhead = devices.reduce((sum, d) => sum + migDeviceOverheadMiB(Math.round(d.giProfile.memoryGiB * 1024)), 0);
  const processMiB = gpu.processes.reduce((sum, p) => sum + p.usedMemoryMiB, 0);
  const memoryTotalMiB = model.memoryMiB;
  const memoryReservedMiB = Math.round(memoryTotalMiB * RESERVED_FRACTION);
  const basis: Basis = {
    board: boardOf(model),
    busy: gpu.processes.length > 0,
    mig: isMigEnabled(gpu),
    devices: devices.length,
    memoryTotalMiB,
    memoryReservedMiB,
    memoryUsedMiB: Math.min(memoryTotalMiB - memoryReservedMiB, IDLE_USED_MIB + migOverhead + processMiB),
  };
  if (Object.isFrozen(gpu)) kept.set(gpu, basis);
  return basis;
}

export function telemetryOf(gpu: SimGpu, nowMs: number): Telemetry {
  const { board, busy, mig, devices, memoryTotalMiB, memoryReservedMiB, memoryUsedMiB } = basisOf(gpu);
  // Workloads run on MIG devices without the simulator knowing their processes: each device that exists
  // adds load (as if in use), so that power, clocks and temperature rise while a partitioned run is on.
  const migLoad = Math.min(MAX_MIG_LOAD, devices * LOAD_PER_MIG_DEVICE) * (0.9 + 0.1 * wave(nowMs, 23, gpu.telemetrySeed));
  const idle = 0.01 + 0.03 * wave(nowMs, 90, gpu.telemetrySeed);
  const load = busy ? 0.8 + 0.15 * wave(nowMs, 47, gpu.telemetrySeed) : Math.max(idle, migLoad);
  // Temperature follows load with its own slower wave, so it does not move in lockstep with power.
  const ambient = 28 + (gpu.telemetrySeed % 7);
  const temperatureC = Math.round(ambient + 42 * load + 2 * wave(nowMs, 300, gpu.telemetrySeed >>> 3));
  // The clocks drop to the idle clock only on an idle GPU; busy, they run near the maximum.
  const idleClocks = !busy && devices === 0;
  return {
    load,
    utilizationGpu: mig ? undefined : Math.round(load * 100),
    utilizationMemory: mig ? undefined : Math.round(load * 55),
    temperatureC,
    temperatureLimitC: 87 - temperatureC,
    powerDrawW: Math.round((board.idlePowerW + (board.powerLimitW * 0.92 - board.idlePowerW) * load) * 100) / 100,
    powerLimitW: board.powerLimitW,
    smClockMHz: idleClocks ? board.idleSmClockMHz : board.maxSmClockMHz - 15 * Math.round(4 * wave(nowMs, 31, gpu.telemetrySeed)),
    idleClocks,
    maxSmClockMHz: board.maxSmClockMHz,
    memClockMHz: board.memClockMHz,
    memoryTotalMiB,
    memoryReservedMiB,
    memoryUsedMiB,
    memoryFreeMiB: memoryTotalMiB - memoryReservedMiB - memoryUsedMiB,
  };
}
