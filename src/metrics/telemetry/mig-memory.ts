/**
 * Memory per MIG device: `--query-gpu` reports the parent GPU only (memory.used is the sum over all
 * instances), so each device's `fb_memory_usage` is read from `nvidia-smi -q -x` at a lower rate — the
 * XML query is a heavier call, and memory moves slowly. One short process per reading.
 */
import { NvidiaSmi } from "../../gpu/nvidia-smi/client.js";
import type { ExecOptions } from "../../gpu/nvidia-smi/exec.js";
import { CsvWriter } from "./csv.js";

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

export class MigMemoryPoller {
  private readonly csv: CsvWriter;
  private readonly smi: NvidiaSmi;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly peak = new Map<string, number>();
  private readonly warnings: string[] = [];
  private failures = 0;

  constructor(
    private readonly options: { readonly gpus: readonly number[]; readonly intervalMs: number; readonly file: string; readonly smi: ExecOptions; readonly uuids: DeviceUuids },
  ) {
    this.csv = new CsvWriter(options.file, MIG_MEMORY_COLUMNS);
    this.smi = new NvidiaSmi({ bin: options.smi.bin, timeoutMs: options.smi.timeoutMs, ...(options.smi.env ? { env: options.smi.env } : {}) });
  }

  start(): void {
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.inFlight = this.read().finally(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
    });
  }

  private async read(): Promise<void> {
    for (const index of this.options.gpus) {
      try {
        const xml = await this.smi.queryXml(index);
        const at = Date.now();
        for (const gpu of xml.gpus) {
          for (const d of gpu.migDevices) {
            const key = deviceKey(d.gpuInstanceId, d.computeInstanceId);
            const uuid = this.options.uuids.get(key);
            const used = d.memory.usedMiB;
            this.csv.row([new Date(at).toISOString(), at, index, d.index, d.gpuInstanceId, d.computeInstanceId, uuid, used, d.memory.totalMiB]);
            if (used !== undefined) this.peak.set(uuid ?? key, Math.max(used, this.peak.get(uuid ?? key) ?? 0));
          }
        }
      } catch (error) {
        // One failed reading is no reason to stop the others; a few are worth a warning.
        if (++this.failures <= 3) this.warnings.push(`telemetry: nvidia-smi -q -x for GPU ${index} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async stop(): Promise<MigMemoryResult> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    await this.csv.close().catch((error: unknown) => {
      this.warnings.push(`telemetry: writing ${this.options.file} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { file: this.options.file, samples: this.csv.rows, peakUsedMiB: Object.fromEntries(this.peak), warnings: this.warnings };
  }
}
