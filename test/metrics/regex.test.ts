import { describe, expect, it } from "vitest";
import { parseLines, parseLogFile } from "../../src/metrics/parse-file.js";
import { fixture } from "./helpers.js";

const OPTIONS = {
  patterns: [
    { regex: "\\[epoch (?<step>\\d+)\\] loss=(?<loss>\\S+) acc=(?<acc>\\S+) throughput=(?<throughput>\\S+)", units: { throughput: "img/s" } },
    { regex: "(?<name>total_time|best_acc)=(?<value>[\\d.]+)(?<unit>s?)" },
  ],
  complete: "^== done",
};

describe("regex parser", () => {
  it("turns named groups into metrics, with steps, units, name/value pairs and NaN", async () => {
    const result = await parseLogFile("regex", fixture("regex-train.txt"), OPTIONS);
    expect(result.complete).toBe(true);
    expect(result.samples.filter((s) => s.name === "loss").map((s) => [s.step, s.value])).toEqual([
      [1, 2.3151],
      [2, null],
      [3, 1.0412],
    ]);
    expect(result.final.throughput).toEqual({ value: 809.9, unit: "img/s", line: 5 });
    expect(result.final.total_time).toEqual({ value: 36.2, unit: "s", line: 7 });
    expect(result.final.best_acc).toEqual({ value: 0.702, line: 7 });
    // A group that captured text is reported with its line; the match's other groups are kept.
    expect(result.problems).toEqual([{ line: 6, message: '"throughput" captured "oops", which is not a number' }]);
  });

  it("is complete at the first sample when no end marker is given, and incomplete without samples", () => {
    expect(parseLines("regex", ["x=1"], { patterns: [{ regex: "x=(?<x>\\d+)" }] }).complete).toBe(true);
    expect(parseLines("regex", ["nothing"], { patterns: [{ regex: "x=(?<x>\\d+)" }] }).complete).toBe(false);
    expect(parseLines("regex", ["x=1"], { patterns: [{ regex: "x=(?<x>\\d+)" }], complete: "^end$" }).complete).toBe(false);
  });

  it("matches a pattern several times in a line", () => {
    const result = parseLines("regex", ["a=1 b=2 c=3"], { patterns: [{ regex: "(?<name>[a-z])=(?<value>\\d+)" }] });
    expect(Object.fromEntries(Object.entries(result.final).map(([k, v]) => [k, v.value]))).toEqual({ a: 1, b: 2, c: 3 });
  });

  it("refuses bad options with clear messages naming the option", () => {
    const error = (options: unknown): string => {
      try {
        parseLines("regex", [], options);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(error(undefined)).toMatch(/invalid options for parser regex:[^]*patterns/);
    expect(error({ patterns: [{ regex: "(?<x>\\d+" }] })).toMatch(/not a valid regular expression[^]*→ at patterns\[0\]\.regex/);
    expect(error({ patterns: [{ regex: "\\d+" }] })).toMatch(/no metric group/);
    expect(error({ patterns: [{ regex: "(?<name>\\w+)" }] })).toMatch(/name and value go together/);
    expect(error({ patterns: [{ regex: "(?<x>\\d+)", flags: "g" }] })).toMatch(/only the flags i, m, s and u[^]*patterns\[0\]\.flags/);
    expect(error({ patterns: [{ regex: "(?<x>\\d+)", units: { y: "s" } }] })).toMatch(/"y" is not a metric group[^]*patterns\[0\]\.units\.y/);
    expect(error({ patterns: [{ regex: "(?<x>\\d+)" }], extra: 1 })).toMatch(/extra/);
  });
});
