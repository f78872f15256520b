/**
 * The table of parsers by name. Adding a parser = writing its module and adding one row here; the CLI
 * (`bench parse --format`), the runner and scenario validation all read this table.
 */
import { dlloggerParser } from "./dllogger.js";
import { hfTrainerParser } from "./hf-trainer.js";
import { jsonlParser } from "./jsonl.js";
import { mlperfLoadgenParser } from "./mlperf-loadgen.js";
import { perfAnalyzerParser } from "./perf-analyzer.js";
import { regexParser } from "./regex.js";
import { tritonClientParser } from "./triton-client.js";
import type { LogParser } from "./types.js";

const table: readonly LogParser[] = [
  jsonlParser,
  dlloggerParser,
  tritonClientParser,
  perfAnalyzerParser,
  hfTrainerParser,
  mlperfLoadgenParser,
  regexParser,
];

/**
 * Parser name → parser. No prototype, so that `name in PARSERS` is true only for real parsers
 * (not for "toString").
 */
export const PARSERS: Readonly<Record<string, LogParser>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, LogParser>, Object.fromEntries(table.map((p) => [p.name, p]))),
);

/** The parser names, in the table's order. */
export const PARSER_NAMES: readonly string[] = Object.freeze(table.map((p) => p.name));

/** The parser of that name; throws an Error listing the known ones when there is none. */
export function getParser(name: string): LogParser {
  const parser = Object.hasOwn(PARSERS, name) ? PARSERS[name] : undefined;
  if (!parser) throw new Error(`unknown parser "${name}"; known: ${Object.keys(PARSERS).sort().join(", ")}`);
  return parser;
}
