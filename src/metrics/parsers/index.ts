/**
 * Log parsers: turn a workload's log into named samples and final values. See types.ts for the interface
 * and registry.ts for the table of parsers.
 */
export type { FinalValue, LogParser, ParseProblem, ParseResult, ParserSession, Sample, SessionOptions } from "./types.js";
export { getParser, PARSER_NAMES, PARSERS } from "./registry.js";
export { parseLines, parseLogFile } from "../parse-file.js";
