/** Identifiers of the simulated host: UUIDs, PCI bus ids, serials and GPU-instance ids. */
import { createHash, randomBytes } from "node:crypto";

/** Bytes from a seed (reproducible) or from the system's random source. */
function bytesFor(seed: string | undefined, salt: string, length: number): Buffer {
  if (seed === undefined) return randomBytes(length);
  return createHash("sha256").update(`${seed}\0${salt}`).digest().subarray(0, length);
}

const uuidShape = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/** `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: real GPU UUIDs carry no version bits. */
export const gpuUuid = (seed: string | undefined, index: number): string => `GPU-${uuidShape(bytesFor(seed, `gpu${index}`, 16).toString("hex"))}`;

/** `MIG-…`: real ones are name-based (version 5, RFC 4122 variant); a fresh one per compute instance. */
export function migUuid(): string {
  const bytes = randomBytes(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return `MIG-${uuidShape(bytes.toString("hex"))}`;
}

/** Bus numbers of a DGX A100's eight GPUs; further GPUs continue past them. */
const BUS_NUMBERS = [0x07, 0x0f, 0x47, 0x4e, 0x87, 0x90, 0xb7, 0xbd];

export function pciBusId(index: number): string {
  const bus = BUS_NUMBERS[index] ?? 0xc0 + index;
  return `00000000:${bus.toString(16).toUpperCase().padStart(2, "0")}:00.0`;
}

/** 13 digits, like the boards' serials. */
export function serialNumber(seed: string | undefined, index: number): string {
  const n = bytesFor(seed, `serial${index}`, 6).readUIntBE(0, 6) % 1_000_000_000;
  return `132${String(index % 10)}${String(n).padStart(9, "0")}`;
}

/** A seed for a GPU's telemetry curve. */
export const telemetrySeed = (seed: string | undefined, index: number): number => bytesFor(seed, `telemetry${index}`, 4).readUInt32BE(0);

/**
 * GPU-instance id by the heap rule real drivers mostly follow: the slot tree numbered breadth first
 * (8 slots: size 8 → 0; size 4 at 0/4 → 1/2; size 2 at 0,2,4,6 → 3..6; size 1 at s → 7+s). The A30's
 * 4 slots use the same tree one level shorter. Real ids sometimes differ (see the 7 x 1g capture), which
 * is why migbench reads ids back instead of deriving them.
 */
export function gpuInstanceId(memorySlots: number, size: number, start: number): number {
  const nodesAtLevel = memorySlots / size;
  return nodesAtLevel - 1 + start / size;
}
