/**
 * JSON as Python's `json` module writes it: standard JSON plus the bare tokens `NaN`, `Infinity` and
 * `-Infinity` (an fp16 loss overflow logs `"final_loss": NaN`). `JSON.parse` rejects those, so a line that
 * it refuses is parsed again here; well-formed lines take the fast native path.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    /** 1-based column of the offending character. */
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
    this.name = "JsonSyntaxError";
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON forbids raw control characters inside strings; the class excludes them.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const WHITESPACE = /[ \t\n\r]*/y;
const NON_FINITE: readonly [string, number][] = [
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
];

/** Parses one JSON text, accepting NaN / Infinity / -Infinity. Throws JsonSyntaxError. */
export function parseLenientJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // fall through to the lenient parser, which also gives a column for real syntax errors
  }
  return new Parser(text).document();
}

class Parser {
  private pos = 0;
  /** Nesting limit: a hostile line must not exhaust the stack. */
  private depth = 0;

  constructor(private readonly text: string) {}

  document(): JsonValue {
    const value = this.value();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail("unexpected text after the JSON value");
    return value;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(this.pos >= this.text.length ? "unexpected end of line (truncated?)" : message, this.pos + 1);
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.exec(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  private value(): JsonValue {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === "{") return this.nested(() => this.object());
    if (c === "[") return this.nested(() => this.array());
    if (c === '"') return this.string();
    for (const [token, number] of NON_FINITE) {
      if (this.text.startsWith(token, this.pos)) {
        this.pos += token.length;
        return number;
      }
    }
    for (const [token, literal] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(token, this.pos)) {
        this.pos += token.length;
        return literal;
      }
    }
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail(`unexpected ${JSON.stringify(c)}`);
    this.pos = NUMBER.lastIndex;
    return Number(match[0]);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > 256) this.fail("nested too deeply");
    const value = parse();
    this.depth--;
    return value;
  }

  private string(): string {
    STRING.lastIndex = this.pos;
    const match = STRING.exec(this.text);
    if (!match) this.fail("bad string");
    this.pos = STRING.lastIndex;
    return JSON.parse(match[0]) as string;
  }

  private expect(char: string): void {
    this.skipWhitespace();
    if (this.text[this.pos] !== char) this.fail(`expected ${JSON.stringify(char)}`);
    this.pos++;
  }

  /** True (and consumed) when the next non-blank character is `char`. */
  private accept(char: string): boolean {
    this.skipWhitespace();
    if (this.text[this.pos] !== char) return false;
    this.pos++;
    return true;
  }

  private object(): { [key: string]: JsonValue } {
    this.pos++; // {
    const result: { [key: string]: JsonValue } = {};
    if (this.accept("}")) return result;
    do {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("expected a quoted key");
      const key = this.string();
      this.expect(":");
      // defineProperty: a "__proto__" key is data here, not a prototype change.
      Object.defineProperty(result, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    } while (this.accept(","));
    this.expect("}");
    return result;
  }

  private array(): JsonValue[] {
    this.pos++; // [
    const result: JsonValue[] = [];
    if (this.accept("]")) return result;
    do result.push(this.value());
    while (this.accept(","));
    this.expect("]");
    return result;
  }
}

/** An error of `parseLenientJson` for a problem report; `offset`: characters of the line before the JSON. */
export function describeJsonError(error: unknown, offset = 0): string {
  if (error instanceof JsonSyntaxError) return `${error.reason} at column ${error.column + offset}`;
  return error instanceof Error ? error.message : String(error);
}

export function isJsonObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
