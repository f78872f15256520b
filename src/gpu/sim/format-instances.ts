/** Instance listings in the newer format with Placement: `mig -lgi`, `mig -lci`. Rows sorted by id. */
import { left, renderBox, right, type BoxLayout } from "./box-table.js";
import { ciProfileOf, giProfileOf, modelOf } from "./gpus.js";
import type { SimGpu, SimGpuInstance } from "./state.js";

const GPU_INSTANCES: BoxLayout = {
  width: 59,
  title: "GPU instances:",
  header: [
    "| GPU   Name               Profile  Instance   Placement  |",
    "|                            ID       ID       Start:Size |",
  ],
  lines: [[right(4), left(7), right(30), right(39), left(50)]],
};

const COMPUTE_INSTANCES: BoxLayout = {
  width: 70,
  title: "Compute instances:",
  header: [
    "| GPU     GPU       Name             Profile   Instance   Placement  |",
    "|       Instance                       ID        ID       Start:Size |",
    "|         ID                                                         |",
  ],
  lines: [[right(4), right(11), left(19), right(40), right(50), left(61)]],
};

const byId = <T extends { id: number }>(items: readonly T[]): T[] => [...items].sort((a, b) => a.id - b.id);

export interface GpuWithInstances {
  readonly gpu: SimGpu;
  readonly instances: readonly SimGpuInstance[];
}

export function formatGpuInstances(selection: readonly GpuWithInstances[]): string[] {
  const records = selection.flatMap(({ gpu, instances }) => {
    const model = modelOf(gpu);
    return byId(instances).map((gi) => {
      const p = giProfileOf(model, gi);
      return [[String(gpu.index), `MIG ${p.name}`, String(gi.profileId), String(gi.id), `${gi.start}:${p.memorySlots}`]];
    });
  });
  return renderBox(GPU_INSTANCES, records);
}

/** Compute instances of the given GPU instances (optionally only some CI ids). */
export function formatComputeInstances(selection: readonly GpuWithInstances[], ciIds?: readonly number[]): string[] {
  const records = selection.flatMap(({ gpu, instances }) => {
    const model = modelOf(gpu);
    return byId(instances).flatMap((gi) => {
      const giProfile = giProfileOf(model, gi);
      return byId(gi.computeInstances)
        .filter((ci) => !ciIds || ciIds.includes(ci.id))
        .map((ci) => {
          const p = ciProfileOf(giProfile, ci);
          return [[String(gpu.index), String(gi.id), `MIG ${p.name}`, String(ci.profileId), String(ci.id), `${ci.start}:${p.computeSlices}`]];
        });
    });
  });
  return records.length === 0 ? [] : renderBox(COMPUTE_INSTANCES, records);
}
