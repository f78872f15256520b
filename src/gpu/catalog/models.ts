/**
 * The offline MIG catalog (reference/mig-profiles.md) as data. The driver is the source of truth on a
 * live machine; this table serves planning, validation and the simulator.
 */

/** Where a family of GPUs may place each GPU-instance profile: memory-slot starts, size and max count. */
export interface PlacementRule {
  readonly starts: readonly number[];
  readonly memorySlots: number;
  readonly computeSlices: number;
  readonly max: number;
  /** `+me` profiles: at most one per GPU, whatever the profile. */
  readonly media: boolean;
}

/** Per-model facts of one profile: its printed name, SMs and memory as `-lgip` prints it. */
export type ProfileFacts = readonly [name: string, sms: number, memoryGiB: number];

export interface SlotFamily {
  readonly memorySlots: number;
  readonly computeSlices: number;
  readonly rules: Readonly<Record<number, PlacementRule>>;
}

const rule = (starts: number[], memorySlots: number, computeSlices: number, max: number, media = false): PlacementRule => ({
  starts,
  memorySlots,
  computeSlices,
  max,
  media,
});

/** A100, H100, H200, B200: 8 memory slots, 7 compute slices. */
export const EIGHT_SLOT: SlotFamily = {
  memorySlots: 8,
  computeSlices: 7,
  rules: {
    19: rule([0, 1, 2, 3, 4, 5, 6], 1, 1, 7),
    20: rule([0, 1, 2, 3, 4, 5, 6], 1, 1, 1, true),
    15: rule([0, 2, 4, 6], 2, 1, 4),
    14: rule([0, 2, 4], 2, 2, 3),
    9: rule([0, 4], 4, 3, 2),
    5: rule([0], 4, 4, 1),
    0: rule([0], 8, 7, 1),
  },
};

/** A30: 4 memory slots, 4 compute slices. */
export const FOUR_SLOT: SlotFamily = {
  memorySlots: 4,
  computeSlices: 4,
  rules: {
    14: rule([0, 1, 2, 3], 1, 1, 4),
    21: rule([0, 1, 2, 3], 1, 1, 1, true),
    5: rule([0, 2], 2, 2, 2),
    6: rule([0, 2], 2, 2, 1, true),
    0: rule([0], 4, 4, 1),
  },
};

export interface ModelRow {
  /** Canonical id used in scenarios (`gpu.model`). */
  readonly id: string;
  /** Names `nvidia-smi -L` and `--query-gpu=name` print for it, newest first. */
  readonly smiNames: readonly string[];
  readonly architecture: "turing" | "ampere" | "hopper" | "blackwell";
  readonly memoryMiB: number;
  /** SMs of the whole GPU with MIG off. */
  readonly sms: number;
  readonly mig: { readonly family: SlotFamily; readonly profiles: Readonly<Record<number, ProfileFacts>> } | null;
  /** Figures in this row that come from public spec sheets rather than a captured `-lgip`. */
  readonly estimated?: string;
}

const a100_80: Record<number, ProfileFacts> = {
  19: ["1g.10gb", 14, 9.5],
  20: ["1g.10gb+me", 14, 9.5],
  15: ["1g.20gb", 14, 19.5],
  14: ["2g.20gb", 28, 19.5],
  9: ["3g.40gb", 42, 39.25],
  5: ["4g.40gb", 56, 39.25],
  0: ["7g.80gb", 98, 79.0],
};

const hopper = (gb: [number, number, number, number], gib: [number, number, number, number]): Record<number, ProfileFacts> => ({
  19: [`1g.${gb[0]}gb`, 16, gib[0]],
  20: [`1g.${gb[0]}gb+me`, 16, gib[0]],
  15: [`1g.${gb[1]}gb`, 26, gib[1]],
  14: [`2g.${gb[1]}gb`, 32, gib[1]],
  9: [`3g.${gb[2]}gb`, 60, gib[2]],
  5: [`4g.${gb[2]}gb`, 64, gib[2]],
  0: [`7g.${gb[3]}gb`, 132, gib[3]],
});

