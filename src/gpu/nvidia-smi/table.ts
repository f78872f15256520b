/**
 * Reads the boxed tables of `nvidia-smi mig -l…` by their headers, not by fixed offsets. Each cell of a
 * record is named by the header words stacked above it (e.g. `Profile ID`, `GPU Instance ID`,
 * `Instances Free/Total`, `SM CE`), so column widths may change between drivers (79/81-column `-lgip`,
 * narrower `-lgi`) and columns may be missing (no Placement in older formats).
 */
import { OutputFormatError } from "./errors.js";

interface Span {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

interface HeaderWord extends Span {
  readonly line: number;
}

export interface Cell extends Span {
  /** The header words above the cell, top to bottom. */
  readonly key: readonly string[];
}

/** One record: its lines (a profile row has two), each a list of cells. */
export type TableRecord = readonly (readonly Cell[])[];

const BORDER = /^\+-+\+\s*$/;
const RULE = /^\|=+\|\s*$/;

/** Runs of text separated by two or more spaces (a single space stays inside a cell: `MIG 1g.10gb`). */
function spans(line: string): Span[] {
  const out: Span[] = [];
  for (const match of line.matchAll(/[^\s|](?:[^\s|]| (?=[^\s|]))*/g)) {
    out.push({ text: match[0], start: match.index, end: match.index + match[0].length - 1 });
  }
  return out;
}

const overlaps = (a: Span, b: Span): boolean => a.start <= b.end && b.start <= a.end;
const centre = (s: Span): number => (s.start + s.end) / 2;

function keyOf(cell: Span, header: readonly HeaderWord[]): string[] {
  const above = header.filter((h) => overlaps(h, cell));
  if (above.length > 0) return above.map((h) => h.text);
  // A cell under no header word (a long value spilling over): the nearest one names it.
  const nearest = [...header].sort((a, b) => Math.abs(centre(a) - centre(cell)) - Math.abs(centre(b) - centre(cell)))[0];
  return nearest ? [nearest.text] : [];
}

/** The records of the first boxed table in `text`, or null when there is none. */
export function readBoxTable(text: string): TableRecord[] | null {
  const lines = text.split(/\r?\n/).map((l) => l.trimEnd());
  const rule = lines.findIndex((l) => RULE.test(l));
  if (rule < 0) return null;
  let top = rule;
  while (top > 0 && !BORDER.test(lines[top - 1] ?? "")) top--;
  // lines[top] is the title ("| GPU instances:"); the header follows it.
  const header: HeaderWord[] = lines.slice(top + 1, rule).flatMap((line, k) => spans(line).map((s) => ({ ...s, line: k })));
  const records: TableRecord[] = [];
  let current: Cell[][] = [];
  for (const line of lines.slice(rule + 1)) {
    if (!line.startsWith("|")) {
      if (current.length > 0) records.push(current);
      current = [];
      if (!BORDER.test(line)) break;
      continue;
    }
    current.push(spans(line).map((s) => ({ ...s, key: keyOf(s, header) })));
  }
  if (current.length > 0) records.push(current);
  return records;
}

/**
 * The text of the cell on record line `line` whose header words include all of `words`, preferring the
 * one with the fewest other words (`Instance ID` over `GPU Instance ID` for ["Instance", "ID"]).
 */
export function cellText(record: TableRecord, line: number, words: readonly string[]): string | undefined {
  const candidates = (record[line] ?? []).filter((c) => words.every((w) => c.key.includes(w)));
  candidates.sort((a, b) => a.key.length - b.key.length);
  return candidates[0]?.text;
}

/** The messages that stand for an empty listing. */
export const NO_LISTING = /No MIG-(enabled|supported) devices found|No GPU instances found|No compute instances found/;

/** The records of a listing; none for the tool's "nothing here" messages. */
export function tableOrEmpty(text: string, what: string): TableRecord[] {
  const records = readBoxTable(text);
  if (records) return records;
  if (NO_LISTING.test(text) || text.trim() === "") return [];
  throw new OutputFormatError(`${what}: no table in "${text.trim().slice(0, 200)}"`);
}

/** A cell the row cannot do without. */
export function required<T>(value: T | undefined, what: string, record: TableRecord): T {
  if (value === undefined) throw new OutputFormatError(`${what} missing in row "${record.map((l) => l.map((c) => c.text).join(" ")).join(" / ")}"`);
  return value;
}

