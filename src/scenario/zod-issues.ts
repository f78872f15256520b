/**
 * Turns zod issues into findings a user can act on: each says what was expected and what was written,
 * suggests the closest key or value when the input looks like a typo, and points at the node to fix
 * (an unknown key at the key, a missing key at its mapping, a bad value at the value).
 */
import type { z } from "zod";
import type { Finding } from "./problems.js";
import { descriptionAt, mappingKeysAt } from "./schema-walk.js";
import { closestMatch, didYouMean } from "./suggest.js";
import type { DocPath } from "./types.js";

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/**
 * A finding with what the loader needs to drop redundant ones: `missing` marks a missing key, `meant`
 * the key a misspelled one was probably meant to be. `gpuInstance:` written for `gpuInstances:` then
 * reads as one problem (the typo), not two.
 */
interface Found extends Finding {
  readonly missing?: boolean;
  readonly meant?: DocPath;
}

interface Context {
  readonly root: Schema;
  readonly data: unknown;
}

/** How zod's expected types read to someone writing YAML. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  tuple: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "nothing",
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** What the user wrote, in a few words: strings quoted, collections by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

const isScalar = (value: unknown): boolean => value === null || typeof value !== "object";

function valueAt(data: unknown, path: DocPath): unknown {
  let value = data;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === "number") value = value[segment];
    else if (isRecord(value)) value = value[String(segment)];
    else return undefined;
  }
  return value;
}

/** True when the last key of `path` is absent from a mapping that exists. */
function isMissingKey(data: unknown, path: DocPath): boolean {
  const last = path[path.length - 1];
  const parent = valueAt(data, path.slice(0, -1));
  return last !== undefined && isRecord(parent) && !(String(last) in parent);
}

const toSegment = (key: PropertyKey): string | number => (typeof key === "number" ? key : String(key));

/** `a or b` for two booleans; `one of a, b, c` otherwise (the enum style); the value alone when one. */
function choices(values: readonly unknown[]): string {
  const words = values.map((v) => String(v));
  if (words.length === 1) return words[0] ?? "";
  if (values.every((v) => typeof v === "boolean")) return words.join(" or ");
  return `one of ${words.join(", ")}`;
}

const plural = (n: number | bigint, word: string): string => `${n} ${word}${Number(n) === 1 ? "" : "s"}`;

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function sizeOf(value: unknown): number | undefined {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  return undefined;
}

function boundMessage(issue: Extract<Issue, { code: "too_small" | "too_big" }>, value: unknown): string {
  const small = issue.code === "too_small";
  const bound = small ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === "string") {
    if (small && Number(bound) === 1) return "must not be empty";
    return `expected ${small ? "at least" : "at most"} ${plural(bound, "character")}; got ${sizeOf(value) ?? describeValue(value)}`;
  }
  if (issue.origin === "array" || issue.origin === "set") {
    const size = sizeOf(value);
    const got = size === 0 ? "none" : size === undefined ? describeValue(value) : String(size);
    return `expected ${small ? "at least" : "at most"} ${plural(bound, "item")}; got ${got}`;
  }
  const relation = small ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
  return `expected ${relation} ${bound}; got ${describeValue(value)}`;
}

function unknownKeyFindings(issue: Extract<Issue, { code: "unrecognized_keys" }>, path: DocPath, ctx: Context): Found[] {
  const accepted = mappingKeysAt(ctx.root, path, ctx.data);
  return issue.keys.map((key) => {
    const keyPath = [...path, key];
    const condition = accepted?.elsewhere.get(key);
    if (condition !== undefined) {
      return { path: keyPath, at: "key", message: `key "${key}" is allowed only with ${condition}; remove it or set ${condition}` };
    }
    const keys = accepted?.keys ?? [];
    const match = closestMatch(key, keys);
    const hint = match !== undefined ? `; did you mean "${match}"?` : keys.length > 0 ? `; expected one of ${keys.filter((k) => !k.startsWith("$")).join(", ")}` : "";
    return { path: keyPath, at: "key", message: `unknown key "${key}"${hint}`, ...(match !== undefined ? { meant: [...path, match] } : {}) };
  });
}

