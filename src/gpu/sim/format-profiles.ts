/** Profile listings: `mig -lgip` (81-column variant), `mig -lgipp`, `mig -lcip`. */
import { freeCount, type DriverOptions } from "../placement/index.js";
import { left, renderBox, right, type BoxLayout } from "./box-table.js";
import { ciFreeCount } from "./ci-slots.js";
import { giProfileOf, modelOf, placedInstances } from "./gpus.js";
import { enginesOf } from "./hardware.js";
import type { SimGpu, SimGpuInstance } from "./state.js";

const d2 = (n: number): string => String(n).padStart(2);

const GI_PROFILES: BoxLayout = {
  width: 81,
  title: "GPU instance profiles:",
  header: [
    "| GPU   Name               ID    Instances   Memory     P2P    SM    DEC   ENC  |",
    "|                                Free/Total   GiB              CE    JPEG  OFA  |",
  ],
  lines: [
    [right(4), left(7), right(28), left(33), left(45), left(56), left(63), right(70), right(76)],
    [right(64), right(70), right(76)],
  ],
};

export function formatGiProfiles(gpus: readonly SimGpu[], driver: DriverOptions): string[] {
  const records = gpus.flatMap((gpu) => {
    const model = modelOf(gpu);
    const placed = placedInstances(gpu);
    return (model.mig?.profiles ?? []).map((p) => {
      const engines = enginesOf(model, p.id);
      return [
        [String(gpu.index), `MIG ${p.name}`, String(p.id), `${d2(freeCount(model, placed, p, driver))}/${p.max}`, p.memoryGiB.toFixed(2), "No", String(p.sms), String(engines.dec), String(engines.enc)],
        [String(engines.ce), String(engines.jpeg), String(engines.ofa)],
      ];
    });
  });
  return renderBox(GI_PROFILES, records);
}

/** `GPU  0 Profile ID  9 Placements: {0,4}:4`; a single placement prints `Placement :`. */
export function formatGiPlacements(gpus: readonly SimGpu[]): string[] {
  return gpus.flatMap((gpu) =>
    (modelOf(gpu).mig?.profiles ?? []).map(
      (p) => `GPU ${d2(gpu.index)} Profile ID ${d2(p.id)} ${p.starts.length === 1 ? "Placement :" : "Placements:"} {${p.starts.join(",")}}:${p.memorySlots}`,
    ),
  );
}

const CI_PROFILES: BoxLayout = {
  width: 88,
  title: "Compute instance profiles:",
  header: [
    "| GPU     GPU       Name             Profile  Instances   Exclusive       Shared       |",
    "|       Instance                       ID     Free/Total     SM       DEC   ENC   OFA  |",
    "|         ID                                                          CE    JPEG       |",
  ],
  lines: [
    [right(4), right(11), left(19), left(39), left(46), left(61), right(71), right(77), right(83)],
    [right(71), right(77)],
  ],
};

/** One record per compute-instance profile of each GPU instance; the default one is starred. */
export function formatCiProfiles(gpus: readonly { gpu: SimGpu; instances: readonly SimGpuInstance[] }[]): string[] {
  const records = gpus.flatMap(({ gpu, instances }) => {
    const model = modelOf(gpu);
    return instances.flatMap((gi) => {
      const giProfile = giProfileOf(model, gi);
      const engines = enginesOf(model, gi.profileId);
      return giProfile.ciProfiles.map((ci) => [
        [
          String(gpu.index),
          String(gi.id),
          `MIG ${ci.name}`,
          `${d2(ci.id)}${ci.isDefault ? "*" : ""}`,
          `${d2(ciFreeCount(giProfile, gi.computeInstances, ci))}/${ci.max}`,
          String(ci.sms),
          String(engines.dec),
          String(engines.enc),
          String(engines.ofa),
        ],
        [String(engines.ce), String(engines.jpeg)],
      ]);
    });
  });
  return renderBox(CI_PROFILES, records);
}
