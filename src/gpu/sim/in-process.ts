/**
 * The simulator as an `NvidiaSmiExec`: the driver's exact code path (argument arrays in, stdout and exit
 * code out, the same parsers), without starting a process per call. Tests of the partition lifecycle
 * use it where the point is logic; the real executable (bin/sim/nvidia-smi) covers the process path.
 * An injected hang becomes the timeout the driver would meet.
 */
import { NvidiaSmiError, type ExecOptions, type ExecResult, type NvidiaSmiExec } from "../nvidia-smi/index.js";
import { runSim, SIM_ENV } from "./run.js";

export function inProcessSim(stateFile: string, extraEnv: Readonly<Record<string, string>> = {}): NvidiaSmiExec {
  return async (args: readonly string[], options: ExecOptions): Promise<ExecResult> => {
    const command = [options.bin, ...args];
    const result = runSim(args, { [SIM_ENV.state]: stateFile, ...extraEnv });
    if (result.hangMs !== undefined) {
      throw new NvidiaSmiError({ reason: "timeout", command, toolMessage: `no answer within ${options.timeoutMs} ms` });
    }
    return { command, stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  };
}
