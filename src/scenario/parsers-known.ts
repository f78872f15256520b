/**
 * Parser names a scenario may use: the metrics module's registry, so that a parser added there is
 * accepted here without a second list to keep in step.
 */
import { PARSER_NAMES } from "../metrics/parsers/registry.js";

export const KNOWN_PARSERS: readonly string[] = PARSER_NAMES;
