/**
 * One GPU's sampler: ONE long-lived `nvidia-smi --query-gpu=... --format=csv,noheader,nounits -lms N -i G`
 * process (not a process per sample: spawning nvidia-smi costs tens of ms of driver work each time and
 * would perturb what it measures), read line by line into telemetry/gpu<G>.csv as the lines arrive.
 * Readings the driver cannot give (`[N/A]` under MIG, `[Not Supported]`) are empty cells, never 0.
 */
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import { toolMessage, type ExecOptions } from "../../gpu/nvidia-smi/exec.js";
import { INVALID_FIELD, resolveFields, toolKey } from "../../gpu/nvidia-smi/query-fields.js";
import { present, toNumber } from "../../gpu/nvidia-smi/values.js";
import { CsvWriter, type Cell } from "./csv.js";
import { GPU_CSV_PREFIX, GPU_TELEMETRY_FIELDS, type TelemetryField } from "./fields.js";
import { LOOP_SPAWN_OPTIONS, LOOP_STOP_SIGNAL } from "./loop-stop.js";

export interface GpuSamplerOptions {
  readonly index: number;
  readonly intervalMs: number;
  readonly file: string;
  readonly smi: ExecOptions;
  /** A line arrived (tests, live views). */
  readonly onSample?: (row: Readonly<Record<string, Cell>>) => void;
}

export interface GpuSamplerResult {
  readonly index: number;
  readonly file: string;
  readonly samples: number;
  readonly unsupportedFields: readonly string[];
  readonly warnings: readonly string[];
}

/** `2026/08/17 10:00:00.000` (the tool prints local time) → epoch ms; undefined when unreadable. */
export function parseSmiTimestamp(text: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number((m[7] ?? "0").padEnd(3, "0"))).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** The CSV's columns, in order: worked out once, not per row. */
const GPU_CSV_COLUMNS = [...GPU_CSV_PREFIX, ...GPU_TELEMETRY_FIELDS.map((f) => f.column)];

export class GpuSampler {
  private child: ResultPromise | undefined;
  private csv: CsvWriter | undefined;
  private fields: TelemetryField[] = [];
  private unsupported: readonly string[] = [];
  /** The field the current try of the loop refused, and its last line before a sample (for the error if it cannot run). */
  private refused: string | undefined;
  private outputBeforeSample = "";
  private readonly warnings: string[] = [];
  private stopping = false;
  private done: Promise<void> = Promise.resolve();
  private firstLine: (() => void) | undefined;

  constructor(private readonly options: GpuSamplerOptions) {}

  /**
   * Starts the looping process and waits for its first sample (at most `firstSampleTimeoutMs`), so that
   * sampling covers the first step from its start. The loop finds the fields this driver knows itself: a
   * driver refuses a whole query over one unknown field at once (naming it, exit 2), and the loop starts
   * again without it, or with its older name; so a driver that knows them all is asked once, with no probe.
   */
  async start(firstSampleTimeoutMs = 10_000): Promise<void> {
    this.csv = new CsvWriter(this.options.file, GPU_CSV_COLUMNS);
    const choices = GPU_TELEMETRY_FIELDS.map((f) => f.names);
    const query = await resolveFields([["timestamp"], ...choices], (asked) => this.startLoop(asked, firstSampleTimeoutMs), toolKey(this.options.smi));
    this.unsupported = query.unsupported;
  }

  /**
   * One try of the loop with these fields: resolves with the field the tool refused, or undefined once it
   * gave a sample (or gave nothing for `firstSampleTimeoutMs`: it is kept); throws when it could not run.
   */
  private async startLoop(asked: readonly string[], firstSampleTimeoutMs: number): Promise<string | undefined> {
    const { index, smi } = this.options;
    this.fields = GPU_TELEMETRY_FIELDS.filter((f) => f.names.some((name) => asked.includes(name)));
    this.refused = undefined;
    this.outputBeforeSample = "";
    const child = execa(smi.bin, [`--query-gpu=${asked.join(",")}`, "--format=csv,noheader,nounits", "-lms", String(this.options.intervalMs), "-i", String(index)], {
      ...LOOP_SPAWN_OPTIONS,
      ...(smi.env ? { env: smi.env, extendEnv: true } : {}),
    });
    this.child = child;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
    lines.on("line", (line) => this.line(line));
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    const first = new Promise<void>((resolve) => {
      this.firstLine = resolve;
      setTimeout(resolve, firstSampleTimeoutMs).unref();
    });
    const ended = child.then((result) => {
      lines.close();
      return result;
    });
    // Set once this try is the sampler's: from then on, an end not asked for is worth a warning.
    let kept = false;
    this.done = ended.then((result) => {
      if (kept && !this.stopping) {
        const why = result.exitCode !== undefined ? `exit ${result.exitCode}` : (result.signal ?? "unknown");
        this.warnings.push(`telemetry: nvidia-smi for GPU ${index} stopped early (${why})${stderr.trim() ? `: ${stderr.trim().slice(0, 300)}` : ""}`);
      }
    });
    const outcome = await Promise.race([first.then(() => "sampling" as const), ended]);
    if (outcome !== "sampling") {
      // Ended before a sample: a refused field, or a tool that cannot run at all.
      this.refused ??= INVALID_FIELD.exec(stderr)?.[1];
      if (this.refused !== undefined) return this.refused;
      if (outcome.exitCode !== 0) {
        const why = outcome.exitCode !== undefined ? `exit ${outcome.exitCode}` : outcome.message;
        throw new Error(`${outcome.command} failed (${why}): ${toolMessage(this.outputBeforeSample, stderr)}`);
      }
      this.warnings.push(`telemetry: nvidia-smi for GPU ${index} stopped early (exit 0) before its first sample`);
      return undefined;
    }
    kept = true;
    return undefined;
  }

  private line(line: string): void {
    if (line.trim() === "") return;
    // Before the first sample, a line may be the tool refusing a field, or its reason for not running.
    if ((this.csv?.rows ?? 0) === 0) {
      const refused = INVALID_FIELD.exec(line)?.[1];
      if (refused !== undefined) {
        this.refused = refused;
        return;
      }
      this.outputBeforeSample = line;
    }
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== this.fields.length + 1) {
      if (this.warnings.length < 5) this.warnings.push(`telemetry: GPU ${this.options.index}: unexpected line from nvidia-smi: ${line.slice(0, 200)}`);
      return;
    }
    const at = parseSmiTimestamp(cells[0] as string) ?? Date.now();
    const row: Record<string, Cell> = { time: new Date(at).toISOString(), epoch_ms: at, gpu: this.options.index };
    this.fields.forEach((field, k) => {
      const raw = cells[k + 1];
      row[field.column] = field.kind === "number" ? toNumber(raw) : present(raw);
    });
    this.csv?.row(GPU_CSV_COLUMNS.map((c) => row[c]));
    this.firstLine?.();
    this.options.onSample?.(row);
  }

  /** Stops the process and closes the CSV; safe to call more than once. */
  async stop(): Promise<GpuSamplerResult> {
    this.stopping = true;
    this.child?.kill(LOOP_STOP_SIGNAL);
    await this.done;
    await this.csv?.close().catch((error: unknown) => {
      this.warnings.push(`telemetry: writing ${this.options.file} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { index: this.options.index, file: this.options.file, samples: this.csv?.rows ?? 0, unsupportedFields: this.unsupported, warnings: this.warnings };
  }
}
