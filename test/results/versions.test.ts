/** Readers accept every earlier version of the manifest: the committed version-1 example reads as the current shape. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MANIFEST_SCHEMA_VERSION, parseManifest, readRun, runManifestV1Schema, validateManifest } from "../../src/results/index.js";
import { studyTable } from "../../src/report/index.js";

const V1_DIR = fileURLToPath(new URL("../fixtures/results/v1/", import.meta.url));
const v1Text = (): Record<string, unknown> => JSON.parse(readFileSync(`${V1_DIR}manifest.json`, "utf8")) as Record<string, unknown>;

describe("manifest versions", () => {
  it("writes version 2", () => {
    expect(MANIFEST_SCHEMA_VERSION).toBe(2);
  });

  it("reads the committed version-1 example, upgraded to the current shape", async () => {
    expect(runManifestV1Schema.safeParse(v1Text()).success).toBe(true);
    const manifest = await readRun(V1_DIR);
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.origin).toEqual({ kind: "measured" });
    expect(manifest.images).toEqual([]);
    expect(manifest.telemetry).toBeNull();
    expect(manifest.host?.cpuModel).toBe("AMD EPYC 7742");
    expect(manifest.executions).toHaveLength(14);
    expect(manifest.executions[0]?.log).toBe("logs/rep00/bert-base-squad.1.log");
    // What reads back is a valid current manifest, and reports work on it.
    expect(() => validateManifest(manifest)).not.toThrow();
    const table = studyTable(manifest);
    expect(table.rows.map((r) => r.label)).toEqual(["time (s)", "throughput (sequences/s)"]);
  });

  it("holds version-1 files to version 1's rules, not to version 2's", () => {
    // Version 1 had no origin: a version-1 file is fine without one ...
    expect(() => parseManifest(v1Text())).not.toThrow();
    // ... and a version-2 file is not.
    const { origin: _origin, ...v2 } = JSON.parse(JSON.stringify(parseManifest(v1Text()))) as Record<string, unknown>;
    expect(() => parseManifest(v2)).toThrow(/at origin:/);
    // A version-1 execution needs its log, as version 1 said.
    const broken = v1Text();
    (broken.executions as Record<string, unknown>[])[0] = { ...(broken.executions as Record<string, unknown>[])[0], log: null };
    expect(() => parseManifest(broken)).toThrow(/at executions\[0\]\.log/);
  });
});
