/** What goes wrong talking to nvidia-smi, with the command line and the tool's own words. */

export type NvidiaSmiFailure =
  /** The binary is not on PATH (no driver, or the simulator's folder not on PATH). */
  | "not-found"
  | "timeout"
  /** Non-zero exit, or a message that means failure despite exit 0. */
  | "failed"
  /** The output is not in any format the parsers know. */
  | "unparseable";

export interface NvidiaSmiErrorDetails {
  readonly reason: NvidiaSmiFailure;
  readonly command: readonly string[];
  readonly exitCode?: number;
  /** What the tool printed (stdout and stderr, trimmed); for `unparseable`, what could not be read. */
  readonly toolMessage: string;
  readonly stdout?: string;
}

export class NvidiaSmiError extends Error {
  readonly reason: NvidiaSmiFailure;
  readonly command: readonly string[];
  readonly exitCode: number | undefined;
  readonly toolMessage: string;
  /** Full stdout, e.g. to read the instances a failed `-cgi` created before failing. */
  readonly stdout: string;

  constructor(details: NvidiaSmiErrorDetails) {
    const exit = details.exitCode === undefined ? "" : ` (exit ${details.exitCode})`;
    super(`${details.command.join(" ")}${exit}: ${SUMMARY[details.reason]}${details.toolMessage ? `: ${details.toolMessage}` : ""}`);
    this.name = "NvidiaSmiError";
    this.reason = details.reason;
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.toolMessage = details.toolMessage;
    this.stdout = details.stdout ?? "";
  }

  get commandLine(): string {
    return this.command.join(" ");
  }
}

const SUMMARY: Readonly<Record<NvidiaSmiFailure, string>> = {
  "not-found": "not found on PATH",
  timeout: "timed out",
  failed: "failed",
  unparseable: "output not understood",
};

/** A parser's complaint; the client turns it into an `unparseable` NvidiaSmiError with the command. */
export class OutputFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputFormatError";
  }
}
