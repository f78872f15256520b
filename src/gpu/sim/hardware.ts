/**
 * Board facts the simulator prints that the MIG catalog does not hold: power, clocks, VBIOS, compute
 * capability, and the media/copy engines of each GPU-instance profile. Plausible figures from public
 * spec sheets and `-lgip` captures (the H200's from a real board); they make outputs realistic, nothing
 * in migbench depends on them.
 */
import type { GpuModel } from "../catalog/index.js";

export interface BoardFacts {
  readonly powerLimitW: number;
  readonly idlePowerW: number;
  readonly maxSmClockMHz: number;
  readonly idleSmClockMHz: number;
  readonly memClockMHz: number;
  readonly computeCap: string;
  readonly vbios: string;
}

const BOARDS: Readonly<Record<string, BoardFacts>> = {
  "A100-SXM4-40GB": { powerLimitW: 400, idlePowerW: 55, maxSmClockMHz: 1410, idleSmClockMHz: 210, memClockMHz: 1215, computeCap: "8.0", vbios: "92.00.45.00.03" },
  "A100-SXM4-80GB": { powerLimitW: 400, idlePowerW: 62, maxSmClockMHz: 1410, idleSmClockMHz: 210, memClockMHz: 1593, computeCap: "8.0", vbios: "92.00.36.00.02" },
  "A100-PCIE-80GB": { powerLimitW: 300, idlePowerW: 45, maxSmClockMHz: 1410, idleSmClockMHz: 210, memClockMHz: 1512, computeCap: "8.0", vbios: "92.00.90.00.04" },
  A30: { powerLimitW: 165, idlePowerW: 32, maxSmClockMHz: 1440, idleSmClockMHz: 210, memClockMHz: 1215, computeCap: "8.0", vbios: "92.00.66.00.01" },
  "H100-SXM5-80GB": { powerLimitW: 700, idlePowerW: 72, maxSmClockMHz: 1980, idleSmClockMHz: 345, memClockMHz: 2619, computeCap: "9.0", vbios: "96.00.74.00.0D" },
  "H100-PCIE-80GB": { powerLimitW: 350, idlePowerW: 48, maxSmClockMHz: 1755, idleSmClockMHz: 345, memClockMHz: 1593, computeCap: "9.0", vbios: "96.00.30.00.01" },
  "H100-NVL-94GB": { powerLimitW: 400, idlePowerW: 60, maxSmClockMHz: 1785, idleSmClockMHz: 345, memClockMHz: 2619, computeCap: "9.0", vbios: "96.00.A5.00.01" },
  // From a real H200 (driver 580.159.04, test/fixtures/nvidia-smi/h200-580-q-x.xml): idle at 80 W and 345 MHz.
  "H200-141GB": { powerLimitW: 700, idlePowerW: 80, maxSmClockMHz: 1980, idleSmClockMHz: 345, memClockMHz: 3201, computeCap: "9.0", vbios: "96.00.A5.00.1A" },
  "B200-180GB": { powerLimitW: 1000, idlePowerW: 140, maxSmClockMHz: 1965, idleSmClockMHz: 120, memClockMHz: 3996, computeCap: "10.0", vbios: "97.00.5A.00.02" },
  T4: { powerLimitW: 70, idlePowerW: 9, maxSmClockMHz: 1590, idleSmClockMHz: 300, memClockMHz: 5000, computeCap: "7.5", vbios: "90.04.38.00.03" },
};

const GENERIC_BOARD: BoardFacts = BOARDS["A100-SXM4-40GB"] as BoardFacts;

export const boardOf = (model: GpuModel): BoardFacts => BOARDS[model.id] ?? GENERIC_BOARD;

/** Engines of one GPU instance (`-lgip` DEC/ENC/JPEG/OFA/CE columns; shared by its compute instances). */
export interface Engines {
  readonly dec: number;
  readonly enc: number;
  readonly jpeg: number;
  readonly ofa: number;
  readonly ce: number;
}

