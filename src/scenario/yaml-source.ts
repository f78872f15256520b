/**
 * The YAML side of the loader: parses a scenario's text keeping every node's source range, reports
 * syntax errors, duplicate keys and dangling aliases with their positions, and maps a document path
 * back to `line:col` so that later checks can point at what the user wrote.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair } from "yaml";
import type { Finding } from "./problems.js";
import type { DocPath, ScenarioProblem } from "./types.js";

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface YamlSource {
  /** The document as plain data (mappings → objects, lists → arrays). */
  readonly data: unknown;
  /** Where a finding's node starts, 1-based. */
  locate(finding: Finding): Position;
}

export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; problems: ScenarioProblem[] };

/** Friendlier words for the few parser errors whose wording does not say what to do. */
const YAML_ERROR_HINTS: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: "a scenario file holds one YAML document; move the part after `---` into its own file",
  TAB_AS_INDENT: "tabs are not allowed for indentation in YAML; indent with spaces",
};

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

export function parseYamlSource(text: string, file: string): YamlParseResult {
  const lineCounter = new LineCounter();
  // uniqueKeys: false — duplicates are reported below, naming the key and where it was first set.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number): Position => lineCounter.linePos(offset);
  const problem = (offset: number, message: string): ScenarioProblem => ({ file, ...at(offset), message });

  const problems: ScenarioProblem[] = [...doc.errors, ...doc.warnings].map((e) =>
    problem(e.pos[0], `YAML syntax error: ${YAML_ERROR_HINTS[e.code] ?? lowerFirst(e.message)}`),
  );
  problems.push(...duplicateKeys(doc, problem, at));
  problems.push(...danglingAliases(doc, problem));
  if (problems.length > 0) return { ok: false, problems };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ok: false, problems: [problem(0, `YAML error: ${error instanceof Error ? error.message : String(error)}`)] };
  }
  return { ok: true, source: { data, locate: (finding) => at(offsetOf(doc, finding.path, finding.at ?? "value")) } };
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function duplicateKeys(
  doc: Document,
  problem: (offset: number, message: string) => ScenarioProblem,
  at: (offset: number) => Position,
): ScenarioProblem[] {
  const found: ScenarioProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, Pair>();
      for (const pair of map.items) {
        const name = keyText(pair.key);
        const first = seen.get(name);
        if (!first) {
          seen.set(name, pair);
          continue;
        }
        const firstAt = at(startOf(first.key));
        found.push(
          problem(startOf(pair.key), `duplicate key "${name}" (first set at line ${firstAt.line}, column ${firstAt.col}); keep only one`),
        );
      }
    },
  });
  return found;
}

function danglingAliases(doc: Document, problem: (offset: number, message: string) => ScenarioProblem): ScenarioProblem[] {
  const found: ScenarioProblem[] = [];
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) {
        found.push(problem(startOf(alias), `unknown alias "*${alias.source}"; define the anchor "&${alias.source}" before using it`));
      }
    },
  });
  return found;
}

function startOf(node: unknown): number {
  if (node && typeof node === "object" && "range" in node) {
    const range = (node as { range?: readonly number[] | null }).range;
    if (range && typeof range[0] === "number") return range[0];
  }
  return 0;
}

/** An empty value (`key:` with nothing after it) has no text of its own; point at its key instead. */
function isEmptyScalar(node: unknown): boolean {
  if (!isScalar(node) || node.value !== null) return false;
  const range = node.range;
  return !range || range[0] === range[1];
}

/**
 * A mapping's pairs by key text (the first of duplicates), built once per mapping: a file with thousands
 * of unknown keys gets one finding each, and searching the mapping for each was quadratic (minutes for a
 * 2 MB file of keys).
 */
const PAIRS = new WeakMap<object, Map<string, Pair>>();
function pairsByKey(map: { items: Pair[] }): Map<string, Pair> {
  let pairs = PAIRS.get(map);
  if (!pairs) {
    pairs = new Map();
    for (const pair of map.items) {
      const name = keyText(pair.key);
      if (!pairs.has(name)) pairs.set(name, pair);
    }
    PAIRS.set(map, pairs);
  }
  return pairs;
}

/**
 * Walks `path` through the document. The whole path found: the value (or the key, for `at: "key"`).
 * Otherwise the deepest node found, i.e. the mapping that misses the key.
 */
function offsetOf(doc: Document, path: DocPath, at: "key" | "value"): number {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  for (const [depth, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    const last = depth === path.length - 1;
    if (isMap(node)) {
      const pair = pairsByKey(node).get(String(segment));
      if (!pair) return startOf(node);
      if ((last && at === "key") || pair.value === null || isEmptyScalar(pair.value)) return startOf(pair.key);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (item === undefined) return startOf(node);
      node = item;
    } else {
      return offset;
    }
    offset = startOf(node as Node);
  }
  return offset;
}
