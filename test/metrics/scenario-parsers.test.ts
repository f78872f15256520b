/** The scenario checker reads the parser registry: every parser is accepted by name, and its options are checked up front. */
import { describe, expect, it } from "vitest";
import { PARSER_NAMES } from "../../src/metrics/parsers/index.js";
import { formatProblem, KNOWN_PARSERS, loadScenarioText } from "../../src/scenario/index.js";

const scenario = (parser: string): string => `name: p
gpu: { model: A100-SXM4-40GB }
layout: { mig: false }
workloads:
  w:
    command: [x]
    parser: ${parser}
    metrics: { time: { key: t } }
run:
  - { workload: w, on: full-gpu }
`;

const problems = (parser: string): string[] => {
  const result = loadScenarioText(scenario(parser), "s.yaml");
  return result.ok ? [] : result.problems.map(formatProblem);
};

describe("parsers in scenarios", () => {
  it("accepts exactly the registry's parsers", () => {
    expect(KNOWN_PARSERS).toEqual(PARSER_NAMES);
    for (const name of PARSER_NAMES.filter((n) => n !== "regex")) expect(problems(name), name).toEqual([]);
    expect(problems("tritonclient")[0]).toMatch(/unknown parser "tritonclient"; did you mean "triton-client"/);
  });

  it("checks parser options with the parser's own schema, at the option's place in the file", () => {
    expect(problems('{ name: perf-analyzer, options: { concurrency: 4, latencyUnit: ms } }')).toEqual([]);
    expect(problems('{ name: regex, options: { patterns: [{ regex: "t=(?<t>[0-9.]+)" }] } }')).toEqual([]);
    expect(problems('{ name: perf-analyzer, options: { concurrency: 0 } }')[0]).toMatch(/^s\.yaml:7:\d+: parser perf-analyzer: .*>=1/);
    expect(problems('{ name: regex, options: { patterns: [{ regex: "t=(?<t" }] } }')[0]).toMatch(/^s\.yaml:7:\d+: parser regex: not a valid regular expression/);
    // regex without options has nothing to match with.
    expect(problems("regex")[0]).toMatch(/^s\.yaml:7:\d+: parser regex: .*/);
  });
});