const e = (dec: number, enc: number, jpeg: number, ofa: number, ce: number): Engines => ({ dec, enc, jpeg, ofa, ce });

/** By profile id; Hopper from the H100 `-lgip` capture, Ampere from the MIG User Guide's listings. */
const ENGINES = {
  hopper: { 19: e(1, 0, 1, 0, 1), 20: e(1, 0, 1, 1, 1), 15: e(1, 0, 1, 0, 1), 14: e(2, 0, 2, 0, 2), 9: e(3, 0, 3, 0, 3), 5: e(4, 0, 4, 0, 4), 0: e(7, 0, 7, 1, 8) },
  ampere8: { 19: e(0, 0, 0, 0, 1), 20: e(1, 0, 1, 1, 1), 15: e(1, 0, 0, 0, 1), 14: e(1, 0, 0, 0, 2), 9: e(2, 0, 0, 0, 3), 5: e(2, 0, 0, 0, 4), 0: e(5, 0, 1, 1, 7) },
  ampere4: { 14: e(0, 0, 0, 0, 1), 21: e(1, 0, 1, 1, 1), 5: e(2, 0, 0, 0, 2), 6: e(2, 0, 1, 1, 2), 0: e(4, 0, 1, 1, 4) },
} as const satisfies Record<string, Readonly<Record<number, Engines>>>;

const NO_ENGINES = e(0, 0, 0, 0, 1);

export function enginesOf(model: GpuModel, profileId: number): Engines {
  const family = model.architecture === "ampere" ? (model.mig?.memorySlots === 4 ? ENGINES.ampere4 : ENGINES.ampere8) : ENGINES.hopper;
  return (family as Readonly<Record<number, Engines>>)[profileId] ?? NO_ENGINES;
}

/** The CUDA version each driver branch reports (`nvidia-smi` banner, `-q -x` cuda_version). */
const CUDA_BY_DRIVER: readonly (readonly [fromDriver: number, cuda: string])[] = [
  [580, "13.0"],
  [575, "12.9"],
  [570, "12.8"],
  [565, "12.7"],
  [560, "12.6"],
  [555, "12.5"],
  [550, "12.4"],
  [545, "12.3"],
  [535, "12.2"],
  [530, "12.1"],
  [525, "12.0"],
  [520, "11.8"],
  [515, "11.7"],
  [510, "11.6"],
  [495, "11.5"],
  [470, "11.4"],
  [465, "11.3"],
  [460, "11.2"],
  [455, "11.1"],
  [0, "11.0"],
];

export const driverMajor = (driverVersion: string): number => Number.parseInt(driverVersion, 10);

/** Driver versions from which the real tool's behaviour changes. */
export const DRIVER_BEHAVIOUR = {
  /** `-L` prints `MIG-<uuid>` instead of `MIG-GPU-<uuid>/<gi>/<ci>`. */
  newMigUuidsFrom: 470,
  /** `-lgip`/`-lgipp` list profiles even while MIG is disabled. */
  profilesWithMigOffFrom: 580,
  /** `--query-gpu` knows `clocks_event_reasons.*`, and prints that name for the older `clocks_throttle_reasons.*`. */
  clockEventReasonsFrom: 535,
  /**
   * `-q -x` names `nvsmi_device_v13.dtd` and gives `average_power_draw`/`instant_power_draw` instead of
   * `power_draw`: so on 580 (the H200 capture), not on 575 (the reference's DTD); where between 535 and
   * 580 the power readings were renamed is not known here, so older drivers keep `power_draw`.
   */
  xmlV13From: 580,
} as const;

export function cudaVersionFor(driverVersion: string): string {
  const major = driverMajor(driverVersion);
  return (CUDA_BY_DRIVER.find(([from]) => major >= from) ?? [0, "11.0"])[1];
}
