/**
 * The per-instance log file: its line format, the splitter that turns a byte stream into lines, the writer
 * and the reader. Runtimes write it; metric parsers and reports read it back, possibly on another machine,
 * so the format is a contract:
 *
 *     2026-11-25T14:00:00.123Z stdout| <text>
 *     2026-11-25T14:00:00.125Z stderr| <text>
 *
 * one line per output line, in arrival order, stdout and stderr interleaved. The reader also accepts a plain
 * log without the prefix (a user's own `train.log`), so that parsers run on both.
 */
import { open } from "node:fs/promises";
import type { WriteStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

export type StreamName = "stdout" | "stderr";

/** One line read back from a log. */
export interface LogLine {
  /** When the runtime received the line (epoch ms); null for a plain log without the prefix. */
  readonly at: number | null;
  /** Which stream printed it; null for a plain log. */
  readonly stream: StreamName | null;
  readonly text: string;
  /**
   * 1-based line of the file, as an editor counts them (by `\n`). Segments of one physical line split at
   * `\r` (progress bars in a plain log) share its number, so a problem reported at "line N" is findable.
   */
  readonly lineNumber: number;
}

/** A piece of output ended by `\n`, `\r`, `\r\n` or the end of the stream. */
export interface Segment {
  readonly text: string;
  /** Epoch ms when the segment's first character arrived (a progress update's own time, not the next one's). */
  readonly at: number;
  /** True when a `\n` (or the end of input) ended it; false for `\r` and for forced splits of huge lines. */
  readonly lineEnd: boolean;
}

/**
 * A line that never ends (a binary dump, a progress bar without `\r`) would grow without bound; past this
 * many characters it is cut into pieces. 1 Mi characters is far beyond any real metric line.
 */
export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;

/**
 * Splits decoded text into lines. Handles lines spread over several chunks, `\r\n` split across chunks,
 * `\r` used by progress bars to redraw a line (each redraw becomes its own segment), and a last line
 * without a newline (`flush`). Empty `\r`-ended segments are dropped: they are cursor moves, not output.
 */
export class LineSplitter {
  private pending = "";
  private pendingAt = 0;
  /** The previous chunk ended in `\r`: whether that ends a `\r\n` or a redraw depends on the next char. */
  private pendingCr = false;

  constructor(private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH) {}

  push(chunk: string, at: number): Segment[] {
    const out: Segment[] = [];
    let index = 0;
    if (this.pendingCr && chunk.length > 0) {
      this.pendingCr = false;
      const crlf = chunk[0] === "\n";
      this.emit(out, crlf, at);
      if (crlf) index = 1;
    }
    // indexOf per break character, each re-searched only once passed: most chunks have no \r at all.
    let nl = chunk.indexOf("\n", index);
    let cr = chunk.indexOf("\r", index);
    while (nl >= 0 || cr >= 0) {
      const isCr = cr >= 0 && (nl < 0 || cr < nl);
      const end = isCr ? cr : nl;
      let lineEnd = !isCr;
      let next = end + 1;
      if (isCr && end + 1 === chunk.length) {
        // Whether this \r starts a \r\n is known only with the next chunk.
        this.append(chunk.slice(index, end), at, out);
        this.pendingCr = true;
        return out;
      }
      if (isCr && chunk[end + 1] === "\n") {
        lineEnd = true;
        next = end + 2;
      }
      if (this.pending.length === 0 && end - index <= this.maxLineLength) {
        // Fast path: the whole line is in this chunk.
        if (end > index) out.push({ text: chunk.slice(index, end), at, lineEnd });
        else if (lineEnd) out.push({ text: "", at, lineEnd });
      } else {
        this.append(chunk.slice(index, end), at, out);
        this.emit(out, lineEnd, at);
      }
      index = next;
      if (nl >= 0 && nl < index) nl = chunk.indexOf("\n", index);
      if (cr >= 0 && cr < index) cr = chunk.indexOf("\r", index);
    }
    this.append(chunk.slice(index), at, out);
    return out;
  }

  /** Ends the input: a pending partial line becomes the last segment. */
  flush(): Segment[] {
    const out: Segment[] = [];
    // A pending empty `\r` segment is a cursor move like any other: nothing to emit.
    if (this.pending.length > 0) this.emit(out, true, this.pendingAt);
    this.pendingCr = false;
    return out;
  }

  private append(text: string, at: number, out: Segment[]): void {
    if (text.length === 0) return;
    if (this.pending.length === 0) this.pendingAt = at;
    this.pending += text;
    while (this.pending.length > this.maxLineLength) {
      out.push({ text: this.pending.slice(0, this.maxLineLength), at: this.pendingAt, lineEnd: false });
      this.pending = this.pending.slice(this.maxLineLength);
      this.pendingAt = at;
    }
  }

  /** Ends the pending segment; `at` stamps an empty line, which has no first character of its own. */
  private emit(out: Segment[], lineEnd: boolean, at: number): void {
    if (this.pending.length > 0) out.push({ text: this.pending, at: this.pendingAt, lineEnd });
    else if (lineEnd) out.push({ text: "", at, lineEnd });
    this.pending = "";
  }
}

/** One log line, newline included. */
export function formatLogLine(at: Date | number, stream: StreamName, text: string): string {
  return `${new Date(at).toISOString()} ${stream}| ${text}\n`;
}

/** `2026-11-25T14:00:00.123Z stdout|`: the fixed-width prefix, 32 characters. */
const PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (?:stdout|stderr)\|/;
const PREFIX_LENGTH = 32;

/**
 * Splits a log line into its parts; a line without the prefix is plain text with no time or stream.
 * The text after `| ` may be missing entirely, so that an empty line whose trailing space an editor
 * stripped still reads back.
 */
export function parseLogLine(line: string): { at: number | null; stream: StreamName | null; text: string } {
  const { at, stream, text } = logLineOf(line, 0);
  return { at, stream, text };
}

// Consecutive lines mostly share their second: Date.parse runs once per second of log, not per line
// (a gigabyte log has millions of lines; docs/performance.md, log parsing).
let cachedSecond = "";
let cachedSecondMs = 0;

/** Epoch ms of a prefix already matched by PREFIX; NaN for an impossible date (month 13). */
function prefixTime(line: string): number {
  if (cachedSecond !== "" && line.startsWith(cachedSecond)) {
    return cachedSecondMs + (line.charCodeAt(20) - 48) * 100 + (line.charCodeAt(21) - 48) * 10 + (line.charCodeAt(22) - 48);
  }
  const at = Date.parse(line.slice(0, 24));
  if (!Number.isNaN(at)) {
    cachedSecond = line.slice(0, 19);
    cachedSecondMs = at - Number(line.slice(20, 23));
  }
  return at;
}

/** parseLogLine with the line number, built as one object (the file reader makes one per line). */
function logLineOf(line: string, lineNumber: number): LogLine {
  if (line.length < PREFIX_LENGTH || !PREFIX.test(line)) return { at: null, stream: null, text: line, lineNumber };
  const at = prefixTime(line);
  if (Number.isNaN(at)) return { at: null, stream: null, text: line, lineNumber };
  // "stdout" or "stderr", told apart by their fourth letter, without slicing a new string per line.
  const stream: StreamName = line.charCodeAt(28) === 111 ? "stdout" : "stderr";
  return { at, stream, text: line.slice(line.charCodeAt(PREFIX_LENGTH) === 32 ? PREFIX_LENGTH + 1 : PREFIX_LENGTH), lineNumber };
}

/**
 * Reads a log line by line, streaming (memory stays flat however long the log is). Accepts the runtime's
 * prefixed format and plain logs, line by line, so a log that was appended to by hand still reads.
 */
export async function* readLogLines(file: string): AsyncGenerator<LogLine, void, undefined> {
  for await (const batch of readLogBatches(file)) yield* batch;
}

/**
 * Bytes per read: few reads, since each is a round trip to the thread pool that the reader may wait for.
 * The next read runs while the previous block is parsed.
 */
const READ_BLOCK = 1024 * 1024;
/** Bytes decoded into one string: strings of 128 KiB and more were much slower to split and parse. */
const DECODE_CHUNK = 64 * 1024;

/**
 * The same lines in batches, one per decoded chunk: for bulk consumers (parsing a whole file), which would
 * otherwise spend most of their time awaiting one promise per line. A read stream of 64 KiB chunks waited
 * on every read (it starts the next only once a chunk is taken); here 1 MiB blocks are read ahead into
 * two buffers used in turn, and decoded 64 KiB at a time (docs/performance.md, log parsing).
 */
export async function* readLogBatches(file: string): AsyncGenerator<LogLine[], void, undefined> {
  const splitter = new LineSplitter();
  let lineNumber = 1;
  const lines = (segments: Segment[]): LogLine[] =>
    segments.map((segment) => {
      const line = logLineOf(segment.text, lineNumber);
      if (segment.lineEnd) lineNumber++;
      return line;
    });
  // Decodes UTF-8 across chunk boundaries, as a read stream with `encoding` does.
  const decoder = new StringDecoder("utf8");
  const handle = await open(file, "r");
  // The buffer being read into and the one just read, swapped after each read.
  let filling = Buffer.allocUnsafe(READ_BLOCK);
  let filled = Buffer.allocUnsafe(READ_BLOCK);
  let reading: Promise<{ bytesRead: number }> | undefined;
  try {
    reading = handle.read(filling, 0, READ_BLOCK, null);
    for (;;) {
      const { bytesRead } = await reading;
      reading = undefined;
      if (bytesRead === 0) break;
      [filled, filling] = [filling, filled];
      reading = handle.read(filling, 0, READ_BLOCK, null);
      for (let at = 0; at < bytesRead; at += DECODE_CHUNK) {
        const batch = lines(splitter.push(decoder.write(filled.subarray(at, Math.min(at + DECODE_CHUNK, bytesRead))), 0));
        if (batch.length > 0) yield batch;
      }
    }
    const last = lines([...splitter.push(decoder.end(), 0), ...splitter.flush()]);
    if (last.length > 0) yield last;
  } finally {
    // A consumer that stops early (or a failed read) must not leave a read writing into a closed file.
    await reading?.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Writes one instance's log. `write` returns false when the file falls behind, so the caller can pause the
 * process's pipes (backpressure instead of unbounded buffering of a chatty workload).
 */
export class LogWriter {
  /** The first write error (disk full, ...): kept for `close` to report, never thrown at the workload. */
  private error: Error | null = null;
  private drainWaiters: (() => void)[] = [];

  private constructor(
    readonly file: string,
    private readonly stream: WriteStream,
    /** Values masked as `***` in every line written (tokens the workload might echo); longest first. */
    private readonly secrets: readonly string[] = [],
  ) {
    stream.on("error", (error) => {
      this.error ??= error;
      this.release(); // a failed file must not keep the workload's pipes paused
    });
    stream.on("drain", () => this.release());
  }

  /**
   * Creates (truncates) the file now, so that a path problem shows before any process starts. `secrets`:
   * values never to be written (LaunchSpec.secrets).
   */
  static async create(file: string, secrets: readonly string[] = []): Promise<LogWriter> {
    const handle = await open(file, "w");
    const masked = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
    return new LogWriter(file, handle.createWriteStream({ encoding: "utf8" }), masked);
  }

  write(at: Date | number, stream: StreamName, text: string): boolean {
    if (this.error || this.stream.writableEnded) return true;
    let line = text;
    for (const secret of this.secrets) if (line.includes(secret)) line = line.split(secret).join("***");
    return this.stream.write(formatLogLine(at, stream, line));
  }

  /** Calls `listener` once the file may be written again after `write` returned false. */
  onDrain(listener: () => void): void {
    if (this.error || this.stream.destroyed) listener();
    else this.drainWaiters.push(listener);
  }

  private release(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Flushes and closes the file; rejects with the first write error, if any. Safe to call more than once. */
  async close(): Promise<void> {
    if (!this.stream.destroyed) {
      await new Promise<void>((resolve) => {
        this.stream.once("close", () => resolve());
        if (!this.stream.writableEnded) this.stream.end();
      });
    }
    if (this.error) throw this.error;
  }
}