/** A union none of whose options matched: explain through the option the user evidently meant. */
function unionFindings(issue: Extract<Issue, { code: "invalid_union" }>, path: DocPath, ctx: Context): Found[] {
  const value = valueAt(ctx.data, path);
  if (issue.discriminator !== undefined && "options" in issue && issue.options) {
    if (isMissingKey(ctx.data, path)) {
      return [{ path, missing: true, message: `missing required key "${issue.discriminator}"; set it to ${choices(issue.options)}` }];
    }
    return [{ path, message: `expected ${choices(issue.options)}; got ${describeValue(value)}` }];
  }
  const isTypeMismatch = (issues: readonly Issue[]): boolean =>
    issues.length === 1 && issues[0]?.code === "invalid_type" && issues[0].path.length === 0;
  const meant = issue.errors.find((issues) => !isTypeMismatch(issues));
  if (meant) return meant.flatMap((inner) => findingsFor(inner, path, ctx));
  const expected = [...new Set(issue.errors.flatMap((issues) => issues.map((i) => (i.code === "invalid_type" ? i.expected : ""))))]
    .filter((e) => e !== "")
    .map((e) => TYPE_WORDS[e] ?? e);
  if (isMissingKey(ctx.data, path)) return [missingKey(path, ctx)];
  return [{ path, message: `expected ${expected.join(" or ")}; got ${describeValue(value)}` }];
}

function missingKey(path: DocPath, ctx: Context): Found {
  const key = String(path[path.length - 1]);
  const description = descriptionAt(ctx.root, path, ctx.data);
  return { path, missing: true, message: `missing required key "${key}"${description ? ` (${lowerFirst(description)})` : ""}` };
}

function findingsFor(issue: Issue, base: DocPath, ctx: Context): Found[] {
  const path = [...base, ...issue.path.map(toSegment)];
  const value = valueAt(ctx.data, path);
  switch (issue.code) {
    case "invalid_type":
      if (path.length === 0) {
        return [{ path, message: `expected a scenario: a mapping with name, gpu, layout, workloads and run; got ${describeValue(value)}` }];
      }
      if (isMissingKey(ctx.data, path)) return [missingKey(path, ctx)];
      return [{ path, message: `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}; got ${describeValue(value)}` }];
    case "too_small":
    case "too_big":
      return [{ path, message: boundMessage(issue, value) }];
    case "invalid_format":
      return [{ path, message: `${issue.message}; got ${describeValue(value)}` }];
    case "invalid_value": {
      const words = issue.values.map(String);
      const hint = typeof value === "string" ? didYouMean(value, words) : "";
      return [{ path, message: `expected ${choices(issue.values)}; got ${describeValue(value)}${hint}` }];
    }
    case "unrecognized_keys":
      return unknownKeyFindings(issue, path, ctx);
    case "invalid_union":
      return unionFindings(issue, path, ctx);
    case "invalid_key": {
      const key = String(path[path.length - 1]);
      const inner = issue.issues.flatMap((i) => findingsFor(i, [], { root: ctx.root, data: key }));
      return inner.map((f) => ({ path, at: "key" as const, message: `invalid key: ${f.message}` }));
    }
    case "custom":
      return [{ path, message: isScalar(value) ? `${issue.message}; got ${describeValue(value)}` : issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Findings for every issue of a failed `safeParse`, in the order zod reported them. */
export function findingsFromIssues(issues: readonly Issue[], data: unknown, root: Schema): Finding[] {
  const ctx: Context = { root, data };
  const found = issues.flatMap((issue) => findingsFor(issue, [], ctx));
  const key = (path: DocPath): string => JSON.stringify(path);
  const meant = new Set(found.flatMap((f) => (f.meant ? [key(f.meant)] : [])));
  return found.filter((f) => !(f.missing && meant.has(key(f.path)))).map(({ path, at, message }) => ({ path, message, ...(at ? { at } : {}) }));
}
