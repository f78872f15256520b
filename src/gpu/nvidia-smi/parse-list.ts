/** `nvidia-smi -L`, new style (`MIG-<uuid>`, R470+) and old style (`MIG-GPU-<uuid>/<gi>/<ci>`). */
import { z } from "zod";
import { OutputFormatError } from "./errors.js";
import { ListedGpu, type ListedMigDevice } from "./schemas.js";
import { validated } from "./validate.js";

const GPU_LINE = /^GPU\s+(\d+):\s+(.*?)\s+\(UUID:\s*(GPU-[^)\s]+)\)\s*$/;
const MIG_LINE = /^\s+MIG\s+(\S+)\s+Device\s+(\d+):\s+\(UUID:\s*(MIG-[^)\s]+)\)\s*$/;
const OLD_MIG_UUID = /^MIG-GPU-[^/]+\/(\d+)\/(\d+)$/;

export function parseListGpus(text: string): ListedGpu[] {
  const gpus: { index: number; name: string; uuid: string; migDevices: ListedMigDevice[] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const gpu = GPU_LINE.exec(line);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2] as string, uuid: gpu[3] as string, migDevices: [] });
      continue;
    }
    const mig = MIG_LINE.exec(line);
    if (!mig) continue; // blank lines, elisions, warnings
    const owner = gpus.at(-1);
    if (!owner) throw new OutputFormatError(`MIG device listed before any GPU: "${line.trim()}"`);
    const uuid = mig[3] as string;
    const old = OLD_MIG_UUID.exec(uuid);
    owner.migDevices.push({
      name: mig[1] as string,
      deviceIndex: Number(mig[2]),
      uuid,
      ...(old ? { gpuInstanceId: Number(old[1]), computeInstanceId: Number(old[2]) } : {}),
    });
  }
  return validated(z.array(ListedGpu), gpus, "nvidia-smi -L");
}
