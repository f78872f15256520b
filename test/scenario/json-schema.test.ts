import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE_NAME, scenarioJsonSchema, scenarioJsonSchemaText } from "../../src/scenario/json-schema.js";

const committed = fileURLToPath(new URL(`../../${SCHEMA_FILE_NAME}`, import.meta.url));

describe("scenario.schema.json", () => {
  it("is the committed copy of the schema generated from zod (MIGBENCH_UPDATE_SCHEMA=1 rewrites it)", () => {
    // Regenerating on request keeps the update a one-liner; the default run only compares, so CI catches drift.
    if (process.env.MIGBENCH_UPDATE_SCHEMA === "1") writeFileSync(committed, scenarioJsonSchemaText());
    expect(readFileSync(committed, "utf8"), "regenerate: MIGBENCH_UPDATE_SCHEMA=1 npx vitest run test/scenario/json-schema.test.ts").toBe(
      scenarioJsonSchemaText(),
    );
  });

  it("is draft-07 with an id and a title, and keys with defaults are optional", () => {
    const schema = scenarioJsonSchema();
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.$id).toEqual(expect.any(String));
    expect(schema.title).toBe("migbench scenario");
    expect(schema.required).toEqual(["name", "gpu", "workloads"]);
    // A single-case file needs layout and run; a multi-case file may leave them to its cases.
    expect(schema.anyOf).toEqual([{ required: ["layout", "run"] }, { required: ["cases"] }]);
  });

  it("has no $ref (editors resolve nothing) and its patterns accept what zod accepts (no regex flags lost)", () => {
    const text = scenarioJsonSchemaText();
    expect(text).not.toContain("$ref");
    const patterns = [...text.matchAll(/"pattern": "((?:[^"\\]|\\.)*)"/g)].map((m) => new RegExp(JSON.parse(`"${m[1]}"`) as string));
    expect(patterns.length).toBeGreaterThan(0);
    const namePattern = patterns.find((p) => p.source.startsWith("^[A-Za-z0-9]"));
    expect(namePattern?.test("BERT-Base_v1.1")).toBe(true);
  });
});
