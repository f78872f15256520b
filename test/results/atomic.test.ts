import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic, writeJsonAtomic } from "../../src/results/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "migbench-atomic-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("writes, replaces, and leaves no temporary file behind", async () => {
    const file = join(dir, "manifest.json");
    await writeFileAtomic(file, "first");
    await writeFileAtomic(file, new TextEncoder().encode("second"));
    expect(await readFile(file, "utf8")).toBe("second");
    expect(await readdir(dir)).toEqual(["manifest.json"]);
  });

  it("survives many concurrent writers: the file is always one whole version", async () => {
    const file = join(dir, "m.json");
    const versions = Array.from({ length: 20 }, (_, i) => ({ version: i, pad: "x".repeat(10_000) }));
    await Promise.all(versions.map((v) => writeJsonAtomic(file, v)));
    const read = JSON.parse(await readFile(file, "utf8")) as { version: number };
    expect(read.version).toBeGreaterThanOrEqual(0);
    expect(await readdir(dir)).toEqual(["m.json"]);
  });

  it("cleans up its temporary file when the rename fails", async () => {
    // Renaming a file over a non-empty directory fails on every platform.
    const target = join(dir, "target");
    await mkdir(join(target, "inner"), { recursive: true });
    await expect(writeFileAtomic(target, "data")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
    expect(await readdir(target)).toEqual(["inner"]);
  });

  it("writes JSON with a final newline", async () => {
    const file = join(dir, "a.json");
    await writeJsonAtomic(file, { a: 1 });
    expect(await readFile(file, "utf8")).toBe('{\n  "a": 1\n}\n');
  });
});
