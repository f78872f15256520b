/**
 * Reads the zod schema itself, following a document path, to word problems: which keys a mapping
 * accepts (for "did you mean"), which keys only another variant accepts (`gpuInstances` needs
 * `mig: true`), and the description of a missing key. Unions are resolved against the data the user
 * wrote, so the keys offered are those of the variant in use.
 */
import { z } from "zod";
import type { DocPath } from "./types.js";

type Schema = z.core.$ZodType;

/** One wrapper that changes neither the shape nor the keys of what it wraps, removed; or the schema itself. */
function unwrapOnce(schema: Schema): Schema {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodNullable) return schema.unwrap() as Schema;
  if (schema instanceof z.ZodPrefault || schema instanceof z.ZodReadonly) return schema.unwrap() as Schema;
  if (schema instanceof z.ZodPipe) return schema.in as Schema;
  return schema;
}

function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let inner = unwrapOnce(current); inner !== current; inner = unwrapOnce(current)) current = inner;
  return current;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function child(value: unknown, segment: string | number): unknown {
  if (Array.isArray(value) && typeof segment === "number") return value[segment];
  return isRecord(value) ? value[String(segment)] : undefined;
}

function discriminatorValues(option: Schema, discriminator: string): unknown[] {
  if (!(option instanceof z.ZodObject)) return [];
  const field = unwrap(option.shape[discriminator] as Schema);
  return field instanceof z.ZodLiteral ? [...field.values] : field instanceof z.ZodEnum ? [...field.options] : [];
}

/** The option of a union that the data is written for: by discriminator, else by the data's shape. */
function chooseOption(union: z.ZodUnion, value: unknown): Schema | undefined {
  const options = union.options as readonly Schema[];
  if (union instanceof z.ZodDiscriminatedUnion) {
    const discriminator = union.def.discriminator;
    const written = child(value, discriminator);
    return options.find((o) => discriminatorValues(o, discriminator).includes(written));
  }
  const wanted = Array.isArray(value) ? z.ZodArray : isRecord(value) ? z.ZodObject : undefined;
  return wanted ? options.map(unwrap).find((o) => o instanceof wanted) : undefined;
}

/**
 * The schema (wrappers removed) that validates the node at `path`, or undefined when none does. A union
 * met on the way is resolved by the data; the one at the end too unless `resolveLast` is false.
 */
export function schemaAt(root: Schema, path: DocPath, data: unknown, resolveLast = true): Schema | undefined {
  let schema: Schema | undefined = unwrap(root);
  let value = data;
  for (const segment of path) {
    schema = resolveUnion(schema, value);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(segment)] as Schema | undefined;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as Schema;
    else if (schema instanceof z.ZodArray) schema = schema.element as Schema;
    else return undefined;
    if (!schema) return undefined;
    schema = unwrap(schema);
    value = child(value, segment);
  }
  return resolveLast ? resolveUnion(schema, value) : schema;
}

function resolveUnion(schema: Schema | undefined, value: unknown): Schema | undefined {
  if (!(schema instanceof z.ZodUnion)) return schema;
  const option = chooseOption(schema, value);
  return option ? unwrap(option) : schema;
}

/** The description given with `.describe()` to the key at `path`, looking through its wrappers. */
export function descriptionAt(root: Schema, path: DocPath, data: unknown): string | undefined {
  const parent = schemaAt(root, path.slice(0, -1), data);
  const last = path[path.length - 1];
  if (!(parent instanceof z.ZodObject) || last === undefined) return undefined;
  let schema = parent.shape[String(last)] as Schema | undefined;
  while (schema) {
    const description = z.globalRegistry.get(schema)?.description;
    if (description) return description;
    const inner = unwrapOnce(schema);
    schema = inner === schema ? undefined : inner;
  }
  return undefined;
}

export interface MappingKeys {
  /** Keys the mapping at the path accepts. */
  readonly keys: readonly string[];
  /** For a discriminated union: keys only other variants accept, each with the condition that selects it. */
  readonly elsewhere: ReadonlyMap<string, string>;
}

/** The keys accepted by the mapping at `path`, or undefined when no mapping is expected there. */
export function mappingKeysAt(root: Schema, path: DocPath, data: unknown): MappingKeys | undefined {
  const schema = schemaAt(root, path, data);
  if (!(schema instanceof z.ZodObject)) return undefined;
  const keys = Object.keys(schema.shape);
  const elsewhere = new Map<string, string>();
  const union = schemaAt(root, path, data, false);
  if (union instanceof z.ZodDiscriminatedUnion) {
    const discriminator = union.def.discriminator;
    for (const option of union.options as readonly Schema[]) {
      if (unwrap(option) === schema || !(option instanceof z.ZodObject)) continue;
      const condition = `${discriminator}: ${discriminatorValues(option, discriminator).map(String).join(" or ")}`;
      for (const key of Object.keys(option.shape)) if (!keys.includes(key) && !elsewhere.has(key)) elsewhere.set(key, condition);
    }
  }
  return { keys, elsewhere };
}
