import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resultsJsonSchemaText } from "../../src/results/index.js";
import { manifestValidator } from "./ajv.js";
import { makeManifest } from "./fixtures.js";

const committed = fileURLToPath(new URL("../../docs/results.schema.json", import.meta.url));

describe("docs/results.schema.json", () => {
  it("is the committed copy of the schema generated from zod (MIGBENCH_UPDATE_SCHEMA=1 rewrites it)", () => {
    if (process.env.MIGBENCH_UPDATE_SCHEMA === "1") writeFileSync(committed, resultsJsonSchemaText());
    expect(readFileSync(committed, "utf8"), "regenerate: MIGBENCH_UPDATE_SCHEMA=1 npx vitest run test/results/json-schema.test.ts").toBe(resultsJsonSchemaText());
  });

  it("accepts a manifest the writer would write and rejects a broken one", () => {
    // The committed file, as a tool in another language would load it.
    const validate = manifestValidator(JSON.parse(readFileSync(committed, "utf8")) as Record<string, unknown>);
    const manifest = JSON.parse(JSON.stringify(makeManifest({ schedule: "serial", mig: false, metrics: { time: { key: "t", unit: "s", value: () => 3 } } }))) as Record<string, unknown>;
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...manifest, schemaVersion: 1 })).toBe(false);
    const { origin: _origin, ...noOrigin } = manifest;
    expect(validate(noOrigin)).toBe(false);
    expect(validate({ ...manifest, startedAt: "yesterday" })).toBe(false);
  });
});
