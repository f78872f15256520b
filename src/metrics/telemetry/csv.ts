/** The CSV files of telemetry: written in batches as samples arrive, read back row by row for summaries. */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

export type Cell = string | number | undefined;

/** RFC 4180 quoting, only where needed. An absent reading is an empty cell, never 0. */
const cell = (value: Cell): string => {
  if (value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * Rows reach the file in batches at most this far apart: at 10 Hz a write per row (each one a round trip
 * to the file system thread and back) was a third of the harness's sampling cost (docs/performance.md).
 */
export const CSV_FLUSH_MS = 1_000;

export class CsvWriter {
  private readonly stream: WriteStream;
  private error: Error | null = null;
  private pending = "";
  private timer: NodeJS.Timeout | undefined;
  rows = 0;

  constructor(
    readonly file: string,
    readonly columns: readonly string[],
  ) {
    this.stream = createWriteStream(file, { encoding: "utf8" });
    this.stream.on("error", (error) => {
      this.error ??= error;
    });
    this.stream.write(`${columns.join(",")}\n`);
  }

  /** Values in column order; a sample every few hundred ms needs no backpressure. */
  row(values: readonly Cell[]): void {
    if (this.error) return;
    this.rows++;
    this.pending += `${values.map(cell).join(",")}\n`;
    // unref: a writer nobody closes must not keep the process alive.
    this.timer ??= setTimeout(() => this.flush(), CSV_FLUSH_MS).unref();
  }

  /** Hands the pending rows to the file now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending !== "" && !this.stream.writableEnded) this.stream.write(this.pending);
    this.pending = "";
  }

  /** Flushes and closes; rejects with the first write error. Safe to call twice. */
  async close(): Promise<void> {
    this.flush();
    if (!this.stream.closed) {
      await new Promise<void>((resolve) => {
        this.stream.once("close", () => resolve());
        if (!this.stream.writableEnded) this.stream.end();
      });
    }
    if (this.error) throw this.error;
  }
}

/** Splits one CSV line (no embedded newlines: telemetry cells never hold one). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      out.push(value);
      i++; // the comma
    } else {
      const end = line.indexOf(",", i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return out;
}

/** Rows of a CSV file as objects by header, streamed. */
export async function* readCsvRows(file: string): AsyncGenerator<Record<string, string>, void, undefined> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let header: string[] | undefined;
  for await (const line of lines) {
    if (line === "") continue;
    const cells = splitCsvLine(line);
    if (!header) {
      header = cells;
      continue;
    }
    yield Object.fromEntries(header.map((name, k) => [name, cells[k] ?? ""]));
  }
}