export const MODELS: readonly ModelRow[] = [
  {
    id: "A100-SXM4-40GB",
    smiNames: ["NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB"],
    architecture: "ampere",
    memoryMiB: 40960,
    sms: 108,
    mig: {
      family: EIGHT_SLOT,
      profiles: {
        19: ["1g.5gb", 14, 4.75],
        20: ["1g.5gb+me", 14, 4.75],
        15: ["1g.10gb", 14, 9.75],
        14: ["2g.10gb", 28, 9.75],
        9: ["3g.20gb", 42, 19.62],
        5: ["4g.20gb", 56, 19.62],
        0: ["7g.40gb", 98, 39.38],
      },
    },
  },
  {
    id: "A100-SXM4-80GB",
    smiNames: ["NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB"],
    architecture: "ampere",
    memoryMiB: 81920,
    sms: 108,
    mig: { family: EIGHT_SLOT, profiles: a100_80 },
  },
  {
    id: "A100-PCIE-80GB",
    smiNames: ["NVIDIA A100 80GB PCIe", "A100 80GB PCIe"],
    architecture: "ampere",
    memoryMiB: 81920,
    sms: 108,
    mig: { family: EIGHT_SLOT, profiles: a100_80 },
  },
  {
    id: "A30",
    smiNames: ["NVIDIA A30", "A30"],
    architecture: "ampere",
    memoryMiB: 24576,
    sms: 56,
    mig: {
      family: FOUR_SLOT,
      profiles: {
        14: ["1g.6gb", 14, 5.81],
        21: ["1g.6gb+me", 14, 5.81],
        5: ["2g.12gb", 28, 11.69],
        6: ["2g.12gb+me", 28, 11.69],
        0: ["4g.24gb", 56, 23.44],
      },
    },
  },
  {
    id: "H100-SXM5-80GB",
    smiNames: ["NVIDIA H100 80GB HBM3"],
    architecture: "hopper",
    memoryMiB: 81559,
    sms: 132,
    mig: { family: EIGHT_SLOT, profiles: hopper([10, 20, 40, 80], [9.75, 19.62, 39.5, 79.25]) },
  },
  {
    id: "H100-PCIE-80GB",
    smiNames: ["NVIDIA H100 PCIe"],
    architecture: "hopper",
    memoryMiB: 81559,
    sms: 114,
    mig: {
      family: EIGHT_SLOT,
      profiles: {
        19: ["1g.10gb", 14, 9.75],
        20: ["1g.10gb+me", 14, 9.75],
        15: ["1g.20gb", 14, 19.62],
        14: ["2g.20gb", 30, 19.62],
        9: ["3g.40gb", 46, 39.5],
        5: ["4g.40gb", 62, 39.5],
        0: ["7g.80gb", 114, 79.25],
      },
    },
    estimated: "memory GiB per profile (taken from the SXM5 board)",
  },
  {
    id: "H100-NVL-94GB",
    smiNames: ["NVIDIA H100 NVL"],
    architecture: "hopper",
    memoryMiB: 95830,
    sms: 132,
    mig: { family: EIGHT_SLOT, profiles: hopper([12, 24, 47, 94], [10.75, 21.62, 46.38, 93.12]) },
  },
  {
    // Names, ids, counts, memory, SMs and placements as a real H200 lists them (driver 580.159.04): test/gpu/h200-real.test.ts.
    id: "H200-141GB",
    smiNames: ["NVIDIA H200"],
    architecture: "hopper",
    memoryMiB: 143771,
    sms: 132,
    mig: { family: EIGHT_SLOT, profiles: hopper([18, 35, 71, 141], [16.0, 32.5, 69.75, 140.0]) },
  },
  {
    id: "B200-180GB",
    smiNames: ["NVIDIA B200"],
    architecture: "blackwell",
    memoryMiB: 183359,
    sms: 148,
    mig: {
      family: EIGHT_SLOT,
      profiles: {
        19: ["1g.23gb", 18, 22.5],
        20: ["1g.23gb+me", 18, 22.5],
        15: ["1g.45gb", 30, 44.5],
        14: ["2g.45gb", 36, 44.5],
        9: ["3g.90gb", 72, 89.5],
        5: ["4g.90gb", 72, 89.5],
        0: ["7g.180gb", 144, 178.5],
      },
    },
    estimated: "memory GiB of every profile and SMs of 3g, 4g and 7g (no -lgip capture)",
  },
  {
    id: "T4",
    smiNames: ["Tesla T4"],
    architecture: "turing",
    memoryMiB: 15360,
    sms: 40,
    mig: null,
  },
];
