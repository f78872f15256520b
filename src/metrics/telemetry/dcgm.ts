/**
 * DCGM profiling fields (GR_ENGINE_ACTIVE and friends, ids 1001-1005), the per-instance activity that
 * nvidia-smi cannot give under MIG. Only when `dcgmi` is on PATH: most hosts have no DCGM, and that is fine.
 * One long-lived `dcgmi dmon -e 1001,1002,1003,1004,1005 -d MS` process, read line by line:
 *
 *     #Entity   GRACT   SMACT   SMOCC   TENSO   DRAMA
 *     ID
 *     GPU 0     0.000   0.000   0.000   0.000   0.000
 *     GPU-I 1   0.512   0.498   0.233   0.000   0.101
 *
 * `N/A` readings are empty cells. The header may repeat; columns are taken from the latest one.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import { CsvWriter } from "./csv.js";
import { DCGM_FIELDS } from "./fields.js";
import { LOOP_SPAWN_OPTIONS, LOOP_STOP_SIGNAL } from "./loop-stop.js";

export const DCGM_COLUMNS = ["time", "epoch_ms", "entity", "entity_id", ...DCGM_FIELDS.map((f) => f.column)] as const;

/** The `dcgmi` found on PATH, or undefined. Looked up by hand: no shell, no `which`. */
export async function findDcgmi(envPath: string | undefined = process.env.PATH): Promise<string | undefined> {
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, "dcgmi");
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** Parses dmon lines; keeps the latest header. */
export class DmonParser {
  private columns: string[] = [];

  /** A data row as CSV cells after time and epoch_ms, or undefined for headers, blank and other lines. */
  line(text: string): { entity: string; id: string; values: (number | undefined)[] } | "error" | undefined {
    const line = text.trim();
    if (line === "") return undefined;
    if (/^#\s*Entity/i.test(line)) {
      this.columns = line.replace(/^#\s*Entity/i, "").trim().split(/\s+/);
      return undefined;
    }
    if (/^ID$/i.test(line)) return undefined;
    const m = /^(GPU-CI|GPU-I|GPU|CPU|NvSwitch|Link)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) return /error|fail/i.test(line) ? "error" : undefined;
    const tokens = (m[3] as string).split(/\s+/);
    const byHeader = new Map(this.columns.map((header, k) => [header, tokens[k]]));
    const values = DCGM_FIELDS.map((f) => {
      const raw = byHeader.get(f.header);
      const n = raw === undefined || raw === "N/A" ? Number.NaN : Number(raw);
      return Number.isFinite(n) ? n : undefined;
    });
    return { entity: m[1] as string, id: m[2] as string, values };
  }
}

export class DcgmSampler {
  private child: ResultPromise | undefined;
  private readonly csv: CsvWriter;
  private readonly parser = new DmonParser();
  private readonly warnings: string[] = [];
  private stopping = false;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly options: { readonly bin: string; readonly gpus: readonly number[]; readonly intervalMs: number; readonly file: string }) {
    this.csv = new CsvWriter(options.file, DCGM_COLUMNS);
  }

  start(): void {
    const args = ["dmon", "-e", DCGM_FIELDS.map((f) => f.id).join(","), "-d", String(this.options.intervalMs), "-i", this.options.gpus.join(",")];
    const child = execa(this.options.bin, args, LOOP_SPAWN_OPTIONS);
    this.child = child;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
    lines.on("line", (text) => {
      const row = this.parser.line(text);
      if (row === "error") {
        if (this.warnings.length < 3) this.warnings.push(`telemetry: dcgmi: ${text.trim().slice(0, 300)}`);
      } else if (row) {
        const at = Date.now();
        this.csv.row([new Date(at).toISOString(), at, row.entity, row.id, ...row.values]);
      }
    });
    this.done = child.then((result) => {
      lines.close();
      if (!this.stopping) this.warnings.push(`telemetry: dcgmi dmon stopped early (exit ${result.exitCode ?? result.signal ?? "?"})`);
    });
  }

  async stop(): Promise<{ file: string; samples: number; warnings: readonly string[] }> {
    this.stopping = true;
    this.child?.kill(LOOP_STOP_SIGNAL);
    await this.done;
    await this.csv.close().catch(() => undefined);
    return { file: this.options.file, samples: this.csv.rows, warnings: this.warnings };
  }
}
