/**
 * The log reader's fast path (docs/performance.md, log parsing): the prefix time is worked out once per
 * second of log and reused, and each line is one object. It must read exactly what the plain reading
 * (regex, Date.parse per line) reads.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLogLine, readLogLines } from "../../src/runtime/log-writer.js";
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
