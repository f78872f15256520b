import { mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManifestError, createRunDir, formatRunTimestamp, logRelativePath, openRunDataFile, readRun, sanitizeName } from "../../src/results/index.js";
import { makeManifest } from "./fixtures.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "migbench-runs-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const NOW = new Date("2025-01-31T23:59:58.000Z");

describe("createRunDir", () => {
  it("names the directory <UTC time>-<scenario>-<4 hex>", async () => {
    const run = await createRunDir(root, "a100-table1-mig-7x1g", NOW);
    expect(run.id).toMatch(/^20250131-235958-a100-table1-mig-7x1g-[0-9a-f]{4}$/);
    expect(run.dir).toBe(join(root, run.id));
    expect((await stat(run.dir)).isDirectory()).toBe(true);
  });

  it("creates the root when missing and never reuses a directory", async () => {
    const nested = join(root, "a", "b");
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await createRunDir(nested, "x", NOW)).id);
    expect(ids.size).toBe(20);
    expect(await readdir(nested)).toHaveLength(20);
  });

  it("cannot escape root, whatever the name", async () => {
    for (const name of ["../x", "../../etc", "/abs/path", "..", ".", "a/../../b", "a\\..\\b", "", "  ", "\u0000"]) {
      const run = await createRunDir(root, name, NOW);
      expect(dirname(run.dir)).toBe(root);
      expect(basename(run.dir)).toBe(run.id);
      expect(run.id).toMatch(/^20250131-235958-[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{4}$/);
    }
    const run = await createRunDir(root, "../x", NOW);
    expect(run.id).toMatch(/^20250131-235958-x-[0-9a-f]{4}$/);
  });
});

describe("sanitizeName / formatRunTimestamp / logRelativePath", () => {
  it("sanitizes to one safe segment", () => {
    expect(sanitizeName("a100 MIG: 7|7")).toBe("a100-MIG-7-7");
    expect(sanitizeName("../..")).toBe("run");
    expect(sanitizeName(".hidden")).toBe("hidden");
    expect(sanitizeName("x".repeat(100))).toHaveLength(64);
  });
  it("formats UTC timestamps", () => {
    expect(formatRunTimestamp(new Date("2025-03-04T05:06:07Z"))).toBe("20250304-050607");
  });
  it("numbers log folders by repetition and refuses unsafe ids", () => {
    expect(logRelativePath(0, "bert-base-squad.1")).toBe("logs/rep00/bert-base-squad.1.log");
    expect(logRelativePath(12, "a.7")).toBe("logs/rep12/a.7.log");
    expect(() => logRelativePath(0, "../x")).toThrow(RangeError);
    expect(() => logRelativePath(0, "a/b")).toThrow(RangeError);
    expect(() => logRelativePath(-1, "a")).toThrow(RangeError);
  });
});

describe("a run directory", () => {
  it("creates log folders and round-trips its manifest", async () => {
    const run = await createRunDir(root, "a100-table1", NOW);
    const log = run.logPath(3, "bert-base-squad.2");
    expect(log).toBe(join(run.dir, "logs", "rep03", "bert-base-squad.2.log"));
    await writeFile(log, "hello\n");

    const manifest = { ...makeManifest({ schedule: "serial", mig: false, repetitions: 3, metrics: { time: { key: "t", unit: "s", value: (r, c) => r + c } } }), runId: run.id };
    await run.writeManifest(manifest);
    expect(await readRun(run.dir)).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(await readRun(join(run.dir, "manifest.json"))).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect((await readdir(run.dir)).sort()).toEqual(["logs", "manifest.json"]);
    expect(await readFile(join(run.dir, "manifest.json"), "utf8")).toMatch(/^\{\n {2}"schemaVersion": 2,/);
  });

  it("refuses to write a manifest that would not read back", async () => {
    const run = await createRunDir(root, "x", NOW);
    const manifest = makeManifest({ schedule: "parallel", mig: true, metrics: { time: { key: "t", unit: "s", value: () => 1 } } });
    manifest.executions[0]!.repetition = -1;
    await expect(run.writeManifest(manifest)).rejects.toThrow(/manifest\.json: invalid run manifest:\n {2}- at executions\[0\]\.repetition: /);
    expect(await readdir(run.dir)).toEqual([]);
  });
});

describe("readRun errors", () => {
  it("names the file when there is no manifest", async () => {
    await expect(readRun(root)).rejects.toThrow(`${join(root, "manifest.json")}: not found: is this a run directory?`);
  });

  it("names the file on bad JSON", async () => {
    await writeFile(join(root, "manifest.json"), "{ not json");
    const error = await readRun(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(new RegExp(`^${join(root, "manifest.json").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid JSON: `));
  });

  it("names the file and the zod path on a bad manifest", async () => {
    const m = JSON.parse(JSON.stringify(makeManifest({ schedule: "parallel", mig: true, metrics: { time: { key: "t", unit: "s", value: () => 1 } } }))) as Record<string, unknown>;
    (m["host"] as Record<string, unknown>)["cpus"] = "many";
    await writeFile(join(root, "manifest.json"), JSON.stringify(m));
    await expect(readRun(root)).rejects.toThrow(`${join(root, "manifest.json")}: at host.cpus: `);
  });

  it("rejects a future version with a clear message", async () => {
    await writeFile(join(root, "manifest.json"), JSON.stringify({ schemaVersion: 7, runId: "x" }));
    await expect(readRun(root)).rejects.toThrow(/schemaVersion 7 cannot be read: this migbench reads versions up to 2; it was written by a newer migbench/);
  });
});

describe("openRunDataFile", () => {
  it("opens a regular file, and refuses a link or a device a copied run directory might hold", async () => {
    const file = join(root, "samples.jsonl");
    await writeFile(file, "{}\n");
    const stream = await openRunDataFile(file);
    stream.destroy();
    await symlink("/dev/zero", join(root, "zero.jsonl"));
    await expect(openRunDataFile(join(root, "zero.jsonl"))).rejects.toThrow("is a symbolic link");
    await expect(openRunDataFile(root)).rejects.toThrow("not a regular file");
  });
});
