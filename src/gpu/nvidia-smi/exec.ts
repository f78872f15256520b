/** Runs nvidia-smi through execa with an argument array (never a shell) and a timeout. */
import { execa } from "execa";
import { NvidiaSmiError } from "./errors.js";

export interface ExecOptions {
  readonly bin: string;
  readonly timeoutMs: number;
  /** Added to this process's environment (e.g. PATH and MIGBENCH_SIM_STATE for the simulator). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ExecResult {
  readonly command: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** What the tool said, for error messages: its output with blank lines dropped. */
export const toolMessage = (stdout: string, stderr: string): string =>
  [stdout, stderr]
    .join("\n")
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .join("\n");

/** Any exit code comes back; a missing binary, a timeout or a kill becomes an NvidiaSmiError. */
export async function execNvidiaSmi(args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const command = [options.bin, ...args];
  const result = await execa(options.bin, args, {
    reject: false,
    timeout: options.timeoutMs,
    stdin: "ignore",
    ...(options.env ? { env: options.env, extendEnv: true } : {}),
  });
  const stdout = String(result.stdout ?? "");
  const stderr = String(result.stderr ?? "");
  if (result.code === "ENOENT") throw new NvidiaSmiError({ reason: "not-found", command, toolMessage: result.originalMessage ?? "" });
  if (result.timedOut) throw new NvidiaSmiError({ reason: "timeout", command, toolMessage: `no answer within ${options.timeoutMs} ms`, stdout });
  if (result.exitCode === undefined) {
    throw new NvidiaSmiError({ reason: "failed", command, toolMessage: result.signal ? `killed by ${result.signal}` : (result.originalMessage ?? result.shortMessage ?? ""), stdout });
  }
  return { command, stdout, stderr, exitCode: result.exitCode };
}
