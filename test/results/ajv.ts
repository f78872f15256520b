/** An ajv validator for run manifests, from the JSON Schema published as docs/results.schema.json. */
import { Ajv2020 } from "ajv/dist/2020.js";
import { resultsJsonSchema } from "../../src/results/index.js";

/** ajv with the one format the manifest uses; strict off because zod emits keywords ajv's strict mode flags. */
export function manifestValidator(schema: Record<string, unknown> = resultsJsonSchema()): ReturnType<Ajv2020["compile"]> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) });
  return ajv.compile(schema);
}
