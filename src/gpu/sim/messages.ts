/**
 * nvidia-smi's status and error lines (reference/nvidia-smi-outputs.md) and its exit codes. Like the
 * real tool, the simulator prints them on stdout; only the simulator's own problems go to stderr.
 */

/**
 * Exit codes from the RETURN VALUE list of the nvidia-smi man page (0, 2, 3, 4, 6, 9, 255). Which code the
 * real tool returns for a failed MIG operation is not documented: the simulator maps NVML's reason to the
 * man page's code where one exists and uses 255 ("Other error") otherwise — a choice, not a capture.
 */
export const EXIT = {
  ok: 0,
  invalidArgument: 2,
  notSupported: 3,
  noPermission: 4,
  notFound: 6,
  driverNotLoaded: 9,
  other: 255,
} as const;

/** NVML's reasons as nvidia-smi prints them after a colon. */
export const REASON = {
  insufficientResources: "Insufficient Resources",
  invalidArgument: "Invalid Argument",
  inUse: "In use by another client",
  notFound: "Not Found",
  notSupported: "Not Supported",
  unknown: "Unknown Error",
} as const;
export type Reason = (typeof REASON)[keyof typeof REASON];

export const EXIT_FOR_REASON: Readonly<Record<Reason, number>> = {
  [REASON.insufficientResources]: EXIT.other,
  [REASON.invalidArgument]: EXIT.invalidArgument,
  [REASON.inUse]: EXIT.other,
  [REASON.notFound]: EXIT.notFound,
  [REASON.notSupported]: EXIT.notSupported,
  [REASON.unknown]: EXIT.other,
};

/** `%2d`, as the tool prints GPU, instance and profile ids. */
const d2 = (n: number): string => String(n).padStart(2);

export const MSG = {
  invalidCombination: "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.",
  noDevices: "No devices were found",
  noMigEnabled: "No MIG-enabled devices found.",
  noMigSupported: "No MIG-supported devices found.",
  noGpuInstances: `No GPU instances found: ${REASON.notFound}`,
  noComputeInstances: `No compute instances found: ${REASON.notFound}`,
  invalidField: (field: string) => `Field "${field}" is not a valid field to query.`,
  allDone: "All done.",

  giCreated: (gpu: number, gi: number, profileName: string, profileId: number) =>
    `Successfully created GPU instance ID ${d2(gi)} on GPU ${d2(gpu)} using profile MIG ${profileName} (ID ${d2(profileId)})`,
  ciCreated: (gpu: number, gi: number, ci: number, profileName: string, profileId: number) =>
    `Successfully created compute instance ID ${d2(ci)} on GPU ${d2(gpu)} GPU instance ID ${d2(gi)} using profile MIG ${profileName} (ID ${d2(profileId)})`,
  giCreateFailed: (gpu: number, token: string, reason: Reason) => [
    `Unable to create a GPU instance on GPU ${d2(gpu)} using profile ${token}: ${reason}`,
    `Failed to create GPU instances: ${reason}`,
  ],
  ciCreateFailed: (gpu: number, gi: number, token: string, reason: Reason) => [
    `Unable to create a compute instance on GPU ${d2(gpu)} GPU instance ID ${d2(gi)} using profile ${token}: ${reason}`,
    `Failed to create compute instances: ${reason}`,
  ],

  ciDestroyed: (gpu: number, gi: number, ci: number) => `Successfully destroyed compute instance ID ${d2(ci)} from GPU ${d2(gpu)} GPU instance ID ${d2(gi)}`,
  ciDestroyFailed: (gpu: number, gi: number, ci: number, reason: Reason) =>
    `Unable to destroy compute instance ID ${d2(ci)} from GPU ${d2(gpu)} GPU instance ID ${d2(gi)}: ${reason}`,
  ciDestroyFailedSummary: (reason: Reason) => `Failed to destroy compute instances: ${reason}`,
  giDestroyed: (gpu: number, gi: number) => `Successfully destroyed GPU instance ID ${d2(gi)} from GPU ${d2(gpu)}`,
  giDestroyFailed: (gpu: number, gi: number, reason: Reason) => `Unable to destroy GPU instance ID ${d2(gi)} from GPU ${d2(gpu)}: ${reason}`,
  giDestroyFailedSummary: (reason: Reason) => `Failed to destroy GPU instances: ${reason}`,

  migChanged: (enable: boolean, bus: string) => `${enable ? "Enabled" : "Disabled"} MIG Mode for GPU ${bus}`,
  migUnable: (enable: boolean, bus: string, reason: Reason) => `Unable to ${enable ? "enable" : "disable"} MIG Mode for GPU ${bus}: ${reason}`,
  treatingAsWarning: "Treating as warning and moving on.",
  terminatingEarly: "Terminating early due to previous errors.",
  migPending: (enable: boolean, bus: string) => [
    `Warning: MIG mode is in pending ${enable ? "enable" : "disable"} state for GPU ${bus}:${REASON.inUse}`,
    `${bus} is currently being used by one or more other processes (e.g. CUDA application or a monitoring application such as another instance of nvidia-smi). Please first kill all processes using the device and retry the command or reboot the system to make MIG mode effective.`,
  ],

  migPendingReset: (enable: boolean, bus: string) => [
    `Warning: MIG mode is in pending ${enable ? "enable" : "disable"} state for GPU ${bus}:${REASON.notSupported}`,
    `Reboot the system or try nvidia-smi --gpu-reset to make MIG mode effective on GPU ${bus}`,
  ],
  resetNotSupported: (bus: string) => `Resetting GPU ${bus} is not supported.`,
  resetDone: (bus: string) => `GPU ${bus} was successfully reset.`,
  resetBlocked: (buses: readonly string[]) => [
    "The following GPUs could not be reset:",
    ...buses.map((bus) => `  GPU ${bus}: ${REASON.inUse}`),
    "",
    `${buses.length} ${buses.length === 1 ? "device is" : "devices are"} currently being used by one or more other processes (e.g., Fabric Manager, CUDA application, graphics application such as an X server, or a monitoring application such as another instance of nvidia-smi). Please first kill all processes using these devices and all compute applications running in the system.`,
  ],
} as const;
