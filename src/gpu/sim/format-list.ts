/** `nvidia-smi -L`: each GPU, then its MIG devices in placement order. */
import { migDevicesOf, type MigDeviceView } from "./gpus.js";
import { DRIVER_BEHAVIOUR, driverMajor } from "./hardware.js";
import type { SimGpu, SimState } from "./state.js";

/** R470+: `  MIG 1g.10gb     Device  0: (UUID: MIG-…)`, name padded to 15 and index to width 2. */
const newStyle = (_gpu: SimGpu, d: MigDeviceView): string =>
  `  ${`MIG ${d.ciProfile.name}`.padEnd(15)} Device ${String(d.deviceIndex).padStart(2)}: (UUID: ${d.ci.uuid})`;

/** R450/R460: `  MIG 1g.5gb Device 0: (UUID: MIG-GPU-<gpu uuid>/<gi>/<ci>)`. */
const oldStyle = (gpu: SimGpu, d: MigDeviceView): string =>
  `  MIG ${d.ciProfile.name} Device ${d.deviceIndex}: (UUID: MIG-${gpu.uuid}/${d.gi.id}/${d.ci.id})`;

export function formatListGpus(state: SimState, gpus: readonly SimGpu[]): string[] {
  const deviceLine = driverMajor(state.driverVersion) >= DRIVER_BEHAVIOUR.newMigUuidsFrom ? newStyle : oldStyle;
  return gpus.flatMap((gpu) => [`GPU ${gpu.index}: ${gpu.name} (UUID: ${gpu.uuid})`, ...migDevicesOf(gpu).map((d) => deviceLine(gpu, d))]);
}
