/**
 * Runs a parser over a whole log: lines in memory (tests, small inputs) or a file, streamed so that memory
 * stays flat however long the log is (apart from the samples the parser keeps). Both read the runtime's
 * timestamped format and plain logs alike.
 */
import { parseLogLine, readLogBatches } from "../runtime/log-writer.js";
import { getParser } from "./parsers/registry.js";
import type { ParseResult, SessionOptions } from "./parsers/types.js";

/**
 * Parses lines (without line ends), numbered from 1. A line in the runtime's log format is unwrapped
 * first, and its timestamp is passed on.
 */
export function parseLines(parserName: string, lines: Iterable<string>, options?: unknown, sessionOptions?: SessionOptions): ParseResult {
  const session = getParser(parserName).create(options, sessionOptions);
  let lineNumber = 0;
  for (const raw of lines) {
    const line = parseLogLine(raw);
    session.push(line.text, ++lineNumber, line.at ?? undefined);
  }
  return session.finish();
}

/** Parses a log file; rejects when the parser is unknown, its options are invalid or the file unreadable. */
export async function parseLogFile(parserName: string, file: string, options?: unknown, sessionOptions?: SessionOptions): Promise<ParseResult> {
  const session = getParser(parserName).create(options, sessionOptions);
  for await (const batch of readLogBatches(file)) {
    for (const line of batch) session.push(line.text, line.lineNumber, line.at ?? undefined);
  }
  return session.finish();
}
