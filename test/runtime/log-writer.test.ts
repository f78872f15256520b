import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatLogLine, LineSplitter, LogWriter, parseLogLine, readLogLines, type LogLine, type Segment } from "../../src/runtime/log-writer.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "migbench-log-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Feeds chunks (with their arrival times) and returns [text, at, lineEnd] of every segment. */
function split(chunks: [string, number][], maxLineLength?: number): [string, number, boolean][] {
  const splitter = new LineSplitter(maxLineLength);
  const out: Segment[] = [];
  for (const [chunk, at] of chunks) out.push(...splitter.push(chunk, at));
  out.push(...splitter.flush());
  return out.map((s) => [s.text, s.at, s.lineEnd]);
}

async function collect(file: string): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of readLogLines(file)) lines.push(line);
  return lines;
}

describe("LineSplitter", () => {
  it("joins a line written in pieces and stamps it with the time of its first piece", () => {
    expect(split([["ab", 1], ["cd\nef", 2], ["\n", 3]])).toEqual([
      ["abcd", 1, true],
      ["ef", 2, true],
    ]);
  });

  it("treats \\r as a line end, each progress redraw with its own time", () => {
    expect(split([["\r 10%", 1], ["\r 50%", 2], ["\r100%\n", 3]])).toEqual([
      [" 10%", 1, false],
      [" 50%", 2, false],
      ["100%", 3, true],
    ]);
  });

  it("reads \\r\\n as one line end, also when split between chunks", () => {
    expect(split([["a\r\nb\r", 1], ["\nc\r", 2], ["d", 3]])).toEqual([
      ["a", 1, true],
      ["b", 1, true],
      ["c", 2, false],
      ["d", 3, true],
    ]);
  });

  it("keeps empty lines ended by \\n, drops empty \\r redraws, flushes a last line without newline", () => {
    expect(split([["\n\r\rx\n\nlast", 1]])).toEqual([
      ["", 1, true],
      ["x", 1, true],
      ["", 1, true],
      ["last", 1, true],
    ]);
    expect(split([["ends with cr\r", 1]])).toEqual([["ends with cr", 1, true]]);
    expect(split([])).toEqual([]);
  });

  it("cuts a line that never ends", () => {
    expect(split([["abcdefg", 1], ["h\n", 2]], 3)).toEqual([
      ["abc", 1, false],
      ["def", 1, false],
      ["gh", 1, true],
    ]);
  });
});

describe("log line format", () => {
  it("round-trips time, stream and text", () => {
    const at = Date.parse("2026-11-25T14:00:00.123Z");
    const line = formatLogLine(at, "stderr", "  spaced | text ");
    expect(line).toBe("2026-11-25T14:00:00.123Z stderr|   spaced | text \n");
    expect(parseLogLine(line.slice(0, -1))).toEqual({ at, stream: "stderr", text: "  spaced | text " });
  });

  it("reads an empty line whose trailing space was stripped, and plain text as plain", () => {
    expect(parseLogLine("2026-11-25T14:00:00.123Z stdout|")).toMatchObject({ stream: "stdout", text: "" });
    expect(parseLogLine("2026-11-25 14:00:00 stdout| x")).toEqual({ at: null, stream: null, text: "2026-11-25 14:00:00 stdout| x" });
  });
});

describe("readLogLines", () => {
  it("reads back what LogWriter wrote", async () => {
    const file = join(dir, "written.txt");
    const writer = await LogWriter.create(file);
    writer.write(Date.parse("2026-11-25T14:00:00.000Z"), "stdout", "one");
    writer.write(new Date("2026-11-25T14:00:00.001Z"), "stderr", "two €");
    await writer.close();
    await writer.close();
    expect(await collect(file)).toEqual([
      { at: Date.parse("2026-11-25T14:00:00.000Z"), stream: "stdout", text: "one", lineNumber: 1 },
      { at: Date.parse("2026-11-25T14:00:00.001Z"), stream: "stderr", text: "two €", lineNumber: 2 },
    ]);
  });

  it("reads a plain log: raw text, \\r segments sharing their physical line's number, no final newline", async () => {
    const file = join(dir, "plain.txt");
    await writeFile(file, "a\r\nb\rc\n\nd");
    expect((await collect(file)).map((l) => [l.text, l.lineNumber, l.at, l.stream])).toEqual([
      ["a", 1, null, null],
      ["b", 2, null, null],
      ["c", 2, null, null],
      ["", 3, null, null],
      ["d", 4, null, null],
    ]);
  });

  it("decodes UTF-8 split across read chunks", async () => {
    const file = join(dir, "utf8.txt");
    // 64 KiB reads: put a 3-byte character across the first boundary.
    const text = "x".repeat(65_535) + "€\n";
    await writeFile(file, text);
    const [line] = await collect(file);
    expect(line?.text.endsWith("x€")).toBe(true);
  });

  it("truncates an existing file on create", async () => {
    const file = join(dir, "truncate.txt");
    await writeFile(file, "old content\n");
    const writer = await LogWriter.create(file);
    await writer.close();
    expect(await readFile(file, "utf8")).toBe("");
  });
});
