/**
 * `nvidia-smi -q -x`: driver and CUDA versions, and per GPU the identity, MIG mode, MIG devices (index →
 * GPU/compute instance ids), memory, utilization, temperature, power, clocks and processes. GPU-level
 * elements are looked up outside `<mig_device>` so that a device's memory is never taken for the GPU's.
 */
import { QueryXml, type XmlGpu } from "./schemas.js";
import { validated } from "./validate.js";
import { present, toInt, toNumber } from "./values.js";
import { find, findAll, readXml, textAt, type XmlNode } from "./xml.js";

/** Subtrees whose elements belong to a MIG device or a process, not to the GPU. */
const DEVICE = ["mig_device", "processes"];

/** The first GPU-level element found under any of `names` (drivers renamed some). */
const gpuElement = (gpu: XmlNode, ...names: string[]): XmlNode | undefined =>
  names.map((n) => find(gpu, n, DEVICE)).find((n) => n !== undefined);

/** The first of `names` below `parent` that holds a number (drivers renamed some readings). */
const reading = (parent: XmlNode | undefined, ...names: string[]): number | undefined =>
  names.map((n) => toNumber(textAt(parent, n))).find((v) => v !== undefined);

const memoryOf = (node: XmlNode | undefined) => ({
  totalMiB: toNumber(textAt(node, "total")),
  reservedMiB: toNumber(textAt(node, "reserved")),
  usedMiB: toNumber(textAt(node, "used")),
  freeMiB: toNumber(textAt(node, "free")),
});

function migDevicesOf(gpu: XmlNode): XmlGpu["migDevices"] {
  return findAll(gpu, "mig_device").flatMap((d) => {
    const index = toInt(textAt(d, "index"));
    const gi = toInt(textAt(d, "gpu_instance_id"));
    const ci = toInt(textAt(d, "compute_instance_id"));
    if (index === undefined || gi === undefined || ci === undefined) return [];
    return [
      {
        index,
        gpuInstanceId: gi,
        computeInstanceId: ci,
        multiprocessorCount: toNumber(textAt(d, "device_attributes", "shared", "multiprocessor_count")),
        memory: memoryOf(find(d, "fb_memory_usage")),
      },
    ];
  });
}

function processesOf(gpu: XmlNode): XmlGpu["processes"] {
  return findAll(gpu, "process_info").flatMap((p) => {
    const pid = toInt(textAt(p, "pid"));
    if (pid === undefined) return [];
    return [
      {
        pid,
        name: present(textAt(p, "process_name")),
        usedMemoryMiB: toNumber(textAt(p, "used_memory")),
        gpuInstanceId: toInt(textAt(p, "gpu_instance_id")),
        computeInstanceId: toInt(textAt(p, "compute_instance_id")),
      },
    ];
  });
}

function gpuOf(gpu: XmlNode): XmlGpu {
  const direct = (name: string): string | undefined => present(find(gpu, name, DEVICE)?.text.trim());
  const mig = gpuElement(gpu, "mig_mode");
  const power = gpuElement(gpu, "gpu_power_readings", "power_readings");
  const clocks = gpuElement(gpu, "clocks");
  const utilization = gpuElement(gpu, "utilization");
  const temperature = gpuElement(gpu, "temperature");
  return {
    pciBusId: gpu.attrs.id ?? present(textAt(gpuElement(gpu, "pci"), "pci_bus_id")),
    productName: direct("product_name"),
    uuid: direct("uuid"),
    serial: direct("serial"),
    vbiosVersion: direct("vbios_version"),
    migMode: { current: present(textAt(mig, "current_mig")), pending: present(textAt(mig, "pending_mig")) },
    migDevices: migDevicesOf(gpu),
    memory: memoryOf(gpuElement(gpu, "fb_memory_usage")),
    utilization: { gpuPercent: reading(utilization, "gpu_util"), memoryPercent: reading(utilization, "memory_util") },
    temperatureC: reading(temperature, "gpu_temp"),
    power: {
      drawW: reading(power, "power_draw", "average_power_draw", "instant_power_draw"),
      limitW: reading(power, "current_power_limit", "power_limit", "enforced_power_limit"),
    },
    clocks: { graphicsMHz: reading(clocks, "graphics_clock"), smMHz: reading(clocks, "sm_clock"), memMHz: reading(clocks, "mem_clock") },
    processes: processesOf(gpu),
  };
}

export function parseQueryXml(text: string): QueryXml {
  const log = find(readXml(text), "nvidia_smi_log");
  const result = {
    driverVersion: present(textAt(log, "driver_version")),
    cudaVersion: present(textAt(log, "cuda_version")),
    attachedGpus: toInt(textAt(log, "attached_gpus")),
    gpus: log ? findAll(log, "gpu").map(gpuOf) : [],
  };
  return validated(QueryXml, result, log ? "nvidia-smi -q -x" : "nvidia-smi -q -x (no <nvidia_smi_log>)");
}
