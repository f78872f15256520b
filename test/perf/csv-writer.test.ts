/**
 * Telemetry CSV rows are written in batches (docs/performance.md, telemetry): at most CSV_FLUSH_MS after
 * they arrive, on `flush`, and all of them on `close`; a writer nobody closes does not keep a process alive.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CSV_FLUSH_MS, CsvWriter } from "../../src/metrics/telemetry/csv.js";
import { root, tempDir } from "../cli/helpers.js";

const read = (file: string): string => readFileSync(file, "utf8");

describe("CsvWriter batches", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes the pending rows once the flush interval has passed, without a close", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const file = path.join(tempDir("csv"), "gpu0.csv");
    const writer = new CsvWriter(file, ["time", "value"]);
    writer.row(["t1", 1]);
    writer.row(["t2", undefined]);
    vi.advanceTimersByTime(CSV_FLUSH_MS);
    vi.useRealTimers();
    await vi.waitFor(() => expect(read(file)).toBe("time,value\nt1,1\nt2,\n"));
    await writer.close();
  });

  it("flush hands the rows over at once, and close writes every row in order, twice safely", async () => {
    const file = path.join(tempDir("csv"), "gpu0.csv");
    const writer = new CsvWriter(file, ["a"]);
    writer.row(["x,y"]);
    writer.flush();
    await vi.waitFor(() => expect(read(file)).toBe('a\n"x,y"\n'));
    for (let i = 0; i < 100; i++) writer.row([i]);
    await writer.close();
    await writer.close();
    expect(read(file)).toBe(`a\n"x,y"\n${Array.from({ length: 100 }, (_, i) => `${i}\n`).join("")}`);
    expect(writer.rows).toBe(101);
  });

  it("a writer left open does not keep its process running", async () => {
    const file = path.join(tempDir("csv"), "left-open.csv");
    const script = `const { CsvWriter } = await import(${JSON.stringify(path.join(root, "dist", "metrics", "telemetry", "csv.js"))}); new CsvWriter(process.argv[1], ["a"]).row([1]);`;
    const result = await execa(process.execPath, ["--input-type=module", "-e", script, file], { reject: false });
    expect(result.exitCode).toBe(0);
  });
});
