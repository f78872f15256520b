/**
 * The driver for NVIDIA's `nvidia-smi`: execa with argument arrays, typed errors, and parsers tolerant of
 * the known output variants (reference/nvidia-smi-outputs.md), each validated with zod.
 */
export { NvidiaSmi, DEFAULT_TIMEOUT_MS, type NvidiaSmiOptions, type NvidiaSmiExec, type GpuInstance, type GpuStatus, type MigModeChange } from "./client.js";
export { SMI_ARGS, commandLine } from "./commands.js";
export { execNvidiaSmi, toolMessage, type ExecOptions, type ExecResult } from "./exec.js";
export { NvidiaSmiError, OutputFormatError, type NvidiaSmiFailure } from "./errors.js";
export { together } from "./together.js";
export { parseListGpus } from "./parse-list.js";
export { parseQueryCsv } from "./parse-csv.js";
export { parseGiProfiles, parseGiPlacements, parseCiProfiles } from "./parse-profiles.js";
export { parseGpuInstances, parseComputeInstances } from "./parse-instances.js";
export { parseCreateOutput, parseDestroyOutput } from "./parse-create.js";
export { parseQueryXml } from "./parse-xml.js";
export * from "./schemas.js";
