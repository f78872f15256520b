import type { z } from "zod";
import { OutputFormatError } from "./errors.js";

/** Validates a parser's result; a mismatch means the output was not what the parser understood. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  throw new OutputFormatError(`${what}: ${issues}`);
}
