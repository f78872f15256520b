import { describe, expect, it } from "vitest";
import { JsonSyntaxError, parseLenientJson } from "../../src/metrics/parsers/lenient-json.js";

describe("parseLenientJson", () => {
  it("reads standard JSON on the fast path", () => {
    expect(parseLenientJson('{"a": [1, 2.5e3, "x\\u00e9"], "b": {"c": null, "d": true}}')).toEqual({
      a: [1, 2500, "xé"],
      b: { c: null, d: true },
    });
  });

  it("accepts NaN, Infinity and -Infinity as Python's json writes them", () => {
    expect(parseLenientJson('{"loss": NaN, "a": Infinity, "b": -Infinity, "c": [NaN], "d": "NaN"}')).toEqual({
      loss: Number.NaN,
      a: Number.POSITIVE_INFINITY,
      b: Number.NEGATIVE_INFINITY,
      c: [Number.NaN],
      d: "NaN",
    });
  });

  it("keeps a __proto__ key as data", () => {
    const value = parseLenientJson('{"__proto__": {"x": NaN}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    ['{"a": 1 "b": 2}', 9],
    ['{"a": NaN, "b": }', 17],
    ['{"a": NaNa}', 10],
    ['{"a": [1, 2', 12],
  ])("reports %s with a column", (text, column) => {
    expect(() => parseLenientJson(text)).toThrow(JsonSyntaxError);
    try {
      parseLenientJson(text);
    } catch (error) {
      expect((error as JsonSyntaxError).column).toBe(column);
    }
  });

  it("says a cut line is truncated", () => {
    expect(() => parseLenientJson('{"loss": NaN, "step": 4')).toThrow(/truncated/);
  });
});
