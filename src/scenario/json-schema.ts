/**
 * The JSON Schema of the scenario language, generated from the zod schema so the two never disagree.
 * Editors use it through yaml-language-server (`# yaml-language-server: $schema=...` at the top of a
 * scenario) for completion and hover help; `bench schema` prints it; the repository keeps a copy at
 * its root, `scenario.schema.json`, which a test keeps equal to this output.
 */
import { z } from "zod";
import { scenarioFileSchema } from "./schema.js";

export const SCHEMA_FILE_NAME = "scenario.schema.json";
export const SCHEMA_ID = "urn:migbench:scenario-schema:v1";

export function scenarioJsonSchema(): Record<string, unknown> {
  // draft-07: the draft yaml-language-server supports fully. io "input": keys with defaults are optional.
  const { $schema, ...rest } = z.toJSONSchema(scenarioFileSchema, { target: "draft-07", io: "input" });
  // What zod cannot say: a single-case file needs layout and run; a multi-case file may leave them to its cases.
  const oneCaseOrMany = { anyOf: [{ required: ["layout", "run"] }, { required: ["cases"] }] };
  return { $schema, $id: SCHEMA_ID, title: "migbench scenario", ...rest, ...oneCaseOrMany };
}

/** The text of `scenario.schema.json`: two-space indented, newline at the end. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
