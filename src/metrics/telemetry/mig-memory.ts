/**
 * Memory per MIG device: `--query-gpu` reports the parent GPU only (memory.used is the sum over all
 * instances), so each device's `fb_memory_usage` is read from `nvidia-smi -q -x` at a lower rate — the
 * XML query is a heavier call, and memory moves slowly. ONE long-lived `nvidia-smi -q -x -lms N -i G`
 * per GPU, its output a stream of XML documents: a process per reading paid the tool's start (NVML's, on
 * a real host) every time, 4.9 % of a core with the simulator (docs/performance.md). `-d MEMORY` would
 * trim each document, but nvidia-smi's help says `-d` does not work with `-x`.
 */
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import type { ExecOptions } from "../../gpu/nvidia-smi/exec.js";
import { parseQueryXml } from "../../gpu/nvidia-smi/parse-xml.js";
import { CsvWriter } from "./csv.js";
import { LOOP_SPAWN_OPTIONS, LOOP_STOP_SIGNAL } from "./loop-stop.js";

export const MIG_MEMORY_COLUMNS = ["time", "epoch_ms", "gpu", "device_index", "gi_id", "ci_id", "uuid", "memory_used_mib", "memory_total_mib"] as const;

/** A MIG device's UUID by its instance ids, for the CSV (the XML has no UUIDs). */
export type DeviceUuids = ReadonlyMap<string, string>;
export const deviceKey = (giId: number, ciId: number): string => `gi${giId}.ci${ciId}`;

export interface MigMemoryResult {
  readonly file: string;
  readonly samples: number;
  /** Peak used MiB by device (UUID, or gi<G>.ci<C>). */
  readonly peakUsedMiB: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
}

/** A document larger than this without its end is not nvidia-smi's: dropped, so that memory stays bounded. */
const MAX_DOCUMENT_CHARS = 8 * 1024 * 1024;

export type XmlStreamItem = { readonly document: string } | { readonly stray: string } | undefined;

/**
 * Splits `nvidia-smi -q -x -l` output, line by line, into its documents: each runs from `<?xml` (or
 * `<nvidia_smi_log>` without a prolog) to `</nvidia_smi_log>`. A document cut short by the next one's
 * start is dropped; that, and text outside documents (the tool's error lines), come back as stray.
 */
export class XmlDocumentSplitter {
  private lines: string[] = [];
  private chars = 0;

  line(text: string): XmlStreamItem {
    const trimmed = text.trim();
    let cut: XmlStreamItem;
    if (trimmed.startsWith("<?xml") && this.lines.length > 0) {
      cut = { stray: "a document cut short by the next one" };
      this.reset();
    }
    if (this.lines.length === 0 && !trimmed.startsWith("<?xml") && !trimmed.startsWith("<nvidia_smi_log")) return trimmed === "" ? undefined : { stray: trimmed };
    this.lines.push(text);
    this.chars += text.length + 1;
    if (trimmed === "</nvidia_smi_log>") {
      const document = this.lines.join("\n");
      this.reset();
      return { document };
    }
    if (this.chars > MAX_DOCUMENT_CHARS) {
      this.reset();
      return { stray: `a document over ${MAX_DOCUMENT_CHARS} characters without </nvidia_smi_log>` };
    }
    return cut;
  }

  private reset(): void {
    this.lines = [];
    this.chars = 0;
  }
}

export interface MigMemoryOptions {
  readonly gpus: readonly number[];
  readonly intervalMs: number;
  readonly file: string;
  readonly smi: ExecOptions;
  readonly uuids: DeviceUuids;
  /** A reading of one GPU's devices was recorded (benchmarks, tests). */
  readonly onReading?: (gpu: number) => void;
}

export class MigMemoryPoller {
  private readonly csv: CsvWriter;
  private readonly running = new Set<Promise<void>>();
  private readonly children = new Set<ResultPromise>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly peak = new Map<string, number>();
  private readonly warnings: string[] = [];
  private failures = 0;

