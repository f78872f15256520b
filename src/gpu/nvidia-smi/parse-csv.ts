/**
 * `--query-gpu=…`/`--query-compute-apps=…` with `--format=csv[,noheader][,nounits]`. With a header the
 * columns are found by name (the tool echoes canonical names, e.g. `clocks.current.sm [MHz]` for
 * `clocks.sm`); without one, by position. Units are stripped; placeholders become undefined.
 */
import { z } from "zod";
import { OutputFormatError } from "./errors.js";
import { QueryRecord } from "./schemas.js";
import { validated } from "./validate.js";
import { present, stripUnit } from "./values.js";

/** Names that denote the same field; the first is what the header prints. */
const ALIASES: readonly (readonly string[])[] = [
  ["name", "gpu_name"],
  ["serial", "gpu_serial"],
  ["uuid", "gpu_uuid"],
  ["pci.bus_id", "gpu_bus_id"],
  ["clocks.current.sm", "clocks.sm"],
  ["clocks.current.graphics", "clocks.gr"],
  ["clocks.current.memory", "clocks.mem"],
  ["clocks.current.video", "clocks.video"],
  ["clocks.max.graphics", "clocks.max.gr"],
  ["clocks.max.memory", "clocks.max.mem"],
  ["used_gpu_memory", "used_memory"],
];

const sameField = (a: string, b: string): boolean => a === b || ALIASES.some((group) => group.includes(a) && group.includes(b));

/** `memory.used [MiB]` → `memory.used`. */
const headerName = (cell: string): string => cell.replace(/\s*\[[^\]]*\]\s*$/, "").trim();
const looksLikeFieldName = (cell: string): boolean => /^[a-z_][a-z0-9_.]*$/i.test(headerName(cell));

const splitRow = (line: string): string[] => line.split(",").map((c) => c.trim());

export function parseQueryCsv(text: string, fields: readonly string[]): QueryRecord[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const first = lines[0] ? splitRow(lines[0]) : [];
  const hasHeader = first.length > 0 && first.every(looksLikeFieldName) && first.some((c) => fields.some((f) => sameField(headerName(c), f)));
  const header = hasHeader ? first.map(headerName) : undefined;
  const column = fields.map((field, position) => {
    const named = header?.findIndex((h) => sameField(h, field)) ?? -1;
    return named >= 0 ? named : position;
  });
  const records = (hasHeader ? lines.slice(1) : lines).map((line) => {
    const cells = splitRow(line);
    if (cells.length < fields.length) throw new OutputFormatError(`expected ${fields.length} values, got ${cells.length}: "${line}"`);
    return Object.fromEntries(
      fields.map((field, k) => {
        const value = present(cells[column[k] ?? k]);
        return [field, value === undefined ? undefined : stripUnit(value)];
      }),
    );
  });
  return validated(z.array(QueryRecord), records, "nvidia-smi --query csv");
}
