/**
 * A Python dict literal as `print(dict)` writes it: `{'train_runtime': 116.1914, 'epoch': 0.15}`. Not
 * JSON: keys and strings in single (or double) quotes, `nan`/`inf` bare, `True`/`False`/`None`. Only what
 * a metrics dict holds is read: a flat dict of scalars (nested lists or dicts are skipped as values).
 * Used by the hf-trainer parser; a small hand-written scanner because no JSON parser accepts this.
 */

export type PyScalar = number | string | boolean | null;

export class PyLiteralError extends Error {
  constructor(
    readonly reason: string,
    /** 0-based offset in the text where it went wrong. */
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = "PyLiteralError";
  }
}

const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[+-]?[A-Za-z_][A-Za-z0-9_.]*/y;
const WHITESPACE = /\s*/y;
const WORDS: Readonly<Record<string, PyScalar>> = {
  nan: Number.NaN,
  "-nan": Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  "+inf": Number.POSITIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
  True: true,
  False: false,
  None: null,
  // JSON's spellings, so that a one-line JSON object (`all_results.json` written without indent) reads too.
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  true: true,
  false: false,
  null: null,
};

/**
 * Parses the dict starting at `text[start]` (which must be `{`). Returns the entries (in order, duplicate
 * keys kept as Python would: the last wins when turned into a map) and where the dict ended.
 */
export function parsePythonDict(text: string, start = 0): { entries: [string, PyScalar | undefined][]; end: number } {
  let pos = start;
  const fail = (reason: string): never => {
    throw new PyLiteralError(pos >= text.length ? "unexpected end of line (truncated?)" : reason, pos);
  };
  const skip = (): void => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };
  const string = (): string => {
    const quote = text[pos];
    let out = "";
    pos++;
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === "\\" && pos + 1 < text.length) {
        const next = text[pos + 1] as string;
        out += next === "n" ? "\n" : next === "t" ? "\t" : next;
        pos += 2;
      } else out += text[pos++];
    }
    if (pos >= text.length) fail("unterminated string");
    pos++;
    return out;
  };
  /** Skips a nested list, tuple or dict: its value is no metric, but the entries after it are. */
  const skipNested = (): void => {
    const open = text[pos] as string;
    const close = open === "[" ? "]" : open === "(" ? ")" : "}";
    let depth = 0;
    while (pos < text.length) {
      const c = text[pos] as string;
      if (c === "'" || c === '"') {
        string();
        continue;
      }
      if (c === open) depth++;
      else if (c === close && --depth === 0) {
        pos++;
        return;
      }
      pos++;
    }
    fail("unterminated nested value");
  };
  const value = (): PyScalar | undefined => {
    skip();
    const c = text[pos];
    if (c === "'" || c === '"') return string();
    if (c === "[" || c === "(" || c === "{") {
      skipNested();
      return undefined;
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    // A number not followed by a letter: `1e5` is a number, `1abc` is not.
    if (number && !/[A-Za-z_]/.test(text[NUMBER.lastIndex] ?? "")) {
      pos = NUMBER.lastIndex;
      return Number(number[0]);
    }
    WORD.lastIndex = pos;
    const word = WORD.exec(text);
    if (word && Object.hasOwn(WORDS, word[0])) {
      pos = WORD.lastIndex;
      return WORDS[word[0]] as PyScalar;
    }
    if (word && text[WORD.lastIndex] === "(") {
      // A repr such as `tensor(3.2)` or `np.float64(0.5)`: no plain metric value, but no reason to drop the dict.
      pos = WORD.lastIndex;
      skipNested();
      return undefined;
    }
    return fail(`unexpected ${JSON.stringify(c)}`);
  };

  if (text[pos] !== "{") fail("expected '{'");
  pos++;
  const entries: [string, PyScalar | undefined][] = [];
  skip();
  if (text[pos] === "}") return { entries, end: pos + 1 };
  for (;;) {
    skip();
    if (text[pos] !== "'" && text[pos] !== '"') fail("expected a quoted key");
    const key = string();
    skip();
    if (text[pos] !== ":") fail("expected ':'");
    pos++;
    entries.push([key, value()]);
    skip();
    if (text[pos] === ",") {
      pos++;
      skip();
      if (text[pos] === "}") return { entries, end: pos + 1 }; // trailing comma
      continue;
    }
    if (text[pos] === "}") return { entries, end: pos + 1 };
    fail("expected ',' or '}'");
  }
}
