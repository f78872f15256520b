/**
 * The log reader's fast path (docs/performance.md, log parsing): the prefix time is worked out once per
 * second of log and reused, and each line is one object. It must read exactly what the plain reading
 * (regex, Date.parse per line) reads. The file is read ahead in 1 MiB blocks and decoded 64 KiB at a time
 * instead of through a read stream: it must give what the stream gave, wherever reads and decoded chunks
 * end, and still let the event loop run.
 */
import { createReadStream, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter, parseLogLine, readLogLines, type LogLine } from "../../src/runtime/log-writer.js";
import { tempDir } from "../cli/helpers.js";

/** The reading before the fix, as the reference. */
function plainParse(line: string): { at: number | null; stream: string | null; text: string } {
  if (line.length < 32 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (?:stdout|stderr)\|/.test(line)) return { at: null, stream: null, text: line };
  const at = Date.parse(line.slice(0, 24));
  if (Number.isNaN(at)) return { at: null, stream: null, text: line };
  return { at, stream: line.slice(25, 31), text: line.slice(line[32] === " " ? 33 : 32) };
}

const digits = (n: number, width: number): string => String(n).padStart(width, "0");

/** Prefixes close together in time (many share a second), with now and then an impossible date. */
const prefixedLine = fc
  .record({
    second: fc.integer({ min: 0, max: 3 }),
    ms: fc.integer({ min: 0, max: 999 }),
    month: fc.oneof(fc.constant(11), fc.constant(13)),
    stream: fc.constantFrom("stdout", "stderr"),
    gap: fc.constantFrom(" ", ""),
    text: fc.string({ maxLength: 20 }).filter((t) => !/[\r\n]/.test(t)),
  })
  .map(({ second, ms, month, stream, gap, text }) => `2026-${digits(month, 2)}-25T14:00:0${second}.${digits(ms, 3)}Z ${stream}|${gap}${text}`);

describe("log reader fast path", () => {
  it("parseLogLine agrees with the plain reading on every sequence of lines", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prefixedLine, fc.string({ maxLength: 40 })), { maxLength: 40 }), (lines) => {
        for (const line of lines) expect(parseLogLine(line)).toEqual(plainParse(line));
      }),
    );
  });

  it("an impossible date after a valid one of the same second is not read as a time", () => {
    expect(parseLogLine("2026-11-25T14:00:00.100Z stdout| a").at).toBe(Date.parse("2026-11-25T14:00:00.100Z"));
    expect(parseLogLine("2026-13-25T14:00:00.200Z stdout| b")).toEqual({ at: null, stream: null, text: "2026-13-25T14:00:00.200Z stdout| b" });
    expect(parseLogLine("2026-11-25T14:00:00.300Z stderr| c")).toEqual({ at: Date.parse("2026-11-25T14:00:00.300Z"), stream: "stderr", text: "c" });
  });

  it("a file reads back with the same times, streams, texts and line numbers", async () => {
    const lines = fc.sample(fc.oneof(prefixedLine, fc.string({ maxLength: 40 }).filter((t) => !/[\r\n]/.test(t))), 500);
    const file = path.join(tempDir("perf-log"), "instance.log");
    writeFileSync(file, lines.join("\n") + "\n");
    const read = [];
    for await (const line of readLogLines(file)) read.push(line);
    expect(read).toEqual(lines.map((line, i) => ({ ...plainParse(line), lineNumber: i + 1 })));
  });
});

/** The reading before the read-ahead: a UTF-8 read stream through the splitter, numbered by `\n`. */
async function streamReading(file: string): Promise<LogLine[]> {
  const splitter = new LineSplitter();
  const out: LogLine[] = [];
  let lineNumber = 1;
  const take = (segments: { text: string; lineEnd: boolean }[]): void => {
    for (const segment of segments) {
      out.push({ ...plainParse(segment.text), lineNumber } as LogLine);
      if (segment.lineEnd) lineNumber++;
    }
  };
  for await (const chunk of createReadStream(file, { encoding: "utf8" })) take(splitter.push(chunk as string, 0));
  take(splitter.flush());
  return out;
}

/** Lines with multi-byte characters, `\r` redraws and `\r\n` ends, so that chunk ends fall inside them. */
const messyLine = fc.oneof(
  prefixedLine,
  fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\r", " "), maxLength: 400, size: "max" }),
  fc.constantFrom("", "\r", "x\r"),
);

describe("log file reading ahead in blocks", () => {
  it("reads what a read stream reads, across 64 KiB chunks and 1 MiB blocks, with or without a final line end", async () => {
    const dir = tempDir("perf-read-ahead");
    await fc.assert(
      fc.asyncProperty(
        fc.array(messyLine, { minLength: 200, maxLength: 3000 }),
        fc.constantFrom("\n", "\r\n"),
        fc.constantFrom("", "\n", "\xe2\x82"),
        async (lines, end, tail) => {
          const file = path.join(dir, "messy.log");
          // Repeated past 1 MiB so that a read ends inside it; the tail may be half of a 3-byte character,
          // and both readings must end it with the same replacement character.
          const body = Buffer.from(lines.join(end));
          const bytes = Buffer.concat([...Array<Buffer>(Math.ceil((1.3 * 2 ** 20) / body.length)).fill(body), Buffer.from(tail, "latin1")]);
          writeFileSync(file, bytes);
          const read = [];
          for await (const line of readLogLines(file)) read.push(line);
          expect(read).toEqual(await streamReading(file));
        },
      ),
      { numRuns: 8 },
    );
  });

  it("closes the file when the reader stops early or the file is missing", async () => {
    const file = path.join(tempDir("perf-read-ahead"), "long.log");
    writeFileSync(file, "line\n".repeat(500_000));
    const open = (): number => readdirSync("/proc/self/fd").length;
    const before = open();
    for await (const line of readLogLines(file)) {
      expect(line.text).toBe("line");
      break;
    }
    await expect(readLogLines(path.join(file, "missing")).next()).rejects.toThrow(/ENOTDIR|ENOENT/);
    expect(open()).toBe(before);
  });

  it("gives the event loop turns while it reads a long file", async () => {
    const file = path.join(tempDir("perf-read-ahead"), "16mib.log");
    writeFileSync(file, `${"x".repeat(1023)}\n`.repeat(16 * 1024));
    let turns = 0;
    let pending = setImmediate(function count() {
      turns++;
      pending = setImmediate(count);
    });
    let lines = 0;
    for await (const _line of readLogLines(file)) lines++;
    clearImmediate(pending);
    expect(lines).toBe(16 * 1024);
    // 16 MiB in 1 MiB reads, each awaited.
    expect(turns).toBeGreaterThanOrEqual(8);
  });
});
