/** Creates a fresh simulated host: N GPUs of one model, MIG off, no instances, no processes. */
import { requireModel } from "../catalog/index.js";
import { boardOf, cudaVersionFor } from "./hardware.js";
import { gpuUuid, pciBusId, serialNumber, telemetrySeed } from "./ids.js";
import { checkedState, writeSimState, type SimGpu, type SimState } from "./state.js";

export const DEFAULT_DRIVER_VERSION = "535.129.03";

export interface InitSimOptions {
  /** Catalog id or any name nvidia-smi prints for the model. */
  readonly model: string;
  readonly gpus: number;
  readonly driverVersion?: string;
  /** The state file to create (replaced when it exists). */
  readonly file: string;
  /** Makes UUIDs, serials and telemetry reproducible. */
  readonly seed?: string;
}

export function createSimState(options: Omit<InitSimOptions, "file">): SimState {
  const model = requireModel(options.model);
  if (!Number.isInteger(options.gpus) || options.gpus < 1) throw new Error(`a simulated host needs at least one GPU; got ${options.gpus}`);
  const driverVersion = options.driverVersion ?? DEFAULT_DRIVER_VERSION;
  const gpus: SimGpu[] = Array.from({ length: options.gpus }, (_, index) => ({
    index,
    model: model.id,
    name: model.smiNames[0] ?? model.id,
    uuid: gpuUuid(options.seed, index),
    pciBusId: pciBusId(index),
    serial: serialNumber(options.seed, index),
    vbios: boardOf(model).vbios,
    migMode: { current: "Disabled", pending: "Disabled" },
    gpuInstances: [],
    processes: [],
    telemetrySeed: telemetrySeed(options.seed, index),
  }));
  return checkedState("(new state)", { version: 1, driverVersion, cudaVersion: cudaVersionFor(driverVersion), gpus });
}

export function initSimState(options: InitSimOptions): SimState {
  const state = createSimState(options);
  writeSimState(options.file, state);
  return state;
}
