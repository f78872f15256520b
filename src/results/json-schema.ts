/**
 * The JSON Schema of the run manifest, generated from the zod schema so that the two never disagree.
 * The repository publishes it as docs/results.schema.json (a test keeps the committed copy equal to this
 * output), for tools in other languages that read run directories.
 */
import { z } from "zod";
import { MANIFEST_SCHEMA_VERSION, runManifestSchema } from "./manifest.js";

export const RESULTS_SCHEMA_ID = `urn:migbench:results-schema:v${MANIFEST_SCHEMA_VERSION}`;

export function resultsJsonSchema(): Record<string, unknown> {
  // io "output": the manifest as written. draft 2020-12: what current validators (ajv's Ajv2020) default to.
  const { $schema, ...rest } = z.toJSONSchema(runManifestSchema, { target: "draft-2020-12", io: "output" });
  return { $schema, $id: RESULTS_SCHEMA_ID, title: `migbench run manifest, schemaVersion ${MANIFEST_SCHEMA_VERSION}`, ...rest };
}

/** The text of docs/results.schema.json: two-space indented, newline at the end. */
export function resultsJsonSchemaText(): string {
  return `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
}
