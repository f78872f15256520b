/**
 * How a sampling loop (`nvidia-smi --query-gpu -lms`, `nvidia-smi -q -x -lms`, `dcgmi dmon`) is ended.
 * nvidia-smi acts on SIGTERM only at its next tick: on an H200 (driver 580) a run waited 312-333 ms for its
 * 500 ms loop to go, and the MIG memory poller's 5 s loop would hold a run up to 5 s before the GPU could be
 * restored. The loops only read, and nothing they print after the stop is wanted, so they are killed
 * outright; the driver lets go of a killed process's handles as it exits.
 */
export const LOOP_STOP_SIGNAL = "SIGKILL";

/**
 * How every sampling loop is started: its output read as it comes (not buffered, no rejection: its end is
 * the sampler's to judge), killed with this process should the harness die without stopping it, and with
 * no SIGKILL after a grace period (execa's default, 5 s after a SIGTERM), since it is killed outright.
 */
export const LOOP_SPAWN_OPTIONS = { reject: false, stdin: "ignore", buffer: false, cleanup: true, forceKillAfterDelay: false } as const;