  constructor(private readonly options: MigMemoryOptions) {
    this.csv = new CsvWriter(options.file, MIG_MEMORY_COLUMNS);
  }

  start(): void {
    for (const index of this.options.gpus) this.spawn(index);
  }

  private warn(message: string): void {
    // One bad reading or a tool that stopped is no reason to give up; a few are worth a warning.
    if (++this.failures <= 3) this.warnings.push(`telemetry: ${message}`);
  }

  private spawn(index: number): void {
    const { smi, intervalMs } = this.options;
    const child = execa(smi.bin, ["-q", "-x", "-lms", String(intervalMs), "-i", String(index)], {
      ...LOOP_SPAWN_OPTIONS,
      ...(smi.env ? { env: smi.env, extendEnv: true } : {}),
    });
    this.children.add(child);
    // A tool that hangs neither reads nor exits: with no document for as long as one call may take (or
    // two intervals), it is killed and started again, as one that stopped would be.
    const stallMs = Math.max(smi.timeoutMs, 2 * intervalMs);
    let stalled = false;
    const watchdog = setTimeout(() => {
      stalled = true;
      this.warn(`nvidia-smi -q -x for GPU ${index} gave no reading for ${stallMs} ms; started again`);
      child.kill("SIGKILL");
    }, stallMs);
    const splitter = new XmlDocumentSplitter();
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
    lines.on("line", (text) => {
      const item = splitter.line(text);
      if (item && "document" in item) {
        watchdog.refresh();
        this.reading(index, item.document);
      }
      else if (item) this.warn(`nvidia-smi -q -x for GPU ${index}: ${item.stray.slice(0, 300)}`);
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    const done = child.then((result) => {
      clearTimeout(watchdog);
      lines.close();
      this.children.delete(child);
      this.running.delete(done);
      if (this.stopped) return;
      const why = result.exitCode !== undefined ? `exit ${result.exitCode}` : (result.signal ?? "unknown");
      if (!stalled) this.warn(`nvidia-smi -q -x for GPU ${index} stopped early (${why})${stderr.trim() ? `: ${stderr.trim().slice(0, 300)}` : ""}`);
      // Started again at the reading's pace, as one process per reading would have been.
      const timer = setTimeout(() => {
        this.restarts.delete(timer);
        if (!this.stopped) this.spawn(index);
      }, intervalMs);
      this.restarts.add(timer);
    });
    this.running.add(done);
  }

  private reading(index: number, document: string): void {
    let xml;
    try {
      xml = parseQueryXml(document);
    } catch (error) {
      this.warn(`nvidia-smi -q -x for GPU ${index}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const at = Date.now();
    const time = new Date(at).toISOString();
    for (const gpu of xml.gpus) {
      for (const d of gpu.migDevices) {
        const key = deviceKey(d.gpuInstanceId, d.computeInstanceId);
        const uuid = this.options.uuids.get(key);
        const used = d.memory.usedMiB;
        this.csv.row([time, at, index, d.index, d.gpuInstanceId, d.computeInstanceId, uuid, used, d.memory.totalMiB]);
        if (used !== undefined) this.peak.set(uuid ?? key, Math.max(used, this.peak.get(uuid ?? key) ?? 0));
      }
    }
    this.options.onReading?.(index);
  }

  async stop(): Promise<MigMemoryResult> {
    this.stopped = true;
    for (const timer of this.restarts) clearTimeout(timer);
    for (const child of this.children) child.kill(LOOP_STOP_SIGNAL);
    await Promise.all(this.running);
    await this.csv.close().catch((error: unknown) => {
      this.warnings.push(`telemetry: writing ${this.options.file} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { file: this.options.file, samples: this.csv.rows, peakUsedMiB: Object.fromEntries(this.peak), warnings: this.warnings };
  }
}
